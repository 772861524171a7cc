"""Who really had a CPU: the supervisor samples every live thread of the run.

Linux keeps, for every thread, the nanoseconds it has spent on a CPU and
waiting in a run queue (``/proc/PID/task/TID/schedstat``). Read from the
supervisor, from outside the program, it costs the program nothing and shows
the GIL for what it is: four CPU-bound threads of one process add up to one
core at most, four processes to as many cores as the machine has.

Each sample becomes a ``cpu`` event (``concviz.events.Cpu``) of the thread,
recorded only when something changed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from time import perf_counter_ns

from concviz.limits import CPU_SAMPLE_MS
from concviz.translate import Stream

PERIOD_NS = CPU_SAMPLE_MS * 1_000_000
# The sampler may use at most this share of its own period (many threads:
# it samples less often rather than eat a core).
MAX_SHARE = 0.2


@dataclass(slots=True)
class Sample:
    stream: Stream
    tid: int
    t: int
    on: int
    wait: int
    dt: int


def read_schedstat(pid: int, native: int) -> tuple[int, int] | None:
    """(ns on a CPU, ns waiting to run) of one thread; None when it is gone."""
    try:
        fd = os.open(f"/proc/{pid}/task/{native}/schedstat", os.O_RDONLY)
    except OSError:
        return None
    try:
        fields = os.read(fd, 128).split()
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(fields) < 2:
        return None
    return int(fields[0]), int(fields[1])


class CpuSampler:
    def __init__(self, period_ns: int = PERIOD_NS) -> None:
        self.period_ns = period_ns
        self.next_ns = 0
        self._last: dict[tuple[int, int], tuple[int, int, int]] = {}
        self.available = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/schedstat")

    def due(self, now: int) -> bool:
        return self.available and now >= self.next_ns

    def sample(self, streams: Iterable[Stream]) -> list[Sample]:
        began = perf_counter_ns()
        out: list[Sample] = []
        last = self._last
        for stream in streams:
            pid = stream.pid
            if not pid:
                continue
            gone: list[int] = []
            for native, tid in stream.natives.items():
                now = perf_counter_ns()
                reading = read_schedstat(pid, native)
                if reading is None:
                    gone.append(native)
                    continue
                on, wait = reading
                key = (pid, native)
                before = last.get(key)
                last[key] = (on, wait, now)
                if before is None or on < before[0] or wait < before[1]:
                    continue  # a first reading (or a new thread with a reused id): the baseline
                d_on, d_wait = on - before[0], wait - before[1]
                if d_on or d_wait:
                    out.append(Sample(stream, tid, now, d_on, d_wait, now - before[2]))
            for native in gone:
                del stream.natives[native]
                last.pop((pid, native), None)
        cost = perf_counter_ns() - began
        self.next_ns = began + max(self.period_ns, int(cost / MAX_SHARE))
        return out
