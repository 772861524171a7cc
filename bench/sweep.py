"""Sweeps: runs per second, and what starting one run costs.

* Start-up: a bare `python -c pass`, against one run of a sweep (the race
  with one thread and no gap, through `pool.execute` as a sweep runs it: a
  child process under a Supervisor, no source lines), one after another;
  started afresh, and forked from a pre-started interpreter (`zygote`).
* Runs per second of a sweep of the race at its defaults (100 threads, gap
  1 ms) and with 10 threads, on the local pool (one run per CPU) and on a
  Dask LocalCluster on 127.0.0.1 with two in-process workers (each run is
  still a child process of its worker); the local pool also with
  pre-started runs (`--prestart`).

Medians of ROUNDS; the machine is shared, so figures move by 10-20%.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from typing import Any

from concviz.experiments.pool import LocalPool, execute, make_job
from concviz.experiments.zygote import Zygote

ROUNDS = 3
STARTS = 10
RUNS = 20


def bare_start_ms() -> float:
    times = []
    for _ in range(STARTS):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def run_start_ms(zygote: Zygote | None = None) -> float:
    times = []
    params = {"threads": 1, "gap": 0.0, "switch_interval": 0.005}
    for _ in range(STARTS):
        t0 = time.perf_counter()
        result = execute(make_job("race", params, "num"), zygote=zygote)
        times.append((time.perf_counter() - t0) * 1e3)
        assert result["end"]["status"] == "finished", result["end"]
    return statistics.median(times)


def runs_per_s(pool: Any, params: dict[str, Any]) -> float:
    jobs = [make_job("race", params, "num") for _ in range(RUNS)]
    statuses: list[str] = []
    t0 = time.perf_counter()
    batch = pool.submit(jobs, lambda job, result: statuses.append(result["end"]["status"]))
    assert batch.wait(600)
    seconds = time.perf_counter() - t0
    assert statuses == ["finished"] * RUNS, statuses
    return RUNS / seconds


def main() -> None:
    bare = statistics.median(bare_start_ms() for _ in range(ROUNDS))
    run = statistics.median(run_start_ms() for _ in range(ROUNDS))
    zygote = Zygote()
    try:
        forked = statistics.median(run_start_ms(zygote) for _ in range(ROUNDS))
    finally:
        zygote.close()
    print(f"start-up: python -c pass {bare:.1f} ms; one sweep run (race, 1 thread) {run:.1f} ms "
          f"({run / bare:.1f}x); pre-started {forked:.1f} ms ({forked / bare:.1f}x)")
    defaults = {"threads": 100, "gap": 0.001, "switch_interval": 0.005}
    ten = defaults | {"threads": 10}
    for prestart in (False, True):
        local = LocalPool(os.cpu_count(), prestart=prestart)
        try:
            for name, params in (("defaults (100 threads)", defaults), ("10 threads", ten)):
                rate = statistics.median(runs_per_s(local, params) for _ in range(ROUNDS))
                how = "pre-started" if prestart else "fresh"
                print(f"local pool ({local.jobs} jobs, {how}), race {name}: {rate:.1f} runs/s")
        finally:
            local.close()
    from distributed import LocalCluster

    from concviz.experiments.cluster import DaskPool

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None) as cluster:
        dask = DaskPool(cluster.scheduler_address)
        try:
            for name, params in (("defaults (100 threads)", defaults), ("10 threads", ten)):
                rate = statistics.median(runs_per_s(dask, params) for _ in range(ROUNDS))
                print(f"Dask LocalCluster (2 workers), race {name}: {rate:.1f} runs/s")
        finally:
            dask.close()


if __name__ == "__main__":
    main()
