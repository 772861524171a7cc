"""Every process of a run, whatever session it moved to.

A run's processes share its process group, which the supervisor kills at
every ending; but a process may leave the group (``os.setsid()``, a
double-fork daemon, ``subprocess.Popen(..., start_new_session=True)``) and
outlive the run. Each run's environment carries a value of its own
(``recorder.CHILD_ENV``, naming the run's private socket), and every
process the run starts inherits it, whatever group or session it moves to:
``/proc/PID/environ`` finds them all. (A process that rewrites its own
environment before it is found, or clears it at ``exec``, escapes this net.)
"""

from __future__ import annotations

import os
import signal
import time

from concviz.recorder import CHILD_ENV


def processes_of_run(marker: str, besides: int | None = None) -> list[int]:
    """The live processes whose environment holds ``CHILD_ENV`` with ``marker``
    in it; with ``besides``, not those of that process group (the run's own,
    counted and killed as a group): reading a process's environment costs
    far more than its ``stat``, and a fork bomb's group holds thousands."""
    needle = f"{CHILD_ENV}=".encode()
    mark = marker.encode()
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        if besides is not None and _group(entry) in (besides, None):
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read()
        except OSError:
            continue
        for variable in environ.split(b"\0"):
            if variable.startswith(needle) and mark in variable:
                found.append(int(entry))
                break
    return found


def _group(pid: str) -> int | None:
    """The process group of a live process; None when it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2:].split()
    return None if fields[0] in (b"Z", b"X") else int(fields[2])


def kill_run(marker: str, group: int | None = None, rounds: int = 3) -> list[int]:
    """SIGKILL every process of the run outside ``group`` (killed already, as
    a group) (a few rounds: one may fork while the others die); return those
    that were found."""
    killed: list[int] = []
    for _ in range(rounds):
        pids = processes_of_run(marker, besides=group)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                continue
            killed.append(pid)
    return killed


def wait_group_gone(group: int, timeout: float = 5.0) -> bool:
    """After the group was sent SIGKILL: wait until none of its processes is
    alive (a killed process dies when the kernel next runs it, later on a
    loaded machine), sending SIGKILL again meanwhile. False if some remain."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [entry for entry in os.listdir("/proc") if entry.isdigit() and _group(entry) == group]
        if not alive:
            return True
        if time.monotonic() >= deadline:
            return False
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        time.sleep(0.005)
