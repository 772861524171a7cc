"""The store's write queue is bounded: a run faster than the disk waits for
the writer instead of queueing without end."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from concviz.server import store as store_mod
from concviz.server.store import Store


def test_add_events_waits_while_the_writer_is_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_mod, "MAX_QUEUED_BYTES", 1000)
    store = Store(tmp_path / "runs.db")
    release, writing = threading.Event(), threading.Event()

    def slow(conn: sqlite3.Connection) -> None:
        writing.set()
        release.wait(30)

    try:
        store.insert_run({"id": "r1", "scenario": "race", "params": {}, "status": "pending", "created_at": 0.0})
        store.write(slow)
        assert writing.wait(10)
        added = []

        def add() -> None:
            for i in range(20):
                store.add_events("r1", i, [b'{"seq":%d,"pad":"%s"}' % (i, b"x" * 580)])
                added.append(i)

        adder = threading.Thread(target=add)
        adder.start()
        adder.join(0.5)
        assert adder.is_alive(), "add_events queued 12 KB for a writer that is stuck"
        assert len(added) <= 2
        release.set()
        adder.join(10)
        assert not adder.is_alive() and added == list(range(20))
    finally:
        release.set()
        store.close()
