"""Sweeps in the SQLite store: an older file gains the sweep tables and keeps its runs."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from concviz.server.store import SCHEMA_VERSION, Store


def test_a_database_from_before_sweeps_opens_with_its_runs_and_lists_them(tmp_path: Path) -> None:
    path = tmp_path / "concviz.sqlite3"
    store = Store(path)
    store.insert_run({"id": "0123456789ab", "scenario": "race", "params": {}, "status": "pending",
                      "created_at": 5.0}).result(timeout=10)
    store.close()
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("DROP TABLE sweep_runs")
        conn.execute("DROP TABLE sweeps")
        conn.execute("PRAGMA user_version=2")
    store = Store(path)
    try:
        assert [r["id"] for r in store.list_runs(10)] == ["0123456789ab"]
        tables = store.read(lambda conn: {r[0] for r in conn.execute("SELECT name FROM sqlite_master")})
        assert {"sweeps", "sweep_runs", "runs", "chunks"} <= tables
    finally:
        store.close()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
