"""Hostile programs under `concviz run`: each ends with the right status and
exit code, and leaves nothing running — looked for in /proc by the run's
session and process group, and by a tag in the environment that every
process of the run inherits, whatever session it moved to."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.server.helpers import Server

TAG = "CONCVIZ_HOSTILE_TAG"


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, process group, session) of a process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[0], int(fields[2]), int(fields[3])


def _environ_has(pid: int, needle: bytes) -> bool:
    try:
        return needle in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def left_running(tag: str, sessions: set[int]) -> list[str]:
    """Live processes that carry ``tag``, or sit in one of ``sessions`` (as session or group)."""
    session_mark = f"CONCVIZ_TEST_SESSION={os.environ['CONCVIZ_TEST_SESSION']}".encode()
    left = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        stat = _proc_stat(pid)
        if stat is None or stat[0] in ("Z", "X"):
            continue
        in_run = stat[1] in sessions or stat[2] in sessions
        if (in_run and _environ_has(pid, session_mark)) or _environ_has(pid, f"{TAG}={tag}".encode()):
            left.append(f"{pid} {stat}")
    return left


def poll(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


class Ended:
    def __init__(self, proc: subprocess.CompletedProcess[bytes], trace: list[dict[str, Any]], stdout: Path) -> None:
        self.proc = proc
        self.trace = trace
        self.end = trace[-1]
        self.stdout = stdout
        self.events = trace[1:-1]
        # The runner leads the run's session and group; forked processes start in it.
        self.sessions = {e["pid"] for e in self.events if e["kind"] == "process.begin"}


def run_hostile(tmp_path: Path, source: str, *options: str, timeout: float = 60) -> Ended:
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(source))
    tag = uuid.uuid4().hex
    stdout = tmp_path / "stdout"
    with open(stdout, "wb") as out:
        proc = subprocess.run(
            [sys.executable, "-m", "concviz.cli", "run", "-q", "-o", "t.jsonl", *options, str(script)],
            cwd=tmp_path, stdout=out, stderr=subprocess.PIPE, timeout=timeout, env=dict(os.environ, **{TAG: tag}))
    trace = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    ended = Ended(proc, trace, stdout)
    assert ended.end["type"] == "end", proc.stderr
    assert proc.returncode == ended.end["exit_code"], proc.stderr
    assert ended.sessions, "the trace names no process"
    assert poll(lambda: not left_running(tag, ended.sessions), 5), left_running(tag, ended.sessions)
    return ended


def test_ten_thousand_threads_all_recorded(tmp_path: Path) -> None:
    ended = run_hostile(tmp_path, """
        import threading
        threads = [threading.Thread(target=int) for _ in range(10_000)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    """, "--max-threads", "20000")
    assert (ended.end["status"], ended.end["exit_code"]) == ("finished", 0)
    assert ended.end["summary"]["threads"] == 10_001


def test_ten_thousand_live_threads_hit_the_thread_limit(tmp_path: Path) -> None:
    ended = run_hostile(tmp_path, """
        import threading
        hold = threading.Event()
        for _ in range(10_000):
            threading.Thread(target=hold.wait).start()
    """)
    assert (ended.end["status"], ended.end["exit_code"]) == ("limit_exceeded", 125)


def test_fork_bomb_is_capped_by_the_thread_limit_in_seconds(tmp_path: Path) -> None:
    started = time.monotonic()
    ended = run_hostile(tmp_path, """
        import os, time
        while True:
            try:
                os.fork()
            except OSError:
                pass
            time.sleep(0.02)
    """, "--max-threads", "300", "--max-memory", "64G", "--timeout", "50")
    assert (ended.end["status"], ended.end["exit_code"]) == ("limit_exceeded", 125)
    assert re.fullmatch(r"thread limit of 300 exceeded: \d+ processes of the run were alive at once "
                        r"\(set it with --max-threads\)", ended.end["error"])
    assert len(ended.sessions) > 1
    assert time.monotonic() - started < 30  # the timeout (50 s) did not end it


def test_memory_allocated_as_fast_as_possible_ends_the_run(tmp_path: Path) -> None:
    started = time.monotonic()
    ended = run_hostile(tmp_path, """
        chunks = []
        while True:
            chunks.append(bytearray(16 << 20))
    """, "--max-memory", "256M", "--timeout", "30")
    assert (ended.end["status"], ended.end["exit_code"]) == ("limit_exceeded", 125)
    assert ended.end["error"].startswith("memory limit of 256 MiB exceeded: the run's processes held ")
    assert time.monotonic() - started < 20


def test_a_hundred_megabytes_printed_reach_stdout_but_not_the_trace(tmp_path: Path) -> None:
    line = 1 << 20
    ended = run_hostile(tmp_path, f"""
        for _ in range(100):
            print("x" * {line})
    """)
    assert (ended.end["status"], ended.end["exit_code"]) == ("finished", 0)
    assert ended.stdout.stat().st_size == 100 * (line + 1)
    prints = [e["args"] for e in ended.events if e["kind"] == "print"]
    assert len(prints) == 100
    assert all(len(p["text"]) == 4096 and p["cut"] == line + 1 - 4096 for p in prints)
    assert (tmp_path / "t.jsonl").stat().st_size < 5 << 20


def test_os_exit_passes_its_code_through(tmp_path: Path) -> None:
    ended = run_hostile(tmp_path, """
        import os, threading
        threading.Thread(target=threading.Event().wait, daemon=True).start()
        os._exit(5)
    """)
    assert (ended.end["status"], ended.end["exit_code"]) == ("finished", 5)


def test_os_abort_is_a_crash_with_the_signal(tmp_path: Path) -> None:
    ended = run_hostile(tmp_path, """
        import os
        os.abort()
    """)
    assert (ended.end["status"], ended.end["exit_code"]) == ("crashed", 128 + 6)
    assert "signal 6" in ended.end["error"]


def test_setsid_grandchild_ignoring_sigterm_dies_with_the_run(tmp_path: Path) -> None:
    started = time.monotonic()
    ended = run_hostile(tmp_path, """
        import os, signal, sys, time
        r, w = os.pipe()
        if os.fork() == 0:
            os.setsid()
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            if os.fork() == 0:
                os.write(w, b"x")
                while True:
                    time.sleep(1)
            os._exit(0)
        os.read(r, 1)
        time.sleep(60)
    """, "--timeout", "3")
    assert (ended.end["status"], ended.end["exit_code"]) == ("timed_out", 124)
    assert time.monotonic() - started < 15


HOG = '''"""Hog: allocates memory as fast as it can (test scenario)."""

from concviz.params import Param, read_params

PARAMS = [Param("chunk_mb", 16, min=1, max=64)]
LINES = False
P = read_params(PARAMS)
chunks = []
while True:
    chunks.append(bytearray(P.chunk_mb << 20))
'''


def test_a_hog_started_from_the_page_leaves_the_server_unaffected(tmp_path: Path) -> None:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "hog.py").write_text(HOG)
    (scenarios / "quick.py").write_text('"""Quick: prints once (test scenario)."""\nLINES = False\nprint("done")\n')
    server = Server(tmp_path / "data", tmp_path / "server.log", scenarios, {"max_memory": 256 << 20}).start()
    try:
        rss_before = _rss(server)
        record = server.wait_ended(server.start_run("hog"), timeout=30)
        assert record["status"] == "limit_exceeded", record
        assert server.get("/api/health").status_code == 200
        assert server.wait_ended(server.start_run("quick"), timeout=30)["status"] == "finished"
        assert _rss(server) < rss_before + (64 << 20)
        assert server.proc is not None and server.proc.poll() is None
    finally:
        server.stop()
    assert "Traceback" not in server.log(), server.log()


def _rss(server: Server) -> int:
    assert server.proc is not None
    fields = Path(f"/proc/{server.proc.pid}/statm").read_text().split()
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE")

