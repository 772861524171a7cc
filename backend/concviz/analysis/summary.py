"""The summary of a run (the ``summary`` of a trace's end line) and the
lost-update analysis of watched variables."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from concviz.analysis import fold_control, fold_coroutines, fold_processes
from concviz.analysis.fold import HOLDABLE, Fold
from concviz.analysis.fold_io import QUEUE_TYPES, QueueStats, SelectStats

MAX_LOST_LISTED = 1000


def lost_updates(var_events: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Per watched variable: initial, final, writes, lost_updates; and each lost update.

    Every write makes a new version of the variable, based on the version its
    thread last read: the newest one holding the value read (equal values are
    interchangeable, and matching by value stays right when a read is
    recorded a moment after the load). Following the bases back from the
    final version gives the writes that count; every other write was
    overwritten — a lost update. Each is named with the write that overwrote
    it: the counting write whose thread read a value older than it.
    """
    stats: dict[str, dict[str, Any]] = {}
    versions: dict[str, list[tuple[Any, dict[str, Any] | None, int]]] = {}
    last_read: dict[tuple[str, int], dict[str, Any]] = {}
    reads_of: dict[int, dict[str, Any]] = {}
    # name → value → its newest version: finding a read's version is one look-up, not a
    # search back through every write (which made a million writes take hours).
    newest: dict[str, dict[Any, int]] = {}
    for ev in var_events:
        args = ev["args"]
        name = args["name"]
        value = args["value"]
        st = stats.setdefault(name, {"initial": value, "final": value, "writes": 0, "lost_updates": 0})
        history = versions.get(name)
        if history is None:
            history = versions[name] = []
            newest[name] = {}
            if ev["kind"] == "var.read":
                history.append((value, None, -1))
                newest[name][_key(value)] = 0
        if ev["kind"] == "var.read":
            last_read[(name, ev["tid"])] = ev
            continue
        st["writes"] += 1
        st["final"] = value
        read = last_read.pop((name, ev["tid"]), None)
        base = len(history) - 1
        if read is not None:
            base = newest[name].get(_key(read["args"]["value"]), base)
            reads_of[ev["seq"]] = read
        newest[name][_key(value)] = len(history)
        history.append((value, ev, base))

    lost: list[dict[str, Any]] = []
    for name, history in versions.items():
        counting = []
        v = len(history) - 1
        while v >= 0:
            counting.append(v)
            v = history[v][2]
        for w in reversed(counting):
            base = history[w][2]
            writer = history[w][1]
            for v in range(base + 1, w):
                overwritten = history[v][1]
                if overwritten is None or writer is None:
                    continue
                stats[name]["lost_updates"] += 1
                read = reads_of.get(writer["seq"])
                if len(lost) < MAX_LOST_LISTED and read is not None:
                    lost.append({
                        "name": name, "thread": writer["tid"],
                        "read_seq": read["seq"], "read_value": read["args"]["value"],
                        "write_seq": writer["seq"], "write_value": writer["args"]["value"],
                        "overwrote": {"thread": overwritten["tid"], "seq": overwritten["seq"],
                                      "value": overwritten["args"]["value"]},
                    })
    lost.sort(key=lambda item: item["overwrote"]["seq"])
    return stats, lost


def _key(value: Any) -> Any:
    """``value`` as a dict key that is equal exactly when the values are (1 and
    1.0 alike, as ``==`` has it); a list or dict by its canonical JSON."""
    try:
        hash(value)
    except TypeError:
        return ("json", _canonical(value))
    return value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)


def summarise(fold: Fold, deadlock: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    watched, lost = lost_updates(fold.var_events)
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
