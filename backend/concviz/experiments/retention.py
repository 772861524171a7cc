"""Keep the store within bounds: how many ended runs, how old, how many bytes of traces.

Applied by the server after every sweep and at start (``SweepService``), on
the store's writer thread. In order:

1. ended runs older than ``max_age_days`` go, whole;
2. beyond ``max_runs`` ended runs, the oldest go, whole;
3. while the traces take more than ``max_bytes``, the events of the oldest
   sweep runs not marked ``keep`` (``outcomes.outliers``: per value the
   first run, the runs outside p10..p90 and the unusual endings) are dropped;
   their record, summary and outcome stay (``trace: "trimmed"``);
4. then, if still over, the oldest runs go, whole.

Runs still going and the runs of a live sweep are never touched. A sweep
left with no run is deleted.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from concviz.experiments.storage import delete_runs

ENDED = "status NOT IN ('pending', 'running')"


@dataclass(frozen=True)
class Policy:
    max_runs: int = 10_000
    max_age_days: float = 30.0
    max_bytes: int = 2 << 30


def _bytes(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(SUM(LENGTH(lines)), 0) FROM chunks").fetchone()[0])


def enforce(conn: sqlite3.Connection, policy: Policy, protected: set[str] = frozenset(),  # type: ignore[assignment]
            now: float | None = None) -> dict[str, Any]:
    """Apply the policy; ``protected`` are sweep ids whose runs stay. Returns what was done."""
    now = time.time() if now is None else now
    guard = ("AND id NOT IN (SELECT run_id FROM sweep_runs WHERE sweep_id IN "
             f"({','.join('?' * len(protected))}))") if protected else ""
    args = sorted(protected)
    old = [r[0] for r in conn.execute(
        f"SELECT id FROM runs WHERE {ENDED} AND created_at < ? {guard}", (now - policy.max_age_days * 86400, *args))]
    delete_runs(conn, old)
    ended = [r[0] for r in conn.execute(
        f"SELECT id FROM runs WHERE {ENDED} {guard} ORDER BY created_at DESC, rowid DESC", args)]
    excess = ended[policy.max_runs:]
    delete_runs(conn, excess)
    trimmed = 0
    size = _bytes(conn)
    if size > policy.max_bytes:
        candidates = conn.execute(
            "SELECT s.run_id, (SELECT COALESCE(SUM(LENGTH(lines)), 0) FROM chunks c WHERE c.run_id = s.run_id) AS size "
            "FROM sweep_runs s JOIN runs ON runs.id = s.run_id WHERE s.keep = 0 AND s.trimmed = 0 "
            f"AND runs.{ENDED} {guard.replace('AND id', 'AND s.run_id')} ORDER BY runs.created_at", args).fetchall()
        for run_id, run_size in candidates:
            if size <= policy.max_bytes:
                break
            conn.execute("DELETE FROM chunks WHERE run_id = ?", (run_id,))
            conn.execute("UPDATE sweep_runs SET trimmed = 1 WHERE run_id = ?", (run_id,))
            size -= run_size
            trimmed += 1
    dropped: list[str] = []
    if size > policy.max_bytes:
        for run_id, run_size in conn.execute(
                f"SELECT id, (SELECT COALESCE(SUM(LENGTH(lines)), 0) FROM chunks c WHERE c.run_id = runs.id) "
                f"FROM runs WHERE {ENDED} {guard} ORDER BY created_at, rowid", args).fetchall():
            if size <= policy.max_bytes:
                break
            dropped.append(run_id)
            size -= run_size
        delete_runs(conn, dropped)
    empty = [r[0] for r in conn.execute(
        "SELECT id FROM sweeps WHERE state NOT IN ('queued', 'running') "
        "AND NOT EXISTS (SELECT 1 FROM sweep_runs WHERE sweep_id = sweeps.id)")]
    conn.executemany("DELETE FROM sweeps WHERE id = ?", [(s,) for s in empty])
    return {"deleted_runs": len(old) + len(excess) + len(dropped), "trimmed_runs": trimmed,
            "deleted_sweeps": len(empty), "bytes": size}
