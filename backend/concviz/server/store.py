"""Runs and their traces in one SQLite file (WAL), written by one thread.

Neighbours: ``runs`` calls the write methods from run threads (they only
enqueue; ``add_events`` waits while ``MAX_QUEUED_BYTES`` of events wait for
the writer, so a fast run cannot grow the queue without bound); the API and the WebSocket call the read methods from
worker threads. A trace is kept as its header line and end line (on the run's
row) and its event lines in chunks, one row per batch of lines with the
batch's first and last ``seq`` — a row per event could not keep up with a
million events a second.

Writes go through a single writer thread with its own connection: SQLite has
one writer at a time anyway, and batching every write that queued up while
the previous transaction committed into one transaction is what keeps up with
fast runs. ``synchronous=NORMAL`` in WAL mode means a commit survives the
server's death (the case that matters: a killed server keeps every event
written); only an operating-system crash may lose the last commits.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from concviz.analysis.fold import Fold
from concviz.analysis.summary import summarise
from concviz.translate import Lines

log = logging.getLogger("concviz.server")

SCHEMA_VERSION = 3
"""1: runs and chunks. 2: ``runs.tour``, the run's guided tour (JSON; NULL: none of its own).
3: ``sweeps`` and ``sweep_runs`` (``concviz.experiments.storage``); new tables, so an older file just gains them."""
PAGE_SIZE = 65536
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    scenario TEXT NOT NULL,
    params TEXT NOT NULL,
    status TEXT NOT NULL,
    exit_code INTEGER,
    created_at REAL NOT NULL,
    finished_at REAL,
    events INTEGER NOT NULL DEFAULT 0,
    summary TEXT,
    error TEXT,
    header BLOB,
    end_line BLOB,
    tour TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at);
CREATE TABLE IF NOT EXISTS chunks (
    run_id TEXT NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    lines BLOB NOT NULL,
    PRIMARY KEY (run_id, first_seq)
);
CREATE TABLE IF NOT EXISTS sweeps (
    id TEXT PRIMARY KEY,
    scenario TEXT NOT NULL,
    params TEXT NOT NULL,
    repeat INTEGER NOT NULL,
    result TEXT,
    state TEXT NOT NULL,
    total INTEGER NOT NULL,
    created_at REAL NOT NULL,
    finished_at REAL,
    error TEXT
);
CREATE TABLE IF NOT EXISTS sweep_runs (
    sweep_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    run_id TEXT NOT NULL,
    params TEXT NOT NULL,
    outcome TEXT,
    keep INTEGER NOT NULL DEFAULT 0,
    trimmed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sweep_id, idx)
);
CREATE INDEX IF NOT EXISTS sweep_runs_by_run ON sweep_runs (run_id);
"""
RECORD_COLUMNS = "id, scenario, params, status, exit_code, created_at, finished_at, events, summary, error"
UNFINISHED = ("pending", "running")
INTERRUPTED_ERROR = "the server stopped during the run; the trace ends at its last recorded event"

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.decode
_decode_events = msgspec.json.Decoder(list[dict[str, Any]]).decode


def _record(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"], "scenario": row["scenario"], "params": _decode(row["params"]),
        "status": row["status"], "exit_code": row["exit_code"], "created_at": row["created_at"],
        "finished_at": row["finished_at"], "events": row["events"],
        "summary": _decode(row["summary"]) if row["summary"] else None, "error": row["error"],
    } | ({"tour": _decode(row["tour"]) if row["tour"] else None} if "tour" in row.keys() else {})  # noqa: SIM118 (a Row's "in" looks at values)


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a database written by an older concviz up to ``SCHEMA_VERSION``, keeping every run.

    Only additive changes (a new nullable column), so an old file opens as is
    and its runs read back with the new fields empty.
    """
    columns = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    if "tour" not in columns:
        conn.execute("ALTER TABLE runs ADD COLUMN tour TEXT")


@dataclass
class _Op:
    kind: str
    run_id: str
    args: tuple[Any, ...] = ()
    lines: list[Sequence[bytes]] = field(default_factory=list)
    future: Future[None] | None = None


_STOP = _Op("stop", "")
MAX_QUEUED_BYTES = 64 << 20
"""Event bytes the store may hold queued for its writer (``Store.add_events``)."""


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(self._connect()) as conn:
            # Chunks are blobs of hundreds of kilobytes: in 4 KB pages SQLite
            # spends about twice the CPU on them (overflow-page chains). Takes
            # effect only on a new file (before WAL mode); an old one keeps its pages.
            conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
            conn.execute("PRAGMA journal_mode=WAL")
            with conn:
                conn.executescript(SCHEMA)
                _migrate(conn)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._queue: queue.SimpleQueue[_Op] = queue.SimpleQueue()
        self._committed: dict[str, int] = {}
        """Per run, the number of events the store holds (committed), for ``hub`` to let go of them."""
        self._progress = threading.Condition()
        # Bytes of event lines queued and not yet written: past MAX_QUEUED_BYTES,
        # add_events waits for the writer (the run's thread slows down, and its
        # program with it) instead of the queue growing without bound.
        self._queued_bytes = 0
        self._room = threading.Condition()
        self._writer = threading.Thread(target=self._write_loop, name="concviz-store-writer", daemon=True)
        self._writer.start()
        self._closed = False

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    # --- startup ----------------------------------------------------------------------

    def recover_interrupted(self) -> list[str]:
        """Mark runs left ``pending``/``running`` by a dead server ``interrupted``.

        Each keeps every event it had written, and gets an end line (with a
        summary folded from those events) so that its trace is complete.
        """
        with self._reading() as conn:
            ids = [r["id"] for r in conn.execute(
                "SELECT id FROM runs WHERE status IN (?, ?)", UNFINISHED)]
            for run_id in ids:
                fold = Fold()
                last_t = 0
                count = 0
                for row in conn.execute(
                        "SELECT lines FROM chunks WHERE run_id = ? ORDER BY first_seq", (run_id,)):
                    blob: bytes = row["lines"]
                    batch = _decode_events(b"[" + blob.rstrip(b"\n").replace(b"\n", b",") + b"]")
                    for ev in batch:
                        fold.feed(ev)
                    if batch:
                        last_t = batch[-1]["t"]
                        count += len(batch)
                summary = summarise(fold, None)
                end = {"type": "end", "status": "interrupted", "exit_code": None, "duration_ns": last_t,
                       "summary": summary, "error": INTERRUPTED_ERROR}
                with conn:
                    conn.execute(
                        "UPDATE runs SET status = 'interrupted', finished_at = ?, events = ?, summary = ?, "
                        "error = ?, end_line = ? WHERE id = ?",
                        (time.time(), count, _encode(summary), INTERRUPTED_ERROR, _encode(end), run_id))
                log.warning("run %s was interrupted by the server's end (%d events kept)", run_id, count)
        return ids

    # --- writes (any thread; only add_events may wait) -----------------------------------------

    def insert_run(self, record: dict[str, Any]) -> Future[None]:
        future: Future[None] = Future()
        self._queue.put(_Op("insert", record["id"], (record,), future=future))
        return future

    def set_running(self, run_id: str, header: bytes) -> None:
        self._queue.put(_Op("running", run_id, (header,)))

    def add_events(self, run_id: str, first_seq: int, lines: Sequence[bytes]) -> None:
        """Queue a run's events; waits (only) while ``MAX_QUEUED_BYTES`` of events are queued already."""
        size = sum(map(len, lines))
        with self._room:
            while self._queued_bytes > MAX_QUEUED_BYTES and self._writer.is_alive():
                self._room.wait(0.5)
            self._queued_bytes += size
        self._queue.put(_Op("events", run_id, (first_seq,), [lines]))

    def finish(self, run_id: str, record: dict[str, Any], end_line: bytes) -> Future[None]:
        future: Future[None] = Future()
        self._queue.put(_Op("finish", run_id, (record, end_line), future=future))
        return future

    def set_tour(self, run_id: str, tour: dict[str, Any] | None) -> Future[None]:
        """Store the run's tour (None: forget it, so the scenario's own tour shows again)."""
        future: Future[None] = Future()
        self._queue.put(_Op("tour", run_id, (None if tour is None else _encode(tour),), future=future))
        return future

    def write(self, change: Callable[[sqlite3.Connection], object]) -> Future[None]:
        """Any other change (``concviz.experiments.storage``), in its turn on the writer thread."""
        future: Future[None] = Future()
        self._queue.put(_Op("call", "", (change,), future=future))
        return future

    def committed(self, run_id: str) -> int:
        """How many of the run's events the store holds (while it goes)."""
        with self._progress:
            return self._committed.get(run_id, 0)

    def wait_stored(self, run_id: str, events: int, timeout: float = 1.0) -> bool:
        """Wait (a run thread) until the store holds ``events`` of the run's events; False on timeout."""
        with self._progress:
            return self._progress.wait_for(
                lambda: self._closed or self._committed.get(run_id, 0) >= events, timeout)

    def close(self) -> None:
        if self._closed:
            return
        with self._progress:
            self._closed = True
            self._progress.notify_all()
        self._queue.put(_STOP)
        self._writer.join()

    # --- the writer thread -------------------------------------------------------------

    def _write_loop(self) -> None:
        conn = self._connect()
        try:
            while True:
                batch = [self._queue.get()]
                with contextlib.suppress(queue.Empty):
                    while len(batch) < 10_000:
                        batch.append(self._queue.get_nowait())
                stop = any(op is _STOP for op in batch)
                written = sum(len(line) for op in batch if op.kind == "events" for part in op.lines for line in part)
                self._commit(conn, _merge([op for op in batch if op is not _STOP]))
                if written:
                    with self._room:
                        self._queued_bytes -= written
                        self._room.notify_all()
                if stop:
                    return
        finally:
            conn.close()

    def _commit(self, conn: sqlite3.Connection, ops: list[_Op]) -> None:
        try:
            with conn:
                for op in ops:
                    self._apply(conn, op)
        except Exception:
            # One bad write must not lose the others: redo them one at a time.
            log.exception("store: a batch of %d writes failed; retrying one by one", len(ops))
            for op in ops:
                try:
                    with conn:
                        self._apply(conn, op)
                except Exception as error:
                    log.exception("store: %s for run %s failed", op.kind, op.run_id)
                    if op.future is not None:
                        op.future.set_exception(error)
                        op.future = None
        with self._progress:
            for op in ops:
                if op.kind == "events":
                    end = op.args[0] + sum(len(lines) for lines in op.lines)
                    self._committed[op.run_id] = max(self._committed.get(op.run_id, 0), end)
                elif op.kind == "finish":
                    self._committed.pop(op.run_id, None)
            self._progress.notify_all()
        for op in ops:
            if op.future is not None:
                op.future.set_result(None)

    @staticmethod
    def _apply(conn: sqlite3.Connection, op: _Op) -> None:
        if op.kind == "events":
            (first_seq,) = op.args
            blob = b"".join(lines.data if isinstance(lines, Lines) else b"\n".join(lines) + b"\n" for lines in op.lines)
            count = sum(len(lines) for lines in op.lines)
            conn.execute("INSERT INTO chunks (run_id, first_seq, last_seq, lines) VALUES (?, ?, ?, ?)",
                         (op.run_id, first_seq, first_seq + count - 1, blob))
        elif op.kind == "insert":
            (r,) = op.args
            conn.execute(
                "INSERT INTO runs (id, scenario, params, status, created_at) VALUES (?, ?, ?, ?, ?)",
                (r["id"], r["scenario"], _encode(r["params"]), r["status"], r["created_at"]))
        elif op.kind == "running":
            (header,) = op.args
            conn.execute("UPDATE runs SET status = 'running', header = ? WHERE id = ?", (header, op.run_id))
        elif op.kind == "finish":
            r, end_line = op.args
            conn.execute(
                "UPDATE runs SET status = ?, exit_code = ?, finished_at = ?, events = ?, summary = ?, "
                "error = ?, end_line = ? WHERE id = ?",
                (r["status"], r["exit_code"], r["finished_at"], r["events"], _encode(r["summary"]),
                 r["error"], end_line, op.run_id))
        elif op.kind == "call":
            (change,) = op.args
            change(conn)
        elif op.kind == "tour":
            (tour,) = op.args
            conn.execute("UPDATE runs SET tour = ? WHERE id = ?", (tour, op.run_id))
        else:  # pragma: no cover - a programming error
            raise ValueError(f"unknown store operation {op.kind!r}")

    # --- reads (blocking: call them from a worker thread) --------------------------------

    def read(self, query: Callable[[sqlite3.Connection], Any]) -> Any:
        """``query(conn)`` on a reading connection of its own."""
        with self._reading() as conn:
            return query(conn)

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        with self._reading() as conn:
            row = conn.execute(f"SELECT {RECORD_COLUMNS}, tour FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _record(row) if row else None

    def list_runs(self, limit: int) -> list[dict[str, Any]]:
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {RECORD_COLUMNS} FROM runs WHERE id NOT IN (SELECT run_id FROM sweep_runs) "
                "ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,))
            return [_record(r) for r in rows]

    def get_tour(self, run_id: str) -> dict[str, Any] | None:
        """The run's own tour, or None (no tour saved, or no such run)."""
        with self._reading() as conn:
            row = conn.execute("SELECT tour FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _decode(row["tour"]) if row and row["tour"] else None

    def trace_ends(self, run_id: str) -> tuple[bytes | None, bytes | None]:
        """The header line and end line of a stored run (either may be missing)."""
        with self._reading() as conn:
            row = conn.execute("SELECT header, end_line FROM runs WHERE id = ?", (run_id,)).fetchone()
        return (row["header"], row["end_line"]) if row else (None, None)

    def read_chunks(self, run_id: str, from_seq: int, max_bytes: int = 4 << 20) -> list[tuple[int, bytes]]:
        """Event chunks (first seq, lines) in order from ``from_seq``, about ``max_bytes`` at most."""
        out: list[tuple[int, bytes]] = []
        size = 0
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT first_seq, lines FROM chunks WHERE run_id = ? AND last_seq >= ? ORDER BY first_seq",
                (run_id, from_seq))
            for row in rows:
                out.append((row["first_seq"], row["lines"]))
                size += len(row["lines"])
                if size >= max_bytes:
                    break
        return out


def _merge(ops: list[_Op]) -> list[_Op]:
    """Fold consecutive event batches of the same run into one row."""
    out: list[_Op] = []
    for op in ops:
        last = out[-1] if out else None
        if op.kind == "events" and last is not None and last.kind == "events" and last.run_id == op.run_id:
            last.lines.extend(op.lines)
        else:
            out.append(_Op(op.kind, op.run_id, op.args, list(op.lines), op.future))
    return out
