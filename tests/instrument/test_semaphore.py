"""Semaphore and BoundedSemaphore: drop-in behaviour and recorded events."""

from __future__ import annotations

import re
from types import ModuleType

import pytest

from .helpers import Worker, clock, object_id, recorded, wait_for_event

KINDS = ["Semaphore", "BoundedSemaphore"]


@pytest.mark.parametrize("kind", KINDS)
def test_value_blocking_and_release(threading_impl: ModuleType, kind: str) -> None:
    sem = getattr(threading_impl, kind)(2)
    assert sem._value == 2
    assert sem.acquire() is True
    assert sem.acquire(blocking=True, timeout=1) is True
    assert sem._value == 0
    assert sem.acquire(False) is False
    assert sem.acquire(blocking=False) is False
    sem.release(2)
    assert sem._value == 2
    with sem as entered:
        assert entered is True
        assert sem._value == 1
    assert sem._value == 2


@pytest.mark.parametrize("kind", KINDS)
def test_acquire_times_out_after_roughly_the_timeout(threading_impl: ModuleType, kind: str) -> None:
    sem = getattr(threading_impl, kind)(0 if kind == "Semaphore" else 1)
    if kind == "BoundedSemaphore":
        sem.acquire()
    start = clock()
    assert sem.acquire(timeout=0.05) is False
    assert 0.045 <= clock() - start < 2.0
    assert sem.acquire(timeout=0) is False
    assert sem.acquire(timeout=-5) is False


@pytest.mark.parametrize("kind", KINDS)
def test_blocked_acquire_gets_the_permit_once_released(threading_impl: ModuleType, kind: str) -> None:
    sem = getattr(threading_impl, kind)(1)
    sem.acquire()
    started = threading_impl.Event()

    def take() -> bool:
        started.set()
        got = bool(sem.acquire())
        sem.release()
        return got

    worker = Worker(threading_impl, take)
    started.wait()
    sem.release()
    assert worker.result() is True
    assert sem._value == 1


@pytest.mark.parametrize("kind", KINDS)
def test_invalid_arguments(threading_impl: ModuleType, kind: str) -> None:
    cls = getattr(threading_impl, kind)
    with pytest.raises(ValueError, match=r"^semaphore initial value must be >= 0$"):
        cls(-1)
    sem = cls(1)
    with pytest.raises(ValueError, match=r"^can't specify timeout for non-blocking acquire$"):
        sem.acquire(False, 1)
    with pytest.raises(ValueError, match=r"^n must be one or more$"):
        sem.release(0)
    with pytest.raises(TypeError):
        sem.acquire(True, 1, 2)
    assert sem._value == 1


def test_bounded_semaphore_over_release_raises(threading_impl: ModuleType) -> None:
    sem = threading_impl.BoundedSemaphore(2)
    with pytest.raises(ValueError, match=r"^Semaphore released too many times$"):
        sem.release()
    sem.acquire()
    with pytest.raises(ValueError, match=r"^Semaphore released too many times$"):
        sem.release(2)
    sem.release()
    assert sem._value == 2


def test_semaphore_can_be_released_past_its_initial_value(threading_impl: ModuleType) -> None:
    sem = threading_impl.Semaphore(0)
    sem.release(3)
    assert sem._value == 3


@pytest.mark.parametrize("kind", KINDS)
def test_repr_has_the_stdlib_shape(threading_impl: ModuleType, kind: str) -> None:
    sem = getattr(threading_impl, kind)(2)
    value = "value=2" if kind == "Semaphore" else "value=2/2"
    assert re.fullmatch(rf"<threading\.{kind} at {id(sem):#x}: {value}>", repr(sem))


@pytest.mark.parametrize("kind", KINDS)
def test_semaphores_can_be_subclassed(threading_impl: ModuleType, kind: str) -> None:
    class Counting(getattr(threading_impl, kind)):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(3)
            self.acquired = 0

        def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
            got = bool(super().acquire(blocking, timeout))
            self.acquired += got
            return got

    sem = Counting()
    with sem:  # the stdlib's __enter__ is the base class's acquire, not the override
        assert sem._value == 2
    assert sem.acquired == 0
    assert sem.acquire() is True
    assert sem.acquired == 1
    assert isinstance(sem, getattr(threading_impl, kind))


# --- recorded events ------------------------------------------------------------


def test_semaphore_never_has_more_than_n_holders(instrumented: ModuleType) -> None:
    sem = instrumented.Semaphore(2)
    obj = object_id(sem)
    go = instrumented.Barrier(5)

    def work() -> None:
        go.wait()
        for _ in range(50):
            with sem:
                pass

    workers = [Worker(instrumented, work) for _ in range(5)]
    for w in workers:
        w.result()
    holders = peak = 0
    for e in recorded(["lock.acquire", "lock.release"], obj):
        holders += 1 if e.kind == "lock.acquire" else -1
        peak = max(peak, holders)
        assert 0 <= holders <= 2
    assert holders == 0
    assert peak >= 1
    assert len(recorded(["lock.acquire"], obj)) == 250


def test_obj_new_carries_the_initial_value(instrumented: ModuleType) -> None:
    sem = instrumented.BoundedSemaphore(3)
    plain = instrumented.Semaphore()
    news = recorded(["obj.new"])
    assert [(e.obj, e.args["type"], e.args["value"]) for e in news] == [
        (object_id(sem), "BoundedSemaphore", 3), (object_id(plain), "Semaphore", 1)]


def test_blocked_semaphore_records_block_then_acquire(instrumented: ModuleType) -> None:
    sem = instrumented.Semaphore(1)
    obj = object_id(sem)
    sem.acquire()
    worker = Worker(instrumented, sem.acquire)
    wait_for_event("lock.block", obj, worker.ident)
    sem.release()
    assert worker.result() is True
    assert [e.kind for e in recorded(obj=obj) if e.who == worker.ident] == ["lock.block", "lock.acquire"]
    kinds = [e.kind for e in recorded(obj=obj)]
    assert kinds.index("lock.release") < len(kinds) - 1 and kinds[-1] == "lock.acquire"


def test_failed_and_refused_releases_record_correctly(instrumented: ModuleType) -> None:
    sem = instrumented.BoundedSemaphore(1)
    obj = object_id(sem)
    sem.acquire()
    assert sem.acquire(False) is False
    assert sem.acquire(timeout=0.001) is False
    with pytest.raises(ValueError):
        sem.release(2)
    sem.release()
    assert [(e.kind, e.args.get("blocking")) for e in recorded(obj=obj)][1:] == [
        ("lock.acquire", None), ("lock.fail", False), ("lock.block", None), ("lock.fail", True),
        ("lock.release", None)]


def test_release_n_records_n_releases(instrumented: ModuleType) -> None:
    sem = instrumented.Semaphore(0)
    sem.release(3)
    assert [e.kind for e in recorded(obj=object_id(sem))][1:] == ["lock.release"] * 3
