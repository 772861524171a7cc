"""The native recording path (``concviz._record``) and the pure-Python one
(``CONCVIZ_NATIVE=0``) record the same program alike, end to end through
the writer, the pipe and the parent's translation; and the child's buffer
stays bounded when the parent falls behind."""

from __future__ import annotations

import collections
import itertools
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

PROGRAM = """
    import threading

    counter = 0
    lock = threading.Lock()
    rlock = threading.RLock()


    def work(n):
        global counter
        for _ in range(n):
            with lock:
                counter += 1
            lock.acquire()
            lock.release()
            with rlock:
                with rlock:
                    pass


    threads = [threading.Thread(target=work, args=(1500,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Non-blocking tries once the threads are done, so that both paths see the same outcome.
    assert lock.acquire(False)
    assert not lock.acquire(False)
    lock.release()
    print("counter", counter)
"""


def _run(tmp_path: Path, native: bool, *options: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(PROGRAM))
    out = tmp_path / f"trace-{native}.jsonl"
    env = {**os.environ, "CONCVIZ_NATIVE": "1" if native else "0"}
    done = subprocess.run([sys.executable, "-m", "concviz.cli", "run", "-q", *options, "-o", str(out), str(script)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.stdout == "counter 6000\n", done.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    events = [e for e in lines if "seq" in e]
    return events, lines[-1]


def _holds_are_exclusive(events: list[dict[str, Any]], lock_id: int) -> int:
    """In seq order, each acquire of the lock follows the previous holder's release."""
    holder = None
    cycles = 0
    for e in events:
        if e["obj"] != lock_id or e["kind"] not in ("lock.acquire", "lock.release"):
            continue
        if e["kind"] == "lock.acquire":
            assert holder is None, e
            holder = e["tid"]
            cycles += 1
        else:
            assert holder == e["tid"], e
            holder = None
    return cycles


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_both_paths_keep_the_order_invariants(tmp_path: Path, native: bool) -> None:
    events, _ = _run(tmp_path, native)
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert all(a["t"] <= b["t"] for a, b in itertools.pairwise(events))
    lock = next(e["obj"] for e in events if e["kind"] == "obj.new" and e["args"]["name"] == "lock")
    assert _holds_are_exclusive(events, lock) == 4 * 1500 * 2 + 1


def test_native_and_python_paths_record_the_same_trace(tmp_path: Path) -> None:
    native, native_end = _run(tmp_path, True)
    python, python_end = _run(tmp_path, False)

    def shape(events: list[dict[str, Any]]) -> collections.Counter[tuple[str, Any]]:
        # Contention differs from run to run: blocks (and their acquires) are not compared.
        return collections.Counter((e["kind"], e["obj"]) for e in events
                                   if e["kind"] not in ("lock.block", "cpu", "process.begin"))

    assert shape(native) == shape(python)
    for summary in (native_end["summary"], python_end["summary"]):
        for obj in summary["objects"].values():
            obj.pop("max_waiters")
    assert native_end["summary"]["objects"] == python_end["summary"]["objects"]
    assert native_end["summary"]["objects"]["lock"]["acquisitions"] == 4 * 1500 * 2 + 1
    lock = next(e["obj"] for e in native if e["kind"] == "obj.new" and e["args"]["name"] == "lock")
    assert shape(native)[("lock.fail", lock)] == 1  # the main thread's try on its own held lock


def test_a_slow_parent_slows_the_program_and_drops_nothing(tmp_path: Path) -> None:
    # A tiny bound: the writer's every flush finds the buffer full, and the
    # program waits for it; every cycle is still in the trace.
    script = tmp_path / "many.py"
    script.write_text("import threading\nlock = threading.Lock()\nfor _ in range(200_000):\n"
                      "    with lock:\n        pass\n")
    out = tmp_path / "t.jsonl"
    env = {**os.environ, "CONCVIZ_BUFFER_EVENTS": "2000"}
    done = subprocess.run([sys.executable, "-m", "concviz.cli", "run", "-q", "-o", str(out), str(script)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    end = json.loads(out.read_text().splitlines()[-1])
    assert end["summary"]["objects"]["lock"]["acquisitions"] == 200_000


TIGHT = """
    import threading

    x = 0

    def work():
        global x
        for _ in range(50_000):
            t = x
            x = t + 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(x)
"""

needs_monitoring = pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring is 3.12+")


def _lines_run(tmp_path: Path, source: str, how: str, *options: str) -> tuple[str, list[dict[str, Any]]]:
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(source))
    out = tmp_path / f"lines-{how}.jsonl"
    done = subprocess.run([sys.executable, "-m", "concviz.cli", "run", "-q", "--lines", *options, "-o", str(out),
                           str(script)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "CONCVIZ_LINES": how})
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in out.read_text().splitlines()]
    return done.stdout, [e for e in events if e.get("kind") == "line"]


@pytest.mark.parametrize("how", [
    pytest.param("monitoring", marks=needs_monitoring),
    "settrace",  # the C trace function
])
def test_recorded_lines_add_no_switch_point(tmp_path: Path, how: str) -> None:
    out, lines = _lines_run(tmp_path, TIGHT, how, "--watch", "x")
    assert out == "200000\n"
    assert len(lines) >= 4 * 50_000 * 2


@needs_monitoring
def test_sys_monitoring_and_settrace_record_the_same_lines(tmp_path: Path) -> None:
    program = """
        def f(n):
            total = 0
            for i in range(n):
                total += i
            return total

        import json
        print(f(3), json.dumps([f(2)]))
    """
    out_m, monitored = _lines_run(tmp_path, program, "monitoring")
    out_s, traced = _lines_run(tmp_path, program, "settrace")
    assert out_m == out_s == "3 [1]\n"
    assert [e["args"]["line"] for e in monitored] == [e["args"]["line"] for e in traced]
    assert {e["args"]["file"] for e in monitored} == {str(tmp_path / "prog.py")}
