"""Lock and RLock: drop-in behaviour (stdlib vs concviz) and recorded events."""

from __future__ import annotations

import copy
import pickle
import re
from types import ModuleType

import pytest

from .helpers import Worker, check_sequence_matches, clock, object_id, recorded, wait_for_event

# --- drop-in behaviour ----------------------------------------------------------


def test_concviz_variant_really_is_instrumented(
    threading_impl: ModuleType, request: pytest.FixtureRequest
) -> None:
    instrumented = request.node.callspec.params["threading_impl"] in ("concviz", "controlled")
    for make in (threading_impl.Lock, threading_impl.RLock, threading_impl.Semaphore, threading_impl.Event,
                 threading_impl.Condition, lambda: threading_impl.Barrier(1)):
        assert hasattr(make(), "_cv_id") is instrumented


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_acquire_release_and_context_manager(threading_impl: ModuleType, kind: str) -> None:
    lock = getattr(threading_impl, kind)()
    assert lock.acquire() is True
    lock.release()
    assert lock.acquire(blocking=True, timeout=1) is True
    lock.release()
    assert lock.acquire(False) is True
    lock.release()
    with lock as entered:
        assert entered is True
    lock.acquire()
    assert lock.__exit__(None, None, None) is None
    assert lock.acquire(False) is True


def test_lock_locked_and_non_blocking_acquire(threading_impl: ModuleType) -> None:
    lock = threading_impl.Lock()
    assert lock.locked() is False
    lock.acquire()
    assert lock.locked() is True
    assert lock.acquire(False) is False
    assert lock.acquire(blocking=False) is False
    assert Worker(threading_impl, lock.acquire, False).result() is False
    lock.release()
    assert lock.locked() is False


def test_lock_aliases(threading_impl: ModuleType) -> None:
    lock = threading_impl.Lock()
    assert lock.acquire_lock() is True
    assert lock.locked_lock() is True
    lock.release_lock()
    assert lock.locked() is False


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_acquire_times_out_after_roughly_the_timeout(threading_impl: ModuleType, kind: str) -> None:
    lock = getattr(threading_impl, kind)()
    lock.acquire()

    def try_it() -> tuple[bool, float]:
        start = clock()
        got = lock.acquire(timeout=0.05)
        return got, clock() - start

    got, elapsed = Worker(threading_impl, try_it).result()
    assert got is False
    assert 0.045 <= elapsed < 2.0
    assert Worker(threading_impl, lock.acquire, True, 0).result() is False
    lock.release()


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_blocked_acquire_gets_the_lock_once_released(threading_impl: ModuleType, kind: str) -> None:
    lock = getattr(threading_impl, kind)()
    lock.acquire()
    started = threading_impl.Event()

    def take() -> bool:
        started.set()
        got = lock.acquire()
        lock.release()
        return bool(got)

    worker = Worker(threading_impl, take)
    started.wait()
    lock.release()
    assert worker.result() is True


BAD_ACQUIRES = [
    ((False, 5), {}),
    ((), {"blocking": False, "timeout": 0}),
    ((True, -5), {}),
    ((), {"timeout": -0.5}),
    ((True, None), {}),
    ((True, float("nan")), {}),
    ((True, 1e300), {}),
    ((True, "1"), {}),
    ((), {"bogus": 1}),
    ((True, 1, 2), {}),
]


def _outcome(call: object, *args: object, **kwargs: object) -> tuple[str, str]:
    try:
        return "returned", repr(call(*args, **kwargs))  # type: ignore[operator]
    except Exception as error:
        return type(error).__name__, str(error)


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
@pytest.mark.parametrize(("args", "kwargs"), BAD_ACQUIRES, ids=repr)
def test_invalid_acquire_arguments_raise_like_the_stdlib(
    threading_impl: ModuleType, kind: str, args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    import threading as stdlib_threading

    expected = _outcome(getattr(stdlib_threading, kind)().acquire, *args, **kwargs)
    assert expected[0] != "returned"
    lock = getattr(threading_impl, kind)()
    assert _outcome(lock.acquire, *args, **kwargs) == expected
    # The failed call left the lock as it was.
    assert lock.acquire(False) is True


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_acquire_with_large_valid_timeout_on_free_lock(threading_impl: ModuleType, kind: str) -> None:
    lock = getattr(threading_impl, kind)()
    assert lock.acquire(True, 1e6) is True
    lock.release()


def test_releasing_an_unlocked_lock_raises(threading_impl: ModuleType) -> None:
    lock = threading_impl.Lock()
    with pytest.raises(RuntimeError, match=r"^release unlocked lock$"):
        lock.release()
    with pytest.raises(RuntimeError, match=r"^release unlocked lock$"):
        lock.__exit__(None, None, None)


def test_a_lock_can_be_released_by_another_thread(threading_impl: ModuleType) -> None:
    lock = threading_impl.Lock()
    lock.acquire()
    Worker(threading_impl, lock.release).result()
    assert not lock.locked()


def test_rlock_recursion(threading_impl: ModuleType) -> None:
    lock = threading_impl.RLock()
    with lock:
        with lock:
            assert lock.acquire(False) is True
            assert lock._recursion_count() == 3
            assert lock._is_owned()
            assert Worker(threading_impl, lock.acquire, False).result() is False
            lock.release()
        assert lock._recursion_count() == 1
        assert Worker(threading_impl, lock.acquire, False).result() is False
    assert lock._recursion_count() == 0
    assert not lock._is_owned()
    assert Worker(threading_impl, lock.acquire, False).result() is True  # and that thread keeps it


def test_rlock_recursion_goes_deep(threading_impl: ModuleType) -> None:
    lock = threading_impl.RLock()
    for _ in range(200):
        assert lock.acquire() is True
    assert lock._recursion_count() == 200
    for _ in range(200):
        lock.release()
    assert not lock._is_owned()


def test_rlock_release_errors(threading_impl: ModuleType) -> None:
    lock = threading_impl.RLock()
    with pytest.raises(RuntimeError, match=r"^cannot release un-acquired lock$"):
        lock.release()
    lock.acquire()
    with pytest.raises(RuntimeError, match=r"^cannot release un-acquired lock$"):
        Worker(threading_impl, lock.release).result()
    lock.release()
    with pytest.raises(RuntimeError, match=r"^cannot release un-acquired lock$"):
        lock.__exit__(None, None, None)


def test_rlock_arguments_are_treated_like_the_stdlib(threading_impl: ModuleType) -> None:
    import threading as stdlib_threading

    for args, kwargs in [((1,), {}), ((), {"x": 1})]:
        expected = _outcome(stdlib_threading.RLock, *args, **kwargs)
        got = _outcome(threading_impl.RLock, *args, **kwargs)
        assert got[0] == expected[0]


def test_lock_takes_no_arguments(threading_impl: ModuleType) -> None:
    with pytest.raises(TypeError):
        threading_impl.Lock(1)


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_repr_has_the_stdlib_shape(threading_impl: ModuleType, kind: str) -> None:
    lock = getattr(threading_impl, kind)()
    name = {"Lock": "lock", "RLock": "RLock"}[kind]
    address = f"at {id(lock):#x}"
    assert re.fullmatch(rf"<unlocked _thread\.{name} object (owner=0 count=0 )?{address}>", repr(lock))
    lock.acquire()
    assert repr(lock).startswith("<locked ")
    assert repr(lock).endswith(f"{address}>")
    lock.release()


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_locks_cannot_be_pickled_or_copied(threading_impl: ModuleType, kind: str) -> None:
    lock = getattr(threading_impl, kind)()
    name = {"Lock": "lock", "RLock": "RLock"}[kind]
    for attempt in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(TypeError, match=f"^cannot pickle '_thread.{name}' object$"):
            attempt(lock)


def test_lock_classes_cannot_be_subclassed(threading_impl: ModuleType) -> None:
    with pytest.raises(TypeError):
        class MyLock(threading_impl.Lock):  # type: ignore[name-defined]
            pass


def test_locks_are_weak_referenceable(threading_impl: ModuleType) -> None:
    import weakref

    for lock in (threading_impl.Lock(), threading_impl.RLock()):
        assert weakref.ref(lock)() is lock


# --- recorded events ------------------------------------------------------------


def _kinds(obj: int) -> list[tuple[str, int]]:
    return [(e.kind, e.who) for e in recorded(obj=obj) if e.kind != "obj.new"]


def test_blocked_acquire_records_wait_then_hold(instrumented: ModuleType) -> None:
    import threading

    me = threading.get_ident()
    lock = instrumented.Lock()
    obj = object_id(lock)
    lock.acquire()
    worker = Worker(instrumented, lambda: (lock.acquire(), lock.release()))
    block = wait_for_event("lock.block", obj, worker.ident)
    lock.release()
    worker.result()
    check_sequence_matches(_kinds(obj), [
        ("lock.acquire", me),
        ("lock.block", worker.ident),
        ("lock.release", me),
        ("lock.acquire", worker.ident),
        ("lock.release", worker.ident),
    ])
    assert block.args["timeout"] is None
    assert block.args["file"] == __file__
    assert isinstance(block.args["line"], int)


def test_timed_out_acquire_records_block_then_fail(instrumented: ModuleType) -> None:
    lock = instrumented.Lock()
    obj = object_id(lock)
    lock.acquire()
    worker = Worker(instrumented, lock.acquire, True, 0.01)
    assert worker.result() is False
    events = [e for e in recorded(obj=obj) if e.who == worker.ident]
    assert [e.kind for e in events] == ["lock.block", "lock.fail"]
    assert events[0].args["timeout"] == 0.01
    assert events[1].args == {"blocking": True}


def test_non_blocking_failure_records_fail(instrumented: ModuleType) -> None:
    import threading

    me = threading.get_ident()
    for lock in (instrumented.Lock(), instrumented.RLock()):
        obj = object_id(lock)
        Worker(instrumented, lock.acquire).result()
        assert lock.acquire(False) is False
        fails = recorded(["lock.fail"], obj)
        assert fails == [fails[0]._replace(args={"blocking": False}, who=me)]
        assert not recorded(["lock.block"], obj)


def test_invalid_arguments_record_nothing(instrumented: ModuleType) -> None:
    lock = instrumented.Lock()
    obj = object_id(lock)
    with pytest.raises(ValueError):
        lock.acquire(False, 5)
    assert _kinds(obj) == []


def test_releasing_an_unlocked_lock_records_nothing(instrumented: ModuleType) -> None:
    lock = instrumented.Lock()
    with pytest.raises(RuntimeError):
        lock.release()
    assert _kinds(object_id(lock)) == []


def test_rlock_records_depth(instrumented: ModuleType) -> None:
    lock = instrumented.RLock()
    obj = object_id(lock)
    with lock, lock:
        pass
    assert [(e.kind, e.args["depth"]) for e in recorded(obj=obj) if e.kind != "obj.new"] == [
        ("lock.acquire", 1), ("lock.acquire", 2), ("lock.release", 1), ("lock.release", 0)]


def test_rlock_records_depth_past_the_precomputed_ones(instrumented: ModuleType) -> None:
    lock = instrumented.RLock()
    obj = object_id(lock)
    for _ in range(70):
        lock.acquire()
    for _ in range(70):
        lock.release()
    depths = [e.args["depth"] for e in recorded(obj=obj) if e.kind != "obj.new"]
    assert depths == list(range(1, 71)) + list(range(69, -1, -1))


def test_rlock_release_by_non_owner_records_nothing(instrumented: ModuleType) -> None:
    lock = instrumented.RLock()
    obj = object_id(lock)
    lock.acquire()
    with pytest.raises(RuntimeError):
        Worker(instrumented, lock.release).result()
    lock.release()
    assert [e.kind for e in recorded(obj=obj)] == ["obj.new", "lock.acquire", "lock.release"]


def test_blocked_rlock_acquire_records_depth_one(instrumented: ModuleType) -> None:
    lock = instrumented.RLock()
    obj = object_id(lock)
    lock.acquire()
    lock.acquire()
    worker = Worker(instrumented, lambda: (lock.acquire(), lock.release()))
    wait_for_event("lock.block", obj, worker.ident)
    lock.release()
    lock.release()
    worker.result()
    mine = [(e.kind, e.args.get("depth")) for e in recorded(obj=obj) if e.who == worker.ident]
    assert mine == [("lock.block", None), ("lock.acquire", 1), ("lock.release", 0)]
