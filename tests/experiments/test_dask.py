"""Sweeps on a Dask cluster: a LocalCluster on 127.0.0.1 with two workers (in-process workers, so the
test stays fast; every run is still a child process of its worker, under a Supervisor)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import distributed  # an optional dependency of concviz, in its dev extra
import pytest

from concviz import scenarios
from concviz.experiments.cluster import DaskPool, SchedulerError
from concviz.experiments.outcomes import outcome
from concviz.experiments.pool import make_job
from concviz.experiments.sweep import plan

from .conftest import session_members
from .test_api import wait_state


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as local:
        yield local


def test_a_sweep_on_two_workers_runs_each_run_as_a_child_process(cluster: Any) -> None:
    pool = DaskPool(cluster.scheduler_address)
    try:
        p = plan(scenarios.find("whoami"), {"n": "1..3"}, 2)
        jobs = [make_job("whoami", params, p.result, timeout=30) for params in p.runs]
        results: dict[str, Any] = {}
        batch = pool.submit(jobs, lambda job, result: results.__setitem__(job["run_id"], result))
        assert batch.wait(60)
        assert (batch.done, batch.dropped) == (6, 0)
        pids = set()
        for job in jobs:
            result = results[job["run_id"]]
            o = outcome(result["end"], p.result)
            assert (o["status"], o["exit_code"]) == ("finished", 0)
            assert result["lines"] and result["header"]  # the trace came back
            pids.add(o["result"])
        assert os.getpid() not in pids and len(pids) == 6  # six runs, six child processes
    finally:
        pool.close()


def test_the_cli_sweeps_on_a_scheduler(cluster: Any, scenario_dir: Path) -> None:
    env = dict(os.environ, CONCVIZ_SCENARIOS=str(scenario_dir))
    done = subprocess.run([sys.executable, "-m", "concviz.cli", "sweep", "--json", "--scheduler",
                           cluster.scheduler_address, "--param", "threads=3", "--param", "gap=0,0.001",
                           "race_locked"], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    runs = json.loads(done.stdout)["runs"]
    assert [(r["params"]["gap"], r["status"], r["watched"]["num"]["final"]) for r in runs] == [
        (0.0, "finished", 0), (0.001, "finished", 0)]


def test_an_unreachable_scheduler_is_a_clear_error() -> None:
    with pytest.raises(SchedulerError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        DaskPool("tcp://127.0.0.1:9", timeout=1)


@pytest.mark.asyncio
async def test_the_server_runs_sweeps_on_the_scheduler_and_stores_their_traces(
    cluster: Any, make_app: Callable[..., Any]
) -> None:
    app, client = await make_app(sweep_scheduler=cluster.scheduler_address)
    created = (await client.post("/api/sweeps", json={"scenario": "race", "params": {"threads": [4],
                                                                                     "gap": [0.0, 0.005]}})).json()
    sweep = await wait_state(client, created["id"], ("done",))
    assert isinstance(app.state.sweeps.pool, DaskPool)
    for run in sweep["runs"]:
        assert (run["status"], run["exit_code"]) == ("finished", 0)
        record = (await client.get(f"/api/runs/{run['run_id']}")).json()
        trace = (await client.get(f"/api/runs/{run['run_id']}/trace")).text.splitlines()
        assert len(trace) == record["events"] + 2 > 2


@pytest.mark.asyncio
async def test_cancel_on_the_scheduler_stops_the_running_runs_and_leaves_no_process(
    cluster: Any, make_app: Callable[..., Any]
) -> None:
    _, client = await make_app(sweep_scheduler=cluster.scheduler_address)
    created = (await client.post("/api/sweeps", json={"scenario": "linger", "params": {"seconds": [50]},
                                                      "repeat": 4})).json()
    leaders: set[int] = set()
    deadline = time.monotonic() + 30
    while len(leaders) < 2 and time.monotonic() < deadline:  # the two workers' runs (children of this process)
        leaders = {pid for pid in _children(os.getpid()) if _leads_session(pid) and _is_runner(pid)}
        await asyncio.sleep(0.05)
    assert len(leaders) == 2
    assert (await client.post(f"/api/sweeps/{created['id']}/cancel")).status_code == 202
    await wait_state(client, created["id"], ("cancelled",))
    deadline = time.monotonic() + 20
    while session_members(leaders) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert session_members(leaders) == []


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def _children(parent: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if int(_stat(int(entry.name))[1]) == parent:
                    out.append(int(entry.name))
    return out


def _leads_session(pid: int) -> bool:
    try:
        return int(_stat(pid)[3]) == pid
    except OSError:
        return False


def _is_runner(pid: int) -> bool:
    try:
        return b"concviz.runner" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
