"""The summary of a run (the ``summary`` of a trace's end line) and the
lost-update analysis of watched variables."""

from __future__ import annotations

from typing import Any

from concviz.analysis.fold import HOLDABLE, Fold

MAX_LOST_LISTED = 1000


def lost_updates(var_events: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Per watched variable: initial, final, writes, lost_updates; and each lost update.

    Every write makes a new version of the variable. When a thread writes,
    the version it based the write on is the newest one holding the value it
    last read (equal values are interchangeable, and a read is recorded a
    moment after the load, so matching by value stays right when another
    thread wrote in between). Writes made by others after that version are
    overwritten: each is a lost update, named with the stale read and the
    write that overwrote it.
    """
    stats: dict[str, dict[str, Any]] = {}
    versions: dict[str, list[tuple[Any, dict[str, Any] | None]]] = {}
    last_read: dict[tuple[str, int], dict[str, Any]] = {}
    lost_flag: dict[str, set[int]] = {}
    lost: list[dict[str, Any]] = []
    for ev in var_events:
        args = ev["args"]
        name = args["name"]
        value = args["value"]
        st = stats.setdefault(name, {"initial": value, "final": value, "writes": 0, "lost_updates": 0})
        history = versions.setdefault(name, [(value, None)] if ev["kind"] == "var.read" else [])
        if ev["kind"] == "var.read":
            last_read[(name, ev["tid"])] = ev
            continue
        st["writes"] += 1
        st["final"] = value
        read = last_read.pop((name, ev["tid"]), None)
        if read is not None:
            read_ev = read
            version = next((i for i in range(len(history) - 1, -1, -1) if history[i][0] == read_ev["args"]["value"]),
                           len(history) - 1)
            flags = lost_flag.setdefault(name, set())
            for v in range(version + 1, len(history)):
                overwritten = history[v][1]
                if overwritten is None or v in flags:
                    continue
                flags.add(v)
                st["lost_updates"] += 1
                if len(lost) < MAX_LOST_LISTED:
                    lost.append({
                        "name": name, "thread": ev["tid"],
                        "read_seq": read_ev["seq"], "read_value": read_ev["args"]["value"],
                        "write_seq": ev["seq"], "write_value": value,
                        "overwrote": {"thread": overwritten["tid"], "seq": overwritten["seq"],
                                      "value": overwritten["args"]["value"]},
                    })
        history.append((value, ev))
    return stats, lost


def summarise(fold: Fold, deadlock: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    watched, lost = lost_updates(fold.var_events)
    return {
        "threads": len(fold.threads),
        "events": fold.events,
        "names": {str(tid): th.name for tid, th in fold.threads.items()},
        "objects": {
            o.name: {"kind": o.type, "acquisitions": o.acquisitions, "max_holders": o.max_holders,
                     "max_waiters": o.max_waiters}
            for o in fold.objects.values() if o.type in HOLDABLE
        } | {
            o.name: {"kind": o.type, "acquisitions": 0, "max_holders": 0, "max_waiters": o.max_waiters}
            for o in fold.objects.values() if o.type not in HOLDABLE
        },
        "watched": watched,
        "lost_updates": lost,
        "deadlock": {"cycle": deadlock} if deadlock else None,
    }
