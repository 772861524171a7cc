"""Deadlocks are cycles in the wait-for graph folded from the events."""

from __future__ import annotations

from typing import Any

from concviz.analysis.fold import Fold


class Trace:
    def __init__(self) -> None:
        self.fold = Fold()
        self.seq = 0

    def __call__(self, tid: int, kind: str, obj: int | None = None, **args: Any) -> None:
        self.fold.feed({"seq": self.seq, "t": self.seq, "tid": tid, "kind": kind, "obj": obj, "args": args})
        self.seq += 1

    def lock(self, obj: int, name: str, type_: str = "Lock") -> None:
        self(0, "obj.new", obj, type=type_, name=name, value=None, lock=None, file=None, line=None)

    def thread(self, tid: int, name: str) -> None:
        self(tid, "thread.begin", thread=tid, name=name, daemon=False, ident=tid)


def test_opposite_lock_orders_form_a_two_thread_cycle() -> None:
    t = Trace()
    t.lock(1, "LockA")
    t.lock(2, "LockB")
    t.thread(1, "T1")
    t.thread(2, "T2")
    t(1, "lock.acquire", 1, depth=None)
    t(2, "lock.acquire", 2, depth=None)
    t(1, "lock.block", 2, timeout=None, file="x.py", line=10)
    assert t.fold.deadlock() is None
    t(2, "lock.block", 1, timeout=None, file="x.py", line=20)
    assert t.fold.deadlock() is None, "the main thread could still release a plain Lock"
    t(0, "thread.join", thread=1, timeout=None, file="x.py", line=30)
    cycle = t.fold.deadlock()
    assert cycle == [
        {"thread": 1, "name": "T1", "holds": ["LockA"], "waits_for": "LockB", "file": "x.py", "line": 10},
        {"thread": 2, "name": "T2", "holds": ["LockB"], "waits_for": "LockA", "file": "x.py", "line": 20},
    ]


def test_a_wait_with_a_timeout_is_not_a_deadlock() -> None:
    t = Trace()
    t.lock(1, "A")
    t.lock(2, "B")
    t(1, "lock.acquire", 1, depth=None)
    t(2, "lock.acquire", 2, depth=None)
    t(1, "lock.block", 2, timeout=1.0, file=None, line=None)
    t(2, "lock.block", 1, timeout=None, file=None, line=None)
    assert t.fold.deadlock() is None


def test_a_release_breaks_the_cycle() -> None:
    t = Trace()
    t.lock(1, "A")
    t.lock(2, "B")
    t(1, "lock.acquire", 1, depth=None)
    t(2, "lock.acquire", 2, depth=None)
    t(1, "lock.block", 2, timeout=None, file=None, line=None)
    t(2, "lock.release", 2, depth=None)
    t(2, "lock.block", 1, timeout=None, file=None, line=None)
    assert t.fold.deadlock() is None


def test_rlock_reentry_is_not_a_deadlock_but_a_semaphore_is_ignored() -> None:
    t = Trace()
    t.lock(1, "R", "RLock")
    t(1, "lock.acquire", 1, depth=1)
    t(1, "lock.acquire", 1, depth=2)
    assert t.fold.deadlock() is None
    assert t.fold.objects[1].holders == {1: 2}
    t(1, "lock.release", 1, depth=1)
    t(1, "lock.release", 1, depth=0)
    assert t.fold.objects[1].holders == {}


def test_a_thread_waiting_on_a_lock_it_holds_is_not_final_while_another_can_release_it() -> None:
    # Any thread may release a plain Lock (CPython's own lock tests do this).
    t = Trace()
    t.lock(1, "L")
    t.thread(1, "T1")
    t(1, "lock.acquire", 1, depth=None)
    t(1, "lock.block", 1, timeout=None, file=None, line=None)
    assert t.fold.deadlock() is None
    t(0, "sleep.begin", seconds=1.0, file=None, line=None)
    assert t.fold.deadlock() is None, "a sleeping thread wakes up and may release"
    t(0, "program.end", exit_code=0, error=None)
    t(0, "sleep.end")
    assert t.fold.deadlock() is not None, "main has returned: nobody is left to release"


def test_an_rlock_cycle_is_final_at_once() -> None:
    t = Trace()
    t.lock(1, "A", "RLock")
    t.lock(2, "B", "RLock")
    t.thread(1, "T1")
    t.thread(2, "T2")
    t(1, "lock.acquire", 1, depth=1)
    t(2, "lock.acquire", 2, depth=1)
    t(1, "lock.block", 2, timeout=None, file=None, line=None)
    t(2, "lock.block", 1, timeout=None, file=None, line=None)
    assert [step["name"] for step in t.fold.deadlock() or []] == ["T1", "T2"]


def test_joining_a_thread_that_waits_for_your_lock_is_a_deadlock() -> None:
    t = Trace()
    t.lock(1, "gate")
    t.thread(1, "worker")
    t(0, "lock.acquire", 1, depth=None)
    t(1, "lock.block", 1, timeout=None, file=None, line=None)
    t(0, "thread.join", thread=1, timeout=None, file=None, line=None)
    cycle = t.fold.deadlock()
    assert cycle is not None
    assert sorted(step["waits_for"] for step in cycle) == ["gate", "join(worker)"]


def test_wait_queue_keeps_request_order() -> None:
    t = Trace()
    t.lock(1, "L")
    t(1, "lock.acquire", 1, depth=None)
    for tid in (4, 2, 3):
        t(tid, "lock.block", 1, timeout=None, file=None, line=None)
    assert list(t.fold.objects[1].waiters) == [4, 2, 3]
    t(1, "lock.release", 1, depth=None)
    t(2, "lock.acquire", 1, depth=None)
    assert list(t.fold.objects[1].waiters) == [4, 3]
    assert t.fold.objects[1].max_waiters == 3
