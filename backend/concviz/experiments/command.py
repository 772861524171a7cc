"""``concviz sweep``: run a scenario over a grid of parameter values, print the outcomes per value.

Bad input (an unknown parameter, a value out of bounds, too many runs, a
repeat out of range) is reported before any run starts, exit status 2 as
``concviz run``. Ctrl-C cancels: queued runs are dropped, running ones
stopped, and what ended is still reported (exit status 130).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Any

from concviz import scenarios
from concviz.experiments import outcomes
from concviz.experiments.pool import LocalPool, Result, make_job
from concviz.experiments.sweep import MAX_RUNS, SweepErrors, parse_cli, plan
from concviz.params import ParamErrors

EXIT_CANCELLED = 130


class SweepUsageError(Exception):
    """Bad input; the CLI prints it and exits 2."""


def add_options(sweep: argparse.ArgumentParser, positive_seconds: Any, memory_size: Any) -> None:
    sweep.add_argument("--param", action="append", default=[], metavar="NAME=VALUES",
                       help="values of a scenario parameter: a list (gap=0,1e-4,1e-3), integers (threads=2..10), "
                            "N evenly spaced (gap=0..0.01:5) or N log-spaced (gap=1e-4..1e-2:log5) (repeatable)")
    sweep.add_argument("--repeat", type=int, default=1, metavar="N", help="runs per value (default 1)")
    sweep.add_argument("--json", action="store_true", help="print one JSON object with every run and the table")
    sweep.add_argument("--jobs", type=int, default=0, metavar="N",
                       help="runs at once on this machine (default: one per CPU)")
    sweep.add_argument("--scheduler", default=None, metavar="ADDR",
                       help="run on a Dask cluster (tcp://HOST:PORT) instead of this machine; needs 'distributed'")
    sweep.add_argument("--fresh", action="store_true",
                       help="start every run in a fresh interpreter, as `concviz run` does, instead of forking it "
                            "from one that imported the instrumentation once (slower; each run its own hash seed)")
    sweep.add_argument("--timeout", type=positive_seconds, default=60.0, metavar="SECONDS",
                       help="time limit of each run (default 60)")
    sweep.add_argument("--max-memory", type=memory_size, default=1 << 30, metavar="SIZE",
                       help="memory limit of each run, its processes together, e.g. 512M (default 1G: runs go "
                            "several at once)")
    sweep.add_argument("--max-runs", type=int, default=MAX_RUNS, metavar="N",
                       help=f"refuse a sweep of more runs than this (default {MAX_RUNS})")
    sweep.add_argument("target", help="a scenario name (see `concviz scenarios`)")


def _format(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}"


def _spread(metric: dict[str, Any] | None) -> str:
    if metric is None:
        return "-"
    return f"{_format(metric['median'])} [{_format(metric['p10'])}–{_format(metric['p90'])}]"


def render_table(rows: list[dict[str, Any]], swept: list[str], result: str | None) -> str:
    head = [*swept, "runs", "statuses", "lost updates med [p10–p90]"]
    if result:
        head.append(f"{result} med [p10–p90]")
    head += ["max waiters", "duration s"]
    body = []
    for row in rows:
        m = row["metrics"]
        cells = [_format(row["params"][name]) for name in swept]
        cells += [f"{row['done']}/{row['runs']}",
                  ", ".join(f"{k} {v}" for k, v in sorted(row["statuses"].items())) or "-",
                  _spread(m["lost_updates"])]
        if result:
            cells.append(_spread(m["result"]))
        cells += [_format(m["max_waiters"]["max"]) if m["max_waiters"] else "-",
                  _format(m["duration_s"]["median"]) if m["duration_s"] else "-"]
        body.append(cells)
    widths = [max(len(str(r[i])) for r in [head, *body]) for i in range(len(head))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in [head, *body])


def run_command(ns: argparse.Namespace) -> int:
    try:
        scenario = scenarios.find(ns.target)
        the_plan = plan(scenario, parse_cli(ns.param), ns.repeat, ns.max_runs)
    except (scenarios.ScenarioError, ParamErrors, SweepErrors) as error:
        raise SweepUsageError(str(error))
    if ns.jobs < 0:
        raise SweepUsageError(f"expected a number of jobs of 1 or more, got {ns.jobs}")
    if ns.scheduler:
        from concviz.experiments.cluster import DaskPool, SchedulerError

        try:
            pool: Any = DaskPool(ns.scheduler)
        except SchedulerError as error:
            raise SweepUsageError(str(error))
    else:
        pool = LocalPool(ns.jobs or None, prestart=not ns.fresh)
    jobs = [make_job(scenario.name, params, the_plan.result, timeout=ns.timeout, max_memory=ns.max_memory)
            for params in the_plan.runs]
    results: dict[str, Result] = {}
    started = time.monotonic()
    batch = pool.submit(jobs, lambda job, result: results.__setitem__(job["run_id"], result) if result else None)
    previous = signal.signal(signal.SIGINT, lambda *_: batch.cancel())
    tty = sys.stderr.isatty()
    try:
        while not batch.wait(0.25):
            if tty:
                eta = batch.eta_s()
                left = f", about {eta:.0f} s left" if eta is not None else ""
                print(f"\rconcviz: {batch.done}/{batch.total} runs{left}   ", end="", file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGINT, previous)
        cancelled = batch.cancelled.is_set()
        pool.close()
    if tty:
        print(file=sys.stderr)
    runs = []
    for job in jobs:
        result = results.get(job["run_id"])
        end = result["end"] if result else None
        runs.append({
            "run_id": job["run_id"], "params": job["params"],
            "status": end["status"] if end else "cancelled", "exit_code": end["exit_code"] if end else None,
            "watched": (end.get("summary") or {}).get("watched") if end else None,
            "outcome": outcomes.outcome(end, the_plan.result) if end else None,
        })
    rows = outcomes.table(runs, the_plan.swept)
    seconds = time.monotonic() - started
    if ns.json:
        import msgspec

        sys.stdout.write(msgspec.json.encode({
            "scenario": scenario.name, "params": the_plan.values, "repeat": the_plan.repeat,
            "result": the_plan.result, "cancelled": cancelled, "seconds": seconds,
            "runs": runs, "table": rows}).decode() + "\n")
    else:
        ended = sum(1 for r in runs if r["outcome"] is not None)
        print(f"concviz: sweep of {scenario.name}: {ended} of {len(runs)} runs ended in {seconds:.2f} s "
              f"({ended / seconds if seconds else 0:.1f} runs/s)", file=sys.stderr)
        print(render_table(rows, the_plan.swept, the_plan.result))
    return EXIT_CANCELLED if cancelled else 0
