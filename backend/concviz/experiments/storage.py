"""Sweeps in the server's SQLite store (tables ``sweeps`` and ``sweep_runs``, schema version 3).

A sweep's row holds its request (scenario, values per parameter, repeat, the
declared result) and its state; ``sweep_runs`` holds one row per planned run
(its index, id and parameter values) and, once the run has ended, its outcome.
The runs themselves are ordinary rows of ``runs`` with their trace in
``chunks``, so a run of a sweep opens like any other run; the run list
(``GET /api/runs``) leaves them out. ``keep`` marks the runs whose whole trace
retention keeps (outliers), ``trimmed`` those whose events it dropped.

Writes go through ``Store.write`` (the store's writer thread, in order with
the run writes); reads through ``Store.read``.
"""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import Future
from typing import Any

import msgspec

from concviz.server.store import Store

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.decode

LIVE_STATES = ("queued", "running")
RESTART_ERROR = "the server stopped during the sweep; the runs that had ended are kept"


def insert_sweep(store: Store, sweep: dict[str, Any], runs: list[tuple[str, dict[str, Any]]]) -> Future[None]:
    """The sweep's row and one row per planned run (``(run_id, params)`` in order)."""

    def change(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO sweeps (id, scenario, params, repeat, result, state, total, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (sweep["id"], sweep["scenario"], _encode(sweep["params"]), sweep["repeat"], sweep["result"],
             sweep["state"], len(runs), sweep["created_at"]))
        conn.executemany("INSERT INTO sweep_runs (sweep_id, idx, run_id, params) VALUES (?, ?, ?, ?)",
                         [(sweep["id"], i, run_id, _encode(params)) for i, (run_id, params) in enumerate(runs)])

    return store.write(change)


def store_run(store: Store, scenario: str, params: dict[str, Any], result: dict[str, Any],
              outcome: dict[str, Any], created_at: float) -> None:
    """An ended run of a sweep: its ``runs`` row and trace, and its outcome on its ``sweep_runs`` row."""
    run_id = result["run_id"]
    end = result["end"]
    record = {"id": run_id, "scenario": scenario, "params": params, "status": "pending", "created_at": created_at}
    store.insert_run(record)
    store.set_running(run_id, result["header"])
    if result["lines"]:
        store.add_events(run_id, 0, result["lines"])
    store.finish(run_id, record | {
        "status": end.get("status"), "exit_code": end.get("exit_code"), "finished_at": time.time(),
        "events": len(result["lines"]), "summary": end.get("summary"), "error": end.get("error")},
        result["end_line"])
    encoded = _encode(outcome)
    store.write(lambda conn: conn.execute("UPDATE sweep_runs SET outcome = ? WHERE run_id = ?",
                                          (encoded, run_id)))


def set_state(store: Store, sweep_id: str, state: str, error: str | None = None) -> Future[None]:
    finished = time.time() if state not in LIVE_STATES else None
    return store.write(lambda conn: conn.execute(
        "UPDATE sweeps SET state = ?, finished_at = ?, error = COALESCE(?, error) WHERE id = ?",
        (state, finished, error, sweep_id)))


def set_keep(store: Store, sweep_id: str, run_ids: set[str]) -> Future[None]:
    ids = sorted(run_ids)
    return store.write(lambda conn: conn.executemany(
        "UPDATE sweep_runs SET keep = 1 WHERE sweep_id = ? AND run_id = ?", [(sweep_id, r) for r in ids]))


def recover(store: Store) -> list[str]:
    """Sweeps a dead or stopped server left queued or running: cancelled, with what had ended kept."""
    ids: list[str] = store.read(lambda conn: [r["id"] for r in conn.execute(
        "SELECT id FROM sweeps WHERE state IN (?, ?)", LIVE_STATES)])
    for sweep_id in ids:
        set_state(store, sweep_id, "cancelled", RESTART_ERROR).result()
    return ids


def delete_runs(conn: sqlite3.Connection, run_ids: list[str]) -> None:
    for start in range(0, len(run_ids), 500):
        part = run_ids[start:start + 500]
        marks = ",".join("?" * len(part))
        conn.execute(f"DELETE FROM chunks WHERE run_id IN ({marks})", part)
        conn.execute(f"DELETE FROM runs WHERE id IN ({marks})", part)
        conn.execute(f"DELETE FROM sweep_runs WHERE run_id IN ({marks})", part)


def delete_sweep(store: Store, sweep_id: str) -> Future[None]:
    def change(conn: sqlite3.Connection) -> None:
        ids = [r[0] for r in conn.execute("SELECT run_id FROM sweep_runs WHERE sweep_id = ?", (sweep_id,))]
        delete_runs(conn, ids)
        conn.execute("DELETE FROM sweep_runs WHERE sweep_id = ?", (sweep_id,))
        conn.execute("DELETE FROM sweeps WHERE id = ?", (sweep_id,))

    return store.write(change)


def delete_run(store: Store, run_id: str) -> Future[None]:
    return store.write(lambda conn: delete_runs(conn, [run_id]))


# --- reads ----------------------------------------------------------------------------------


def _sweep(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "scenario": row["scenario"], "params": _decode(row["params"]), "repeat": row["repeat"],
            "result": row["result"], "state": row["state"], "total": row["total"], "created_at": row["created_at"],
            "finished_at": row["finished_at"], "error": row["error"]}


def list_sweeps(conn: sqlite3.Connection, limit: int = 100) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT s.*, (SELECT COUNT(*) FROM sweep_runs r WHERE r.sweep_id = s.id AND r.outcome IS NOT NULL) AS done "
        "FROM sweeps s ORDER BY created_at DESC LIMIT ?", (limit,))
    return [_sweep(r) | {"done": r["done"]} for r in rows]


def get_sweep(conn: sqlite3.Connection, sweep_id: str) -> dict[str, Any] | None:
    """The sweep with its runs in planned order: ``{run_id, params, status, exit_code, watched, outcome, trace}``
    (``status`` null and ``outcome`` null for a run that has not ended)."""
    row = conn.execute("SELECT * FROM sweeps WHERE id = ?", (sweep_id,)).fetchone()
    if row is None:
        return None
    runs = []
    for r in conn.execute(
            "SELECT s.run_id, s.params, s.outcome, s.keep, s.trimmed, runs.summary, runs.status, runs.exit_code "
            "FROM sweep_runs s LEFT JOIN runs ON runs.id = s.run_id WHERE s.sweep_id = ? ORDER BY s.idx",
            (sweep_id,)):
        outcome = _decode(r["outcome"]) if r["outcome"] else None
        summary = _decode(r["summary"]) if r["summary"] else None
        runs.append({
            "run_id": r["run_id"], "params": _decode(r["params"]),
            "status": r["status"] if outcome is not None else None,
            "exit_code": r["exit_code"] if outcome is not None else None,
            "watched": (summary or {}).get("watched") if outcome is not None else None,
            "outcome": outcome, "trace": "trimmed" if r["trimmed"] else ("kept" if r["keep"] else "full"),
        })
    return _sweep(row) | {"runs": runs}
