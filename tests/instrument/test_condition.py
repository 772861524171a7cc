"""Condition: drop-in behaviour on a Lock, an RLock and the default lock, and
its recorded wait / notify / wake."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from concviz import recorder

from .helpers import Worker, check_sequence_matches, clock, object_id, recorded

LOCKS: dict[str, Callable[[ModuleType], Any]] = {
    "default": lambda t: None,
    "Lock": lambda t: t.Lock(),
    "RLock": lambda t: t.RLock(),
}


def _condition(threading_impl: ModuleType, lock_kind: str) -> Any:
    lock = LOCKS[lock_kind](threading_impl)
    return threading_impl.Condition() if lock is None else threading_impl.Condition(lock)


def _waiting(threading_impl: ModuleType, cond: Any, wait: Callable[[], Any]) -> Worker:
    """A worker that waits on ``cond``; when this returns, it is waiting (it
    held the lock when it said so, and wait() is what releases it)."""
    ready = threading_impl.Event()

    def run() -> Any:
        with cond:
            ready.set()
            return wait()

    worker = Worker(threading_impl, run)
    ready.wait()
    with cond:  # acquired only once the worker's wait() released the lock
        pass
    return worker


@pytest.mark.parametrize("lock_kind", LOCKS)
def test_wait_returns_true_when_notified(threading_impl: ModuleType, lock_kind: str) -> None:
    cond = _condition(threading_impl, lock_kind)
    worker = _waiting(threading_impl, cond, lambda: cond.wait())
    with cond:
        cond.notify()
    assert worker.result() is True


@pytest.mark.parametrize("lock_kind", LOCKS)
def test_wait_with_timeout(threading_impl: ModuleType, lock_kind: str) -> None:
    cond = _condition(threading_impl, lock_kind)
    with cond:
        start = clock()
        assert cond.wait(0.05) is False
        assert 0.045 <= clock() - start < 2.0
        assert cond.wait(0) is False
        assert cond.wait(-1) is False
        assert cond._is_owned()
    worker = _waiting(threading_impl, cond, lambda: cond.wait(30))
    with cond:
        cond.notify()
    assert worker.result() is True


@pytest.mark.parametrize("lock_kind", LOCKS)
def test_notify_n_and_notify_all(threading_impl: ModuleType, lock_kind: str) -> None:
    cond = _condition(threading_impl, lock_kind)
    workers = [_waiting(threading_impl, cond, lambda: cond.wait()) for _ in range(4)]
    with cond:
        assert len(cond._waiters) == 4
        cond.notify(2)
        assert len(cond._waiters) == 2
        cond.notify(0)
        assert len(cond._waiters) == 2
        cond.notify_all()
        assert len(cond._waiters) == 0
        cond.notify()  # no waiters: nothing happens
    assert [w.result() for w in workers] == [True] * 4


@pytest.mark.parametrize("lock_kind", LOCKS)
def test_wait_for(threading_impl: ModuleType, lock_kind: str) -> None:
    cond = _condition(threading_impl, lock_kind)
    state = {"ready": False, "calls": 0}

    def predicate() -> Any:
        state["calls"] += 1
        return state["ready"] and "yes"

    with cond:
        assert cond.wait_for(lambda: 42) == 42
        start = time.monotonic()
        assert cond.wait_for(predicate, timeout=0.05) is False
        assert 0.045 <= time.monotonic() - start < 2.0
    worker = _waiting(threading_impl, cond, lambda: cond.wait_for(predicate))
    with cond:
        cond.notify()  # predicate still false: the worker waits again
    with cond:
        state["ready"] = True
        cond.notify()
    assert worker.result() == "yes"


@pytest.mark.parametrize("lock_kind", LOCKS)
def test_using_a_condition_without_its_lock_raises(threading_impl: ModuleType, lock_kind: str) -> None:
    cond = _condition(threading_impl, lock_kind)
    with pytest.raises(RuntimeError, match=r"^cannot notify on un-acquired lock$"):
        cond.notify()
    with pytest.raises(RuntimeError, match=r"^cannot notify on un-acquired lock$"):
        cond.notify_all()
    with pytest.raises(RuntimeError, match=r"^cannot wait on un-acquired lock$"):
        cond.wait(0.01)
    with pytest.raises(RuntimeError, match=r"^cannot wait on un-acquired lock$"):
        cond.wait_for(lambda: False, 0.01)
    with pytest.raises(RuntimeError):
        cond.release()


def test_condition_on_an_rlock_held_twice_releases_it_fully_while_waiting(threading_impl: ModuleType) -> None:
    lock = threading_impl.RLock()
    cond = threading_impl.Condition(lock)

    def wait_nested() -> int:
        with cond, cond:
            assert cond.wait(30)
            return int(lock._recursion_count())

    ready = threading_impl.Event()

    def run() -> int:
        with cond:
            ready.set()
            return wait_nested()

    worker = Worker(threading_impl, run)
    ready.wait()
    with cond:  # only possible once the worker's wait released all three levels
        assert lock._recursion_count() == 1
        cond.notify()
    assert worker.result() == 3


def test_condition_exposes_its_lock(threading_impl: ModuleType) -> None:
    lock = threading_impl.Lock()
    cond = threading_impl.Condition(lock)
    assert cond._lock is lock
    assert cond.acquire() is True
    assert lock.locked()
    assert cond.acquire(False) is False
    cond.release()
    assert not lock.locked()
    with cond as entered:
        assert entered is True


@pytest.mark.parametrize("lock_kind", LOCKS)
def test_repr_has_the_stdlib_shape(threading_impl: ModuleType, lock_kind: str) -> None:
    cond = _condition(threading_impl, lock_kind)
    shape = r"<Condition\(<unlocked _thread\.(lock|RLock) object .*at 0x[0-9a-f]+>, 0\)>"
    assert re.fullmatch(shape, repr(cond))


def test_conditions_can_be_subclassed(threading_impl: ModuleType) -> None:
    class MyCond(threading_impl.Condition):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__(threading_impl.Lock())
            self.notified = 0

        def notify(self, n: int = 1) -> None:
            self.notified += n
            super().notify(n)

    cond = MyCond()
    worker = _waiting(threading_impl, cond, lambda: cond.wait())
    with cond:
        cond.notify_all()
    assert worker.result() is True
    assert cond.notified == 1
    assert isinstance(cond, threading_impl.Condition)


# --- recorded events ------------------------------------------------------------


def test_wait_notify_wake_are_recorded_in_order(instrumented: ModuleType) -> None:
    import threading

    me = threading.get_ident()
    cond = instrumented.Condition(instrumented.Lock())
    obj = object_id(cond)
    worker = _waiting(instrumented, cond, lambda: cond.wait())
    with cond:
        cond.notify()
    worker.result()
    check_sequence_matches([(e.kind, e.who, tuple(sorted(e.args.items())) if e.kind != "cond.wait" else ())
                            for e in recorded(obj=obj) if e.kind != "obj.new"], [
        ("cond.wait", worker.ident, ()),
        ("cond.notify", me, (("n", 1), ("waiters", 1))),
        ("cond.wake", worker.ident, (("notified", True),)),
    ])
    wait = recorded(["cond.wait"], obj)[0]
    assert wait.args == {"timeout": None, "file": __file__, "line": wait.args["line"]}


def test_the_lock_records_its_release_and_reacquisition_around_a_wait(instrumented: ModuleType) -> None:
    for lock, depths in [(instrumented.Lock(), [None] * 4), (instrumented.RLock(), [1, 0, 1, 0])]:
        recorder._buffer.clear()
        cond = instrumented.Condition(lock)
        with cond:
            cond.wait(0.001)
        ids = (object_id(lock), object_id(cond))
        seq = [e.kind for e in recorded() if e.obj in ids and e.kind != "obj.new"]
        assert seq == ["lock.acquire", "cond.wait", "lock.release", "lock.acquire", "cond.wake",
                       "lock.release"]
        lock_events = recorded(["lock.acquire", "lock.release"], object_id(lock))
        assert [e.args["depth"] for e in lock_events] == depths


def test_timed_out_wait_records_wake_not_notified(instrumented: ModuleType) -> None:
    cond = instrumented.Condition()
    with cond:
        cond.wait(0.001)
    assert [e.args for e in recorded(["cond.wake"], object_id(cond))] == [{"notified": False}]


def test_notify_all_records_every_waiter(instrumented: ModuleType) -> None:
    cond = instrumented.Condition()
    workers = [_waiting(instrumented, cond, lambda: cond.wait()) for _ in range(3)]
    with cond:
        cond.notify_all()
    for w in workers:
        w.result()
    assert [e.args for e in recorded(["cond.notify"], object_id(cond))] == [{"n": 3, "waiters": 3}]
    assert len(recorded(["cond.wake"], object_id(cond))) == 3


def test_default_lock_is_a_recorded_rlock_named_after_the_condition(instrumented: ModuleType) -> None:
    ready = instrumented.Condition()
    news = {e.obj: e.args for e in recorded(["obj.new"])}
    lock_id = news[object_id(ready)]["lock"]
    assert news[lock_id]["type"] == "RLock"
    assert news[lock_id]["name"] == "ready.lock"
    assert news[object_id(ready)]["name"] == "ready"


def test_unowned_notify_and_wait_record_nothing(instrumented: ModuleType) -> None:
    cond = instrumented.Condition()
    with pytest.raises(RuntimeError):
        cond.notify()
    with pytest.raises(RuntimeError):
        cond.wait()
    assert [e.kind for e in recorded()] == ["obj.new", "obj.new"]
