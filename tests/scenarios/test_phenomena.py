"""Every scenario runs in a real child process and its trace shows its phenomenon."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from concviz import scenarios

Run = Any


def test_every_scenario_has_a_phenomenon_test() -> None:
    names = {s.name for s in scenarios.all_scenarios()}
    assert names <= set(PHENOMENA), f"scenarios without a phenomenon test: {sorted(names - set(PHENOMENA))}"


def max_concurrent_holders(run: Run, obj: int) -> int:
    held = best = 0
    for e in run.events:
        if e["obj"] != obj:
            continue
        if e["kind"] == "lock.acquire":
            held += 1
            best = max(best, held)
        elif e["kind"] == "lock.release":
            held -= 1
    return best


def check_race(run: Run) -> None:
    num = run.summary["watched"]["num"]
    assert num["initial"] == 100
    assert num["final"] > 0, "with a 1 ms gap, updates are lost"
    assert num["lost_updates"] == num["final"], "each lost update explains one missing decrement"
    lost = run.summary["lost_updates"][0]
    by_seq = {e["seq"]: e for e in run.events}
    read, write, overwritten = by_seq[lost["read_seq"]], by_seq[lost["write_seq"]], by_seq[lost["overwrote"]["seq"]]
    assert read["kind"] == "var.read" and read["tid"] == lost["thread"]
    assert write["kind"] == "var.write" and write["tid"] == lost["thread"]
    assert overwritten["kind"] == "var.write" and overwritten["tid"] != lost["thread"]
    assert read["seq"] < write["seq"] and overwritten["seq"] < write["seq"]
    assert overwritten["args"]["value"] <= read["args"]["value"] - 1, "the overwritten write was newer than the read"
    assert run.summary["threads"] == 101


def check_race_locked(run: Run) -> None:
    num = run.summary["watched"]["num"]
    assert (num["initial"], num["final"], num["lost_updates"]) == (100, 0, 0)
    lock = run.summary["objects"]["lock"]
    assert lock["acquisitions"] == 100
    assert lock["max_holders"] == 1
    assert lock["max_waiters"] > 1


def check_deadlock(run: Run) -> None:
    assert run.returncode == 3
    assert run.end["status"] == "deadlocked"
    cycle = run.summary["deadlock"]["cycle"]
    assert len(cycle) == 2
    assert {step["waits_for"] for step in cycle} == {"LockA", "LockB"}
    for step in cycle:
        assert step["holds"] and step["holds"][0] != step["waits_for"]
        assert step["file"].endswith("deadlock.py") and step["line"] > 0
    assert "deadlock:" in run.stderr


def check_rlock(run: Run) -> None:
    assert run.end["status"] == "finished"
    rlock = run.objects()["rlock"]
    depths = [e["args"]["depth"] for e in run.kinds("lock.acquire") if e["obj"] == rlock]
    assert max(depths) == 2
    assert run.summary["objects"]["rlock"]["acquisitions"] == 20


def check_semaphore(run: Run) -> None:
    sem = run.objects()["semaphore"]
    assert max_concurrent_holders(run, sem) == 5
    assert run.summary["objects"]["semaphore"]["max_holders"] == 5
    assert run.summary["objects"]["semaphore"]["max_waiters"] >= 1


def check_event(run: Run) -> None:
    event = run.objects()["event"]
    seqs = [e["seq"] for e in run.kinds("event.set") if e["obj"] == event]
    assert len(seqs) == 1
    woken = [e for e in run.kinds("event.wake") if e["obj"] == event]
    assert len(woken) == 5 and all(e["args"]["flag"] for e in woken)
    assert all(e["seq"] > seqs[0] for e in woken)
    waits = [e for e in run.kinds("event.wait") if e["obj"] == event]
    assert len(waits) == 5 and all(e["seq"] < seqs[0] for e in waits)


def check_condition(run: Run) -> None:
    assert [p for p in run.prints() if p.startswith("consumed")] == [f"consumed {i}\n" for i in range(5)]
    assert run.kinds("cond.wait") and run.kinds("cond.notify")
    cond_lock = run.objects()["cond.lock"]
    assert run.summary["objects"]["cond.lock"]["max_holders"] == 1
    assert any(e["obj"] == cond_lock for e in run.kinds("lock.release"))


def check_thread_basics(run: Run) -> None:
    names = set(run.names().values())
    assert {"Greeter-0", "Greeter-1"} <= names
    assert any(n.startswith("Thread-") and "(greet)" in n for n in names)
    assert Counter(e["kind"] for e in run.events)["thread.end"] == 4


def check_join(run: Run) -> None:
    tids = {name: tid for tid, name in run.names().items()}
    joins = [e for e in run.kinds("thread.join", "thread.joined") if e["tid"] == 0]
    assert [(e["kind"], e["args"]["thread"]) for e in joins] == [
        ("thread.join", tids["short"]), ("thread.joined", tids["short"]),
        ("thread.join", tids["long"]), ("thread.joined", tids["long"]),
    ]
    ends = {e["args"]["thread"]: e["seq"] for e in run.kinds("thread.end")}
    assert ends[tids["short"]] < joins[1]["seq"] < ends[tids["long"]] < joins[3]["seq"]
    assert not any(e["tid"] != 0 for e in run.kinds("thread.join"))


def check_daemon(run: Run) -> None:
    tids = {name: tid for tid, name in run.names().items()}
    ended = {e["args"]["thread"] for e in run.kinds("thread.end")}
    assert tids["worker"] in ended
    assert tids["daemon"] not in ended, "the daemon is killed at exit, not waited for"
    assert "daemon: done\n" not in run.prints()
    assert run.end["status"] == "finished"


PHENOMENA = {
    "race": (check_race, ("--param", "threads=100", "--param", "gap=0.001")),
    "race_locked": (check_race_locked, ("--param", "gap=0")),
    "deadlock": (check_deadlock, ()),
    "rlock": (check_rlock, ()),
    "semaphore": (check_semaphore, ("--param", "work=0.05")),
    "event": (check_event, ("--param", "delay=0.05")),
    "condition": (check_condition, ("--param", "produce_time=0", "--param", "consume_time=0.01")),
    "thread_basics": (check_thread_basics, ("--param", "work=0.01")),
    "join": (check_join, ("--param", "unit=0.02")),
    "daemon": (check_daemon, ("--param", "worker_time=0.05")),
}


@pytest.mark.parametrize("name", sorted(PHENOMENA))
def test_scenario_shows_its_phenomenon(name: str, run_scenario: Any) -> None:
    check, options = PHENOMENA[name]
    run = run_scenario(name, *options)
    assert run.end["summary"]["events"] == len(run.events)
    assert [e["seq"] for e in run.events] == list(range(len(run.events)))
    check(run)
