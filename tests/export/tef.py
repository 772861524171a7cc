"""A checker of the Trace Event Format, as Perfetto UI and chrome://tracing read it.

``check(doc)`` fails with the first rule a document breaks: known phases, ids
and times of the right types, ``B``/``E`` strictly nested on each track,
times never going back on a track, every flow with one start and one end
bound inside a slice, a name for every process and track.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

PHASES = {"B", "E", "i", "C", "M", "s", "f"}
METADATA = {"process_name", "process_sort_index", "thread_name", "thread_sort_index"}


def check(doc: Any) -> Counter[str]:
    """Checks ``doc`` (a parsed JSON document); returns the count of events per phase."""
    assert isinstance(doc, dict) and isinstance(doc.get("traceEvents"), list), "expected {'traceEvents': [...]}"
    assert doc.get("displayTimeUnit") in ("ms", "ns")
    phases: Counter[str] = Counter()
    stacks: dict[tuple[int, int], list[str]] = defaultdict(list)
    last_ts: dict[tuple[Any, ...], float] = {}
    flows: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    named_threads: set[tuple[int, int]] = set()
    named_processes: set[int] = set()
    used_threads: set[tuple[int, int]] = set()
    for n, ev in enumerate(doc["traceEvents"]):
        where = f"event {n} {ev}"
        ph = ev.get("ph")
        assert ph in PHASES, f"unknown phase in {where}"
        phases[ph] += 1
        assert isinstance(ev.get("pid"), int), f"no integer pid in {where}"
        # Importers file every event under a thread, so even process-wide ones name a real track.
        assert isinstance(ev.get("tid"), int) and ev["tid"] > 0, f"no track (tid > 0) in {where}"
        used_threads.add((ev["pid"], ev["tid"]))
        if ph == "M":
            assert ev["name"] in METADATA and isinstance(ev.get("args"), dict), where
            if ev["name"] == "process_name":
                named_processes.add(ev["pid"])
            elif ev["name"] == "thread_name":
                named_threads.add((ev["pid"], ev["tid"]))
            continue
        ts = ev.get("ts")
        assert isinstance(ts, int | float) and math.isfinite(ts) and ts >= 0, f"bad ts in {where}"
        if ph == "C":
            assert ev["args"] and all(isinstance(v, int | float) for v in ev["args"].values()), where
            key: tuple[Any, ...] = ("counter", ev["pid"], ev["name"])
        else:
            key = (ev["pid"], ev["tid"])
        assert ts >= last_ts.get(key, 0), f"time goes back on {key} at {where}"
        last_ts[key] = ts
        if ph == "B":
            assert isinstance(ev.get("name"), str) and ev["name"], f"B without a name: {where}"
            stacks[key].append(ev["name"])
        elif ph == "E":
            assert stacks[key], f"E without an open B on {key}: {where}"
            stacks[key].pop()
        elif ph == "i":
            assert ev.get("s") in ("t", "p", "g") and isinstance(ev.get("name"), str), where
        elif ph in "sf":
            assert stacks[key], f"flow {ph} outside any slice on {key}: {where}"
            assert ph not in flows[ev["id"]], f"two flow {ph} with id {ev['id']}"
            flows[ev["id"]][ph] = ev
    assert not any(stacks.values()), f"slices never ended: { {k: v for k, v in stacks.items() if v} }"
    for fid, ends in flows.items():
        assert set(ends) == {"s", "f"}, f"flow {fid} has only {set(ends)}"
        start, finish = ends["s"], ends["f"]
        assert start["ts"] <= finish["ts"] and start["name"] == finish["name"] and start["cat"] == finish["cat"]
        assert finish.get("bp") == "e"
    assert used_threads <= named_threads, f"tracks without a thread_name: {used_threads - named_threads}"
    assert {pid for pid, _ in used_threads} <= named_processes, "processes without a process_name"
    return phases


def slices(doc: dict[str, Any]) -> list[tuple[str, int, float, float]]:
    """Every slice as (name, tid, begin, end), a slice cut by the nesting repair counted once per piece."""
    out = []
    stacks: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for ev in doc["traceEvents"]:
        key = (ev["pid"], ev.get("tid", 0))
        if ev["ph"] == "B":
            stacks[key].append(ev)
        elif ev["ph"] == "E":
            b = stacks[key].pop()
            out.append((b["name"], b["tid"], b["ts"], ev["ts"]))
    return out


def thread_names(doc: dict[str, Any]) -> dict[int, str]:
    """Track id → its name."""
    return {ev["tid"]: ev["args"]["name"] for ev in doc["traceEvents"]
            if ev["ph"] == "M" and ev["name"] == "thread_name"}
