"""The multiprocessing scenarios run under concviz as real processes, and each
trace shows its phenomenon: who started whom, what crossed from one process
to another, and who had a CPU (the ``cpu`` samples). Same runner as
``test_phenomena.py`` (``conftest.run_scenario``)."""

from __future__ import annotations

import ast
import itertools
import os
import re
import resource
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from concviz import scenarios

Run = Any
MS = 1_000_000


# --- the processes of a trace ------------------------------------------------------------


def root_pid(run: Run) -> int:
    return next(e["pid"] for e in run.kinds("process.begin") if e["args"]["method"] == "root")


def children(run: Run) -> list[int]:
    """The processes the program itself started, in the order they began."""
    root = root_pid(run)
    return [e["pid"] for e in run.kinds("process.begin") if e["args"]["ppid"] == root]


def process_names(run: Run) -> dict[int, str]:
    names = {e["pid"]: e["args"]["name"] for e in run.kinds("process.begin")}
    names.update({e["pid"]: e["args"]["name"] for e in run.kinds("process.name")})
    return names


def exit_codes(run: Run) -> dict[int, int]:
    return {e["pid"]: e["args"]["exit_code"] for e in run.kinds("process.exit")}


def prints(run: Run) -> list[tuple[int, str]]:
    """(pid, text) of every print, in trace order."""
    return [(e["pid"], e["args"]["text"]) for e in run.kinds("print")]


def assert_process_tree_is_consistent(run: Run) -> None:
    """The end summary agrees with the lifecycle events; every child's stream was closed."""
    begins = {e["pid"]: e["args"] for e in run.kinds("process.begin")}
    summary = {int(pid): p for pid, p in run.summary["processes"].items()}
    assert set(summary) == set(begins)
    for pid, p in summary.items():
        assert p["parent"] == begins[pid]["ppid"]
    ended = {e["args"]["pid"] for e in run.kinds("process.end")}
    assert set(children(run)) <= ended
    for pid, code in exit_codes(run).items():
        assert summary[pid]["exit_code"] == code


# --- one check per scenario ----------------------------------------------------------------


def check_mp_process(run: Run) -> None:
    root = root_pid(run)
    assert len(run.summary["processes"]) == 2
    [child] = children(run)
    assert run.summary["processes"][str(child)]["parent"] == root
    assert prints(run) == [(root, "ending\n"), (child, "ok\n")], "the parent does not wait for its child"
    assert exit_codes(run)[child] == 0
    # Nobody joined it: multiprocessing does, at exit, after the program's last line.
    joined = next(e for e in run.kinds("process.joined") if e["args"]["pid"] == child)
    ok = next(e for e in run.kinds("print") if e["pid"] == child)
    assert joined["pid"] == root and joined["args"]["exit_code"] == 0 and joined["seq"] > ok["seq"]


def check_mp_queue(run: Run) -> None:
    root = root_pid(run)
    [child] = children(run)
    [put] = run.kinds("queue.put")
    assert put["pid"] == child
    [get] = [e for e in run.kinds("queue.get") if e["obj"] == put["obj"] and e["args"]["id"] == put["args"]["id"]]
    assert get["pid"] == root and get["seq"] > put["seq"]
    assert prints(run) == [(root, "the parent got [42, None, 'hello']\n")]
    assert exit_codes(run)[child] == 0


def check_mp_pipe(run: Run) -> None:
    root = root_pid(run)
    [child] = children(run)
    assert prints(run) == [(root, f"sent {n}, got back {n * n}\n") for n in (1, 2, 3)]
    assert exit_codes(run)[child] == 0
    sends = {(e["obj"], e["args"]["end"], e["args"]["id"]): e for e in run.kinds("pipe.send")}
    recvs = run.kinds("pipe.recv")
    if not (sends or recvs):
        return  # a trace without pipe events: only the processes and their output to check
    assert len(sends) == len(recvs) == 7, "3 numbers and None one way, 3 squares back"
    for recv in recvs:
        send = sends[(recv["obj"], 1 - recv["args"]["end"], recv["args"]["id"])]
        assert send["pid"] != recv["pid"] and send["seq"] < recv["seq"]
        assert send["args"]["item"] == recv["args"]["item"]
    assert Counter(e["pid"] for e in sends.values()) == {root: 4, child: 3}


def check_mp_manager(run: Run) -> None:
    root = root_pid(run)
    names = process_names(run)
    [server] = [pid for pid in children(run) if names[pid].startswith("SyncManager")]
    workers = [pid for pid in children(run) if pid != server]
    assert len(workers) == 5
    assert all(exit_codes(run)[pid] == 0 for pid in workers)
    out = dict(text.rstrip("\n").split(": ", 1) for pid, text in prints(run) if pid == root)
    assert sorted(ast.literal_eval(out["manager list"])) == [1, 4, 9, 16, 25], "every worker's append arrived"
    assert ast.literal_eval(out["plain list"]) == [], "each worker appended to its own copy"


POOL_WORKER = re.compile(r"(Fork|Spawn|ForkServer)PoolWorker-\d+")


def check_mp_pool(run: Run) -> None:
    root = root_pid(run)
    names = process_names(run)
    workers = children(run)
    assert len(workers) == 5
    assert all(POOL_WORKER.fullmatch(names[pid]) for pid in workers), [names[pid] for pid in workers]
    assert exit_codes(run) == dict.fromkeys(workers, 0), "close() and join(): every worker exits by itself"
    assert prints(run) == [
        (root, "apply_async: [0, 1, 4, 9, 16]\n"),
        (root, f"map: {[n * n for n in range(20)]}\n"),
    ]
    # 25 tasks, 5 processes started once before any result: the workers are reused.
    first_result = run.kinds("print")[0]["seq"]
    assert all(e["seq"] < first_result for e in run.kinds("process.start"))
    tasks = Counter(e["pid"] for e in run.kinds("sleep.begin"))
    assert sum(tasks.values()) == 25 and set(tasks) <= set(workers)
    assert len(tasks) > 1, "the tasks spread over the workers"


def cores(run: Run, pids: set[int], start: int, end: int, *fields: str, width: int = 100 * MS) -> list[float]:
    """How many cores the threads of ``pids`` used in each full ``width`` slice
    of [start, end]: each ``cpu`` sample's time on a CPU (or the sum of
    ``fields``) is spread evenly over the interval it measured."""
    used = [0.0] * ((end - start) // width)
    for e in run.kinds("cpu"):
        if e["pid"] not in pids:
            continue
        on, dt = sum(e["args"][f] for f in fields or ("on",)), e["args"]["dt"]
        t1 = e["t"]
        t0 = t1 - dt
        for i in range(max(0, (t0 - start) // width), min(len(used), (t1 - start) // width + 1)):
            overlap = min(t1, start + (i + 1) * width) - max(t0, start + i * width)
            if overlap > 0:
                used[i] += on * overlap / dt
    return [u / width for u in used]


def thread_span(run: Run, target: str) -> tuple[list[int], int, int, int]:
    """The threads running ``target``: (tids, first begin, last begin, last end)."""
    tids = [e["args"]["thread"] for e in run.kinds("thread.new") if e["args"]["target"] == target]
    begins = [e["t"] for e in run.kinds("thread.begin") if e["tid"] in tids]
    ends = [e["t"] for e in run.kinds("thread.end") if e["tid"] in tids]
    assert len(begins) == len(ends) == len(tids)
    return tids, min(begins), max(begins), max(ends)


def check_gil(run: Run, quiet_machine: bool) -> None:
    root = root_pid(run)
    labels = [text.split(":")[0] for pid, text in prints(run)]
    assert labels == ["sequential", "4 threads", "4 processes", "4 threads waiting"]
    assert all(pid == root for pid, _ in prints(run))

    tids, start, _, end = thread_span(run, "count")
    assert len(tids) == 4
    threads = cores(run, {root}, start, end)
    assert threads, "the threads phase lasts at least one slice"
    # One core between them (the GIL): about 1 most of the time. A slice at a
    # phase's edge may also hold the recorder's or the main thread's work, and
    # a late sample can move a slice's time into the next one (seen: 0.0 then
    # 2.1), so the ceiling is judged on two slices at a time.
    pairs = [(a + b) / 2 for a, b in itertools.pairwise(threads)] or threads
    assert 0.3 < statistics.median(threads) <= 1.2 and max(pairs) < 1.6, \
        f"four CPU-bound threads share one core (GIL): {threads}"

    workers = set(children(run))
    assert len(workers) == 4 and exit_codes(run) == dict.fromkeys(workers, 0)
    start = min(e["t"] for e in run.kinds("process.begin") if e["pid"] in workers)
    end = max(e["t"] for e in run.kinds("process.exit") if e["pid"] in workers)
    # Ready to run (on a CPU or waiting for one) at the same time: something
    # one GIL forbids, whatever else the machine is doing.
    ready = cores(run, workers, start, end, "on", "wait")
    assert ready and max(ready) > 2.5, f"the four processes are ready to run at once: {ready}"
    if quiet_machine:  # else other programs may hold a core, and the run cannot have it
        processes = cores(run, workers, start, end)
        assert max(processes) > 1.5, f"four processes use both cores: {processes}"

    # Waiting releases the GIL: the four sleeps overlap.
    tids, _, last_begin, _ = thread_span(run, "sleep")
    first_end = min(e["t"] for e in run.kinds("thread.end") if e["tid"] in tids)
    assert len(tids) == 4 and last_begin < first_end


def check_process_deadlock(run: Run) -> None:
    assert run.returncode == 3
    assert run.end["status"] == "deadlocked"
    cycle = run.summary["deadlock"]["cycle"]
    assert len(cycle) == 2
    pid_of = {e["tid"]: e["pid"] for e in run.events}
    pids = {pid_of[step["thread"]] for step in cycle}
    assert len(pids) == 2 and root_pid(run) not in pids, "the cycle runs through two child processes"
    assert {process_names(run)[pid] for pid in pids} == {"a-then-b", "b-then-a"}
    assert {step["waits_for"] for step in cycle} == {"lock_a", "lock_b"}
    for step in cycle:
        assert step["holds"] and step["holds"][0] != step["waits_for"]
        assert step["file"].endswith("process_deadlock.py") and step["line"] > 0
    assert "deadlock:" in run.stderr


PROCESS_PHENOMENA = {
    "mp_process": (check_mp_process, ("--param", "delay=0.2")),
    "mp_queue": (check_mp_queue, ("--param", "delay=0.05")),
    "mp_pipe": (check_mp_pipe, ("--param", "messages=3")),
    "mp_manager": (check_mp_manager, ("--param", "processes=5")),
    "mp_pool": (check_mp_pool, ("--param", "workers=5", "--param", "tasks=20")),
    # A deadlock that is not found would otherwise run into the 60 s default.
    "process_deadlock": (check_process_deadlock, ("--param", "pause=0.1", "--timeout", "20")),
}


# Every scenario this file checks (``gil`` has a test of its own).
COVERED = {*PROCESS_PHENOMENA, "gil"}


def assert_well_formed(run: Run) -> None:
    assert run.end["summary"]["events"] == len(run.events)
    assert [e["seq"] for e in run.events] == list(range(len(run.events)))
    if run.end["status"] != "deadlocked":
        assert (run.end["status"], run.returncode) == ("finished", 0), run.stderr
    assert_process_tree_is_consistent(run)


@pytest.mark.parametrize("name", sorted(PROCESS_PHENOMENA))
def test_process_scenario_shows_its_phenomenon(name: str, run_scenario: Any) -> None:
    check, options = PROCESS_PHENOMENA[name]
    run = run_scenario(name, *options)
    assert_well_formed(run)
    check(run)


def machine_busy_s() -> float:
    """CPU time every core of the machine has spent busy since boot (``/proc/stat``)."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq = map(int, f.readline().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    """CPU time of this process and of every descendant it reaped: a finished run's whole tree."""
    me, reaped = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + reaped.ru_utime + reaped.ru_stime


def test_gil_threads_share_one_core_processes_run_side_by_side(run_scenario: Any) -> None:
    busy, own = machine_busy_s(), own_cpu_s()
    run = run_scenario("gil", "--param", "workers=4")
    others = (machine_busy_s() - busy) - (own_cpu_s() - own)
    assert_well_formed(run)
    check_gil(run, quiet_machine=others < 0.1)


def test_mp_process_joining_first_makes_the_child_print_first(run_scenario: Any) -> None:
    run = run_scenario("mp_process", "--param", "delay=0.05", "--param", "join_first=1")
    [child] = children(run)
    assert prints(run) == [(child, "ok\n"), (root_pid(run), "ending\n")]


def scenario_path(name: str) -> Path:
    return scenarios.find(name).path


def test_process_scenarios_are_spawn_safe() -> None:
    """A spawned child runs the main module again as ``__mp_main__``: that must
    define the functions and do nothing else."""
    code = "import runpy, sys\nfor path in sys.argv[1:]:\n    runpy.run_path(path, run_name='__mp_main__')\n"
    paths = [str(scenario_path(name)) for name in sorted(COVERED)]
    proc = subprocess.run([sys.executable, "-c", code, *paths], capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


SPAWN = """\
import multiprocessing
import runpy
import sys

if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_mp_queue_links_put_and_get_across_spawned_processes(run_scenario: Any, tmp_path: Path) -> None:
    wrapper = tmp_path / "with_spawn.py"
    wrapper.write_text(SPAWN)
    run = run_scenario(str(wrapper), args=(str(scenario_path("mp_queue")), "--delay=0.05"))
    assert_well_formed(run)
    [child] = children(run)
    assert next(e for e in run.kinds("process.begin") if e["pid"] == child)["args"]["method"] == "spawn"
    check_mp_queue(run)
