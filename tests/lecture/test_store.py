"""Tours stored with runs: the store's tour column, and databases written before it existed."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from concviz.server.store import SCHEMA_VERSION, Store

TOUR = {"version": 1, "stops": [{"at": {"fraction": 0.5}, "note": "half way"}]}

# The runs table as concviz wrote it before tours (schema version 1).
OLD_SCHEMA = """
CREATE TABLE runs (
    id TEXT PRIMARY KEY, scenario TEXT NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL,
    exit_code INTEGER, created_at REAL NOT NULL, finished_at REAL, events INTEGER NOT NULL DEFAULT 0,
    summary TEXT, error TEXT, header BLOB, end_line BLOB
);
CREATE INDEX runs_by_created ON runs (created_at);
CREATE TABLE chunks (
    run_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, lines BLOB NOT NULL,
    PRIMARY KEY (run_id, first_seq)
);
INSERT INTO runs (id, scenario, params, status, exit_code, created_at, finished_at, events, summary, error,
                  header, end_line)
VALUES ('0123456789ab', 'race', '{"threads":2}', 'finished', 0, 1.0, 2.0, 1, '{"threads":3}', NULL,
        CAST('{"type":"header"}' AS BLOB), CAST('{"type":"end"}' AS BLOB));
INSERT INTO chunks VALUES ('0123456789ab', 0, 0,
    CAST('{"seq":0,"t":0,"tid":0,"kind":"print","obj":null,"args":{}}' || char(10) AS BLOB));
PRAGMA user_version = 1;
"""


@contextlib.contextmanager
def opened(path: Path) -> Iterator[Store]:
    store = Store(path)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    path = tmp_path / "concviz.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript(OLD_SCHEMA)
    return path


def _record(run_id: str, scenario: str = "race") -> dict[str, object]:
    return {"id": run_id, "scenario": scenario, "params": {}, "status": "pending", "created_at": 5.0}


def test_a_database_from_before_tours_opens_with_its_runs_intact(old_db: Path) -> None:
    with opened(old_db) as store:
        record = store.get_run("0123456789ab")
        assert record is not None
        assert record["status"] == "finished" and record["summary"] == {"threads": 3} and record["tour"] is None
        assert store.read_chunks("0123456789ab", 0)[0][0] == 0
        assert store.trace_ends("0123456789ab") == (b'{"type":"header"}', b'{"type":"end"}')
        store.set_tour("0123456789ab", TOUR).result(timeout=10)
        assert store.get_tour("0123456789ab") == TOUR
    with contextlib.closing(sqlite3.connect(old_db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3


def test_opening_a_migrated_database_again_keeps_its_tours(old_db: Path) -> None:
    with opened(old_db) as store:
        store.set_tour("0123456789ab", TOUR).result(timeout=10)
    with opened(old_db) as store:
        assert store.get_tour("0123456789ab") == TOUR


def test_a_tour_is_saved_replaced_and_dropped_with_its_run(tmp_path: Path) -> None:
    with opened(tmp_path / "new.sqlite3") as store:
        store.insert_run(_record("aaaaaaaaaaaa"))
        store.set_tour("aaaaaaaaaaaa", TOUR).result(timeout=10)  # queued after the insert: same writer, in order
        assert store.get_run("aaaaaaaaaaaa")["tour"] == TOUR  # type: ignore[index]
        store.set_tour("aaaaaaaaaaaa", {"version": 1, "stops": []}).result(timeout=10)
        assert store.get_tour("aaaaaaaaaaaa") == {"version": 1, "stops": []}
        store.set_tour("aaaaaaaaaaaa", None).result(timeout=10)
        assert store.get_tour("aaaaaaaaaaaa") is None


def test_the_run_list_leaves_tours_out(tmp_path: Path) -> None:
    with opened(tmp_path / "new.sqlite3") as store:
        store.insert_run(_record("bbbbbbbbbbbb"))
        store.set_tour("bbbbbbbbbbbb", TOUR).result(timeout=10)
        (listed,) = store.list_runs(10)
        assert listed["id"] == "bbbbbbbbbbbb" and "tour" not in listed


def test_a_tour_for_an_unknown_run_changes_nothing(tmp_path: Path) -> None:
    with opened(tmp_path / "new.sqlite3") as store:
        store.set_tour("cccccccccccc", TOUR).result(timeout=10)
        assert store.get_tour("cccccccccccc") is None
        assert store.get_run("cccccccccccc") is None
