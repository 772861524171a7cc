"""A real run through ``concviz run`` in a child process: what the script
prints and how it exits pass through, and a run killed with SIGKILL leaves a
trace of whole lines and no process behind."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from .helpers import wait_until

CLI = [sys.executable, "-m", "concviz.cli", "run", "-q"]


def _script(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(source))
    return path


def _run(tmp_path: Path, script: Path) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    proc = subprocess.run([*CLI, "-o", str(tmp_path / "t.jsonl"), str(script)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    lines = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    return proc, lines


def test_output_and_exit_code_pass_through(tmp_path: Path) -> None:
    script = _script(tmp_path, """
        import sys, threading
        lock = threading.Lock()
        with lock:
            print("hello", "world")
        sys.exit(7)
    """)
    proc, lines = _run(tmp_path, script)
    assert (proc.returncode, proc.stdout, proc.stderr) == (7, "hello world\n", "")
    assert lines[0]["type"] == "header"
    assert lines[-1]["type"] == "end"
    assert (lines[-1]["status"], lines[-1]["exit_code"]) == ("finished", 7)
    kinds = [e["kind"] for e in lines[1:-1]]
    # The last of the program's events; CPU samples of its shutdown may follow.
    assert [k for k in kinds if k != "cpu"][-1] == "program.end"
    assert {"obj.new", "lock.acquire", "print", "lock.release"} <= set(kinds)
    assert [e["seq"] for e in lines[1:-1]] == list(range(len(lines) - 2))


def test_uncaught_exception_prints_a_traceback_and_crashes(tmp_path: Path) -> None:
    script = _script(tmp_path, """
        def fail():
            raise LookupError("nothing here")
        print("before")
        fail()
    """)
    proc, lines = _run(tmp_path, script)
    assert proc.returncode == 1
    assert proc.stdout == "before\n"
    assert proc.stderr.startswith("Traceback (most recent call last):\n")
    assert f'File "{script}", line 5, in <module>' in proc.stderr
    assert proc.stderr.endswith("LookupError: nothing here\n")
    assert "concviz" not in proc.stderr  # the runner's own frames are not shown
    end = lines[-1]
    assert (end["status"], end["exit_code"], end["error"]) == ("crashed", 1, "LookupError: nothing here")


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[1] == pid:
                out.append(int(entry))
    return out


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, session id) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[3])


def _session(sid: int) -> list[int]:
    """The live (not zombie) processes of session ``sid``."""
    return [int(p) for p in os.listdir("/proc")
            if p.isdigit() and (s := _stat(int(p))) is not None and s[2] == sid and s[0] != "Z"]


def test_a_run_killed_with_sigkill_leaves_whole_lines_and_no_process(tmp_path: Path) -> None:
    script = _script(tmp_path, """
        import subprocess, sys, threading, time
        helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        lock = threading.Lock()
        def spin():
            while True:
                with lock:
                    time.sleep(0.001)
        threading.Thread(target=spin, daemon=True).start()
        while True:
            print("tick", flush=True)
            time.sleep(0.005)
    """)
    trace = tmp_path / "t.jsonl"
    cli = subprocess.Popen([*CLI, "-o", str(trace), str(script)], cwd=tmp_path,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        def sleeping() -> bool:
            return trace.exists() and trace.read_bytes().count(b'"sleep.end"') >= 20

        wait_until(sleeping, "the run's trace shows the script's loop", deadline_s=30)
        [child] = _children(cli.pid)
        members = _session(child)
        assert child in members and len(members) >= 2  # the runner and the script's helper process
        os.killpg(child, signal.SIGKILL)
        stderr = cli.communicate(timeout=30)[1]
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == 128 + signal.SIGKILL, stderr
    raw = trace.read_bytes()
    complete = raw[: raw.rindex(b"\n") + 1].splitlines()
    lines = [json.loads(line) for line in complete]
    assert lines[0]["type"] == "header"
    events = lines[1:-1]
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert all(a["t"] <= b["t"] for a, b in itertools.pairwise(events))
    end = lines[-1]
    assert (end["type"], end["status"], end["exit_code"]) == ("end", "crashed", 137)
    assert end["error"] == "the program died with signal 9"
    wait_until(lambda: _session(child) == [], "every process of the run is gone", deadline_s=10)


def test_a_program_sees_the_modules_it_imported_and_a_late_multiprocessing_import_is_recorded(tmp_path: Path) -> None:
    # The libraries most programs never use are instrumented when the program
    # imports them: a run does not import them for the program (nor pay their
    # import time), and one imported late, from a thread, is recorded all the same.
    script = _script(tmp_path, """
        import sys, threading
        print(sorted(m for m in ("asyncio", "multiprocessing", "concurrent.futures") if m in sys.modules))

        def late():
            import multiprocessing as mp
            from concurrent.futures import ThreadPoolExecutor
            q = mp.Queue()
            q.put(1)
            print(q.get())
            with ThreadPoolExecutor(1) as pool:
                print(pool.submit(sum, [1, 2]).result())

        t = threading.Thread(target=late)
        t.start()
        t.join()
    """)
    proc, lines = _run(tmp_path, script)
    assert proc.stdout == "[]\n1\n3\n", proc.stderr
    kinds = {e.get("kind") for e in lines}
    assert {"queue.put", "queue.get", "pool.submit", "pool.task", "pool.done"} <= kinds, kinds
    types = {e["args"]["type"] for e in lines if e.get("kind") == "obj.new"}
    assert {"Queue", "ThreadPoolExecutor"} <= types, types
