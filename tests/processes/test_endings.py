"""No process of a run outlives it, whatever start method made it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .helpers import METHODS

PROGRAM = """
import multiprocessing as mp, os, sys, time

def nap():
    time.sleep(60)

if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    procs = [mp.Process(target=nap) for _ in range(2)]
    for p in procs:
        p.start()
    with open(sys.argv[2], "w") as f:
        f.write(" ".join(str(p.pid) for p in procs))
    for p in procs:
        p.join()
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _describe(pid: int) -> str:
    """What a surviving process is: its state, parent, group and session."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")[:100]
    except FileNotFoundError:
        return f"{pid}: gone"
    return f"{pid}: state {fields[0]} ppid {fields[1]} pgid {fields[2]} sid {fields[3]}: {cmd}"


def _poll(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("ending", ["timeout", "killed"])
def test_no_child_process_survives_the_run(tmp_path: Path, method: str, ending: str) -> None:
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(PROGRAM))
    pids_file = tmp_path / "pids"
    timeout = "3" if ending == "timeout" else "60"
    cli = subprocess.Popen(
        [sys.executable, "-m", "concviz.cli", "run", "-q", "--timeout", timeout, "-o", "t.jsonl", str(script),
         method, str(pids_file)], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _poll(lambda: pids_file.exists() and pids_file.read_text().strip() != "", 30)
        children = [int(p) for p in pids_file.read_text().split()]
        assert all(_alive(pid) for pid in children)
        if ending == "killed":
            os.kill(cli.pid, signal.SIGKILL)
        cli.wait(timeout=30)
        assert _poll(lambda: not any(_alive(pid) for pid in children), 10), [_describe(p) for p in children]
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()


ESCAPING = """
import os, signal, subprocess, sys, time

daemon = subprocess.Popen(["sleep", "60"], start_new_session=True)
pid = os.fork()
if pid == 0:
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with open(sys.argv[1], "a") as f:
        f.write(f"{os.getpid()} {daemon.pid}\\n")
    while True:
        time.sleep(1)
while not os.path.exists(sys.argv[1]) or not open(sys.argv[1]).read().strip():
    time.sleep(0.01)
if sys.argv[2] == "hang":
    time.sleep(60)
"""


@pytest.mark.parametrize("ending", ["finished", "timed_out"])
def test_processes_that_left_the_session_die_with_the_run(tmp_path: Path, ending: str) -> None:
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(ESCAPING))
    pids_file = tmp_path / "pids"
    proc = subprocess.run(
        [sys.executable, "-m", "concviz.cli", "run", "-q", "--timeout", "5", "-o", "t.jsonl", str(script),
         str(pids_file), "hang" if ending == "timed_out" else "end"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == (124 if ending == "timed_out" else 0), proc.stderr
    escaped = [int(p) for p in pids_file.read_text().split()]
    assert len(escaped) == 2
    assert _poll(lambda: not any(_alive(pid) for pid in escaped), 10), [_describe(p) for p in escaped]
