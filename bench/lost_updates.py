"""The lost-update analysis on a watched variable written N times (default
1M): a counter whose threads mostly read the latest value, and a stale one
whose every writer read the initial value (each read's version is then the
oldest, the worst case for a search by value). Prints the seconds each
takes; ``WRITES`` sets N. Linear: ten times the writes, about ten times the time.
"""

from __future__ import annotations

import os
import random
import time
import tracemalloc
from typing import Any

from concviz.analysis.lost_updates import Watched, lost_updates

WRITES = int(os.environ.get("WRITES", 1_000_000))


def ev(seq: int, kind: str, tid: int, value: Any) -> dict[str, Any]:
    return {"seq": seq, "t": 0, "tid": tid, "kind": kind, "obj": None, "args": {"name": "x", "value": value}}


def counter(n: int) -> list[dict[str, Any]]:
    rng = random.Random(1)
    events, x, seq = [ev(0, "var.write", 0, 0)], 0, 1
    for i in range(n):
        read = x - (rng.random() < 0.1)  # one write in ten read a stale value
        events += [ev(seq, "var.read", i % 8, read), ev(seq + 1, "var.write", i % 8, read + 1)]
        x, seq = read + 1, seq + 2
    return events


def stale(n: int) -> list[dict[str, Any]]:
    events = [ev(0, "var.write", 0, 0)]
    for i in range(n):
        events += [ev(2 * i + 1, "var.read", i % 8, 0), ev(2 * i + 2, "var.write", i % 8, i + 1)]
    return events


def main() -> None:
    for name, make in (("counter", counter), ("stale", stale)):
        events = make(WRITES)
        started = time.perf_counter()
        stats, _ = lost_updates(events)
        print(f"{name:8} {WRITES:>9,} writes: {time.perf_counter() - started:7.2f} s, "
              f"{stats['x']['lost_updates']:,} lost")
    # What the analysis keeps while a run goes on (the fold feeds it event by
    # event; the events themselves are not kept), against the events as dicts.
    events = counter(WRITES)
    tracemalloc.start()
    watched = Watched()
    for e in events:
        watched.feed(e["seq"], e["tid"], e["kind"], e["args"])
    kept, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tracemalloc.start()
    copies = [{"seq": e["seq"], "tid": e["tid"], "kind": e["kind"], "args": dict(e["args"])} for e in events]
    as_dicts, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"memory held for {WRITES:,} writes and as many reads: {kept / 2**20:.0f} MiB "
          f"({kept / WRITES:.0f} bytes a write); the events as dicts: {as_dicts / 2**20:.0f} MiB ({len(copies):,})")


if __name__ == "__main__":
    main()
