"""How much memory a run holds: the supervisor sums the resident memory of
every process of the run, from outside, and ends the run at its limit.

RLIMIT_AS would cap address space, not memory: 10,000 threads reserve 80 GB
of stacks they never touch, and a limit per process says nothing of a run
that forks. So the supervisor samples ``/proc/PID/stat`` instead: the
processes of the run's session, plus those that left it (found by the run's
environment, ``concviz.reaper``, less often since it reads every process's
environment). A program allocating as fast as it can overshoots the limit by
what it allocates in one period (about 0.15 GB at 1.5 GB/s).
"""

from __future__ import annotations

import os
import re
import time

from concviz import reaper

PERIOD_S = 0.1
ESCAPED_PERIOD_S = 1.0
PSS_BUDGET_S = 0.5
PAGE = os.sysconf("SC_PAGE_SIZE")

_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", re.IGNORECASE)
MIN_LIMIT = 16 << 20
MAX_LIMIT = 1 << 50


def parse_size(text: str) -> int:
    """``"512M"``, ``"2G"``, ``"1.5GiB"`` or a number of bytes; raises ``ValueError`` with what was expected."""
    match = _SIZE.fullmatch(text)
    value = int(float(match.group(1)) * _UNITS[match.group(2).lower()]) if match else -1
    if not MIN_LIMIT <= value <= MAX_LIMIT:
        raise ValueError(f"expected a memory size between 16M and 1024T (e.g. 512M, 2G), got {text!r}")
    return value


def describe(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def _stat(pid: int) -> tuple[int, int] | None:
    """(session, resident bytes) of a process; None when it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2:].split()
    if fields[0] in (b"Z", b"X"):
        return None
    return int(fields[3]), int(fields[21]) * PAGE


class MemorySampler:
    """The resident memory of one run's processes, sampled every ``PERIOD_S``."""

    def __init__(self, session: int, marker: str, max_processes: int | None = None) -> None:
        self.session = session
        self.marker = marker
        self.max_processes = max_processes
        self.escaped: set[int] = set()
        self.peak = 0
        self._next = 0.0
        self._next_escaped = time.monotonic() + ESCAPED_PERIOD_S
        self.processes = 0
        self._seen: dict[int, int] = {}

    def due(self, now: float) -> bool:
        return now >= self._next

    def sample(self, now: float) -> int:
        """The run's resident bytes now (also kept in ``peak``); ``processes``
        is how many processes held them. Past ``max_processes`` it stops
        counting (a fork bomb: then ``processes`` is over the limit and the
        bytes are a lower bound), since each process costs a read of its
        ``stat``, and a bomb that is not stopped in a few tenths of a second
        has tens of thousands."""
        self._next = now + PERIOD_S
        total = 0
        seen: dict[int, int] = {}
        crowded = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            found = _stat(pid)
            if found is not None and (found[0] == self.session or pid in self.escaped):
                total += found[1]
                seen[pid] = found[1]
                if self.max_processes is not None and len(seen) > self.max_processes:
                    crowded = True
                    break
        if not crowded and now >= self._next_escaped:
            # reads every other process's environment: seldom, and not for a bomb
            self._next_escaped = now + ESCAPED_PERIOD_S
            self.escaped = set(reaper.processes_of_run(self.marker, besides=self.session))  # the group is the session
        self.peak = max(self.peak, total)
        self.processes = len(seen)
        self._seen = seen
        return total

    def proportional(self, limit: int, budget_s: float = PSS_BUDGET_S) -> int:
        """The processes last sampled, counting each shared page once between
        them (``Pss``): forked processes share most of their memory, which a
        sum of resident sizes counts once per process. Costlier than
        ``sample`` (the kernel walks each process's page tables: about 5 ms
        a process, 10 s for a fork bomb's thousands), so asked only when that
        sum is over the limit, largest processes first, and it stops as soon
        as the total passes ``limit`` or after ``budget_s``: then the total
        of those read is a lower bound, and the next period goes on."""
        total = 0
        deadline = time.monotonic() + budget_s
        seen = self._seen
        for pid in sorted(seen, key=seen.__getitem__, reverse=True):
            if total > limit or time.monotonic() > deadline:
                break
            try:
                with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                    for line in f:
                        if line.startswith(b"Pss:"):
                            total += int(line.split()[1]) * 1024
                            break
            except (OSError, ValueError):
                continue
        return total
