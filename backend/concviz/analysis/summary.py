"""The summary of a run (the ``summary`` of a trace's end line); the
lost-update analysis of watched variables is ``concviz.analysis.lost_updates``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from concviz.analysis import fold_control, fold_coroutines, fold_processes
from concviz.analysis.fold import HOLDABLE, Fold
from concviz.analysis.fold_io import QUEUE_TYPES, QueueStats, SelectStats


def summarise(fold: Fold, deadlock: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    watched, lost = fold.watched.result()
    return {
        "threads": sum(1 for tid in fold.threads if tid >= 0),
        "events": fold.events,
        "names": {str(tid): th.name for tid, th in fold.threads.items() if tid >= 0},
        "objects": {
            o.name: {"kind": o.type, "acquisitions": o.acquisitions, "max_holders": o.max_holders,
                     "max_waiters": o.max_waiters}
            for o in fold.objects.values() if o.type in HOLDABLE
        } | {
            o.name: {"kind": o.type, "acquisitions": 0, "max_holders": 0, "max_waiters": o.max_waiters}
            for o in fold.objects.values() if o.type not in HOLDABLE
        } | io_objects(fold),
        "watched": watched,
        "lost_updates": lost,
        "deadlock": {"cycle": deadlock} if deadlock else None,
        "sockets": asdict(fold.sockets),
        "processes": fold_processes.summary(fold),
        "coroutines": fold_coroutines.summary(fold),
        "schedule": fold_control.summary(fold),
        "cpu_s": {str(tid): round(ns / 1e9, 6) for tid, ns in fold.processes.cpu_ns.items()},
    }


def io_objects(fold: Fold) -> dict[str, dict[str, Any]]:
    """Queues (puts, gets, task_done, max_items) and selects (calls, max_ready),
    with the keys every object has."""
    out: dict[str, dict[str, Any]] = {}
    for o in fold.objects.values():
        common = {"kind": o.type, "acquisitions": 0, "max_holders": 0, "max_waiters": o.max_waiters}
        if o.type in QUEUE_TYPES:
            q = fold.queues.get(o.id) or QueueStats()
            out[o.name] = common | {"puts": q.puts, "gets": q.gets, "task_done": q.task_done,
                                    "max_items": q.max_items}
        elif o.id in fold.processes.pools or o.type in ("Pool", "ThreadPool", "ProcessPoolExecutor"):
            pool = fold.processes.pools.get(o.id) or fold_processes.PoolStats()
            out[o.name] = common | {"jobs": pool.jobs, "tasks": pool.tasks, "failed": pool.failed}
        elif o.id in fold.processes.proxy_calls or o.type.endswith("Proxy"):
            out[o.name] = common | {"proxy_calls": fold.processes.proxy_calls.get(o.id, 0)}
        elif o.type == "Pipe":
            pipe = fold.processes.pipes.get(o.id) or fold_processes.PipeStats()
            out[o.name] = common | {"sends": pipe.sends, "recvs": pipe.recvs}
        elif o.id in fold.selects or o.type == "select" or o.type.endswith("Selector"):
            sel = fold.selects.get(o.id) or SelectStats()
            out[o.name] = common | {"calls": sel.calls, "max_ready": sel.max_ready}
    return out
