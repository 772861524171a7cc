"""Sweeps on the local pool: real runs as child processes; the phenomena; cancel leaves nothing behind."""

from __future__ import annotations

import time
from typing import Any

from concviz import scenarios
from concviz.experiments.outcomes import outcome, table
from concviz.experiments.pool import LocalPool, make_job, spec_for
from concviz.experiments.sweep import plan

from .conftest import session_members


def sweep(pool: LocalPool, scenario: str, given: dict[str, Any], repeat: int) -> list[dict[str, Any]]:
    p = plan(scenarios.find(scenario), given, repeat)
    jobs = [make_job(scenario, params, p.result, timeout=30) for params in p.runs]
    results: dict[str, Any] = {}
    batch = pool.submit(jobs, lambda job, result: results.__setitem__(job["run_id"], result))
    assert batch.wait(90), "the sweep did not end"
    assert (batch.done, batch.dropped, batch.eta_s()) == (len(jobs), 0, 0.0)
    return [{"run_id": j["run_id"], "params": j["params"], "outcome": outcome(results[j["run_id"]]["end"], p.result),
             "result": results[j["run_id"]]} for j in jobs]


def test_a_sweep_of_race_locked_loses_no_update_in_any_run(local_pool: LocalPool) -> None:
    runs = sweep(local_pool, "race_locked", {"threads": [3, 6], "gap": [0.0, 0.001]}, 2)
    assert len(runs) == 8
    for run in runs:
        o = run["outcome"]
        assert (o["status"], o["exit_code"], o["lost_updates"], o["result"]) == ("finished", 0, 0, 0), run
    # the lock's wait queue is seen: with 6 threads some wait
    assert max(r["outcome"]["max_waiters"] for r in runs if r["params"]["threads"] == 6) >= 1


def test_a_sweep_of_race_over_gap_loses_updates_at_the_larger_gaps(local_pool: LocalPool) -> None:
    runs = sweep(local_pool, "race", {"threads": [10], "gap": [0.0, 0.01]}, 3)
    rows = {row["params"]["gap"]: row for row in table(runs, ["gap"])}
    wide = rows[0.01]["metrics"]
    # 10 threads each sleeping 10 ms between read and write: nearly every decrement is lost.
    assert wide["lost_updates"]["min"] >= 5, wide["lost_updates"]
    assert wide["result"]["min"] >= 5
    assert wide["result"]["median"] >= rows[0.0]["metrics"]["result"]["median"]
    for run in runs:
        # the final value is exactly the lost updates: the analysis and the program agree
        assert run["outcome"]["result"] == run["outcome"]["lost_updates"]
        # runs of a sweep record no source lines (the cheap path)
        assert b'"lines":false' in run["result"]["header"]


def test_cancel_drops_queued_runs_stops_running_ones_and_leaves_no_process(local_pool: LocalPool) -> None:
    p = plan(scenarios.find("linger"), {"seconds": [50.0]}, 6)
    jobs = [make_job("linger", params, None, timeout=60) for params in p.runs]
    ended: list[Any] = []
    batch = local_pool.submit(jobs, lambda job, result: ended.append(result))
    leaders: set[int] = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        supervisors = [s for s in list(batch._running.values()) if s.proc is not None]
        if len(supervisors) == 2:
            leaders = {s.proc.pid for s in supervisors if s.proc is not None}
            # both programs have started their grandchild: each session holds more than the runner
            if all(len(session_members({pid})) >= 2 for pid in leaders):
                break
        time.sleep(0.02)
    assert len(leaders) == 2, "two runs did not start"
    started = time.monotonic()
    batch.cancel()
    assert batch.wait(20)
    assert time.monotonic() - started < 10
    assert (batch.done, batch.dropped) == (2, 4)
    assert [r["end"]["status"] for r in ended if r is not None] == ["stopped", "stopped"]
    assert session_members(leaders) == []


def test_every_run_of_a_sweep_carries_the_memory_limit() -> None:
    assert spec_for(make_job("race", {"threads": 2}, None)).max_memory == 1 << 30  # several run at once
    assert spec_for(make_job("race", {"threads": 2}, None, max_memory=64 << 20)).max_memory == 64 << 20
