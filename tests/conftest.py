"""Fixtures shared by every test directory (each directory keeps its own in
its own conftest.py): after the whole session, no run may have left a
process behind."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# Every process this test session starts inherits this mark, so that two
# sessions running side by side only answer for their own runs.
_SESSION_MARK = f"CONCVIZ_TEST_SESSION={os.getpid()}-{time.time_ns()}"
os.environ["CONCVIZ_TEST_SESSION"] = _SESSION_MARK.split("=", 1)[1]

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return 0.0


def _ours(pid: int) -> bool:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return _SESSION_MARK.encode() in environ.split(b"\0")


def leftover_runs(since: float) -> list[str]:
    """Run processes (``concviz.runner`` children and whatever they spawned,
    i.e. members of a run's session) started by this test session after
    ``since`` that are still alive."""
    boot = _boot_time()
    found = []
    runner_sessions: set[int] = set()
    processes: list[tuple[int, int, float, str]] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, session, start_ticks = fields[0], int(fields[3]), int(fields[19])
        if state == "Z":
            continue
        started = boot + start_ticks / _CLOCK_TICKS
        pid = int(entry.name)
        processes.append((pid, session, started, cmdline))
        if "concviz.runner" in cmdline:
            runner_sessions.add(session)
    for pid, session, started, cmdline in processes:
        if session in runner_sessions and started >= since - 1 and _ours(pid):
            found.append(f"{pid}: {cmdline[:120]}")
    return found


@pytest.fixture(scope="session", autouse=True)
def no_run_outlives_the_tests() -> Iterator[None]:
    since = time.time()
    yield
    deadline = time.monotonic() + 5
    left = leftover_runs(since)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = leftover_runs(since)
    assert not left, "processes of runs survived the tests:\n" + "\n".join(left)
