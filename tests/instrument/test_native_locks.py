"""The recorded Lock's native hot path (``concviz._record``) against its
pure-Python twin, and the recorder's bounded buffer."""

from __future__ import annotations

import _thread
import threading
import time
from collections.abc import Iterator
from time import sleep as _sleep  # the original: the helper below must record nothing

import msgspec
import pytest
from tests.instrument.helpers import Worker, recorded, wait_for_event, wait_until

from concviz import _record, instrument, recorder  # type: ignore[attr-defined]
from concviz.instrument import _support, locks


@pytest.fixture(params=[True, False], ids=["native", "python"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[bool]:
    monkeypatch.setattr(_support, "_names_used", {})
    monkeypatch.setattr(_support, "_type_counts", {})
    monkeypatch.setattr(locks, "native", locks.native)
    recorder._buffer.clear()
    instrument.install(native=request.param)
    try:
        yield request.param
    finally:
        instrument.uninstall()
        recorder._buffer.clear()


Trace = list[tuple[str, object, object]]


def _program() -> Trace:
    """A fixed single-threaded program touching every path of a Lock."""
    lock = threading.Lock()
    lock.acquire()
    lock.release()
    with lock:
        assert not lock.acquire(False)
        assert not lock.acquire(True, 0.001)
    assert lock.acquire(blocking=True)
    lock.release()
    with pytest.raises(RuntimeError):
        lock.release()
    with pytest.raises(ValueError):
        lock.acquire(False, 1)
    first = min(e.obj for e in recorded() if e.obj is not None)
    return [(e.kind, e.obj - first if e.obj is not None else None, e.args) for e in recorded()]


def _traces(monkeypatch: pytest.MonkeyPatch) -> tuple[Trace, Trace]:
    traces = []
    for native in (True, False):
        monkeypatch.setattr(_support, "_names_used", {})
        monkeypatch.setattr(_support, "_type_counts", {})
        recorder._buffer.clear()
        instrument.install(native=native)
        try:
            traces.append(_program())
        finally:
            instrument.uninstall()
    recorder._buffer.clear()
    return traces[0], traces[1]


def test_native_and_python_locks_record_identical_traces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locks, "native", locks.native)
    native, python = _traces(monkeypatch)
    assert [kind for kind, _, _ in native] == [
        "obj.new", "lock.acquire", "lock.release", "lock.acquire", "lock.fail", "lock.block", "lock.fail",
        "lock.release", "lock.acquire", "lock.release"]
    assert native == python


def test_install_picks_the_path(path: bool) -> None:
    lock = threading.Lock()
    assert isinstance(lock, locks.NativeLock) is path
    assert isinstance(lock, locks.Lock) is not path


def test_recorded_locks_pass_isinstance_against_the_real_types(path: bool) -> None:
    lock, rlock = threading.Lock(), threading.RLock()
    assert isinstance(lock, _thread.LockType)
    assert isinstance(rlock, type(_thread.RLock()))
    assert type(lock).__name__ == "lock" and type(lock).__module__ == "_thread"
    assert recorded(["lock.acquire"]) == []


def test_a_blocked_acquire_records_block_then_hold_after_the_release(path: bool) -> None:
    lock = threading.Lock()
    lock.acquire()
    waiter = Worker(threading, lambda: lock.acquire())
    block = wait_for_event("lock.block")
    lock.release()
    assert waiter.result() is True
    kinds = [(e.kind, e.who == block.who) for e in recorded(["lock.acquire", "lock.release", "lock.block"])]
    assert kinds == [("lock.acquire", False), ("lock.block", True), ("lock.release", False),
                     ("lock.acquire", True)]
    lock.release()


def test_many_threads_record_every_cycle_in_hold_order(path: bool) -> None:
    lock = threading.Lock()
    gate = threading.Barrier(4)

    def work() -> None:
        gate.wait()
        for _ in range(2000):
            with lock:
                pass

    workers = [Worker(threading, work) for _ in range(4)]
    for w in workers:
        w.result()
    events = recorded(["lock.acquire", "lock.release"])
    assert len(events) == 4 * 2000 * 2
    holder = None
    for e in events:  # in buffer order, a release is always by the holder and ends its hold
        if e.kind == "lock.acquire":
            assert holder is None
            holder = e.who
        else:
            assert holder == e.who
            holder = None


def test_a_full_sink_makes_the_appender_wait_until_the_writer_drains() -> None:
    sink = _record.Sink()
    sink.bound(10, 5)
    done = threading.Event()

    def produce() -> None:
        for i in range(11):
            sink.append((i, 0, "x", None, None))
        done.set()

    _thread.start_new_thread(produce, ())
    wait_until(lambda: sink.waits == 1, "the producer waits for the drain")
    assert not done.is_set() and len(sink) == 11
    taken = sink.take()
    assert done.wait(10)
    assert len(taken) == 11 and len(sink) == 0  # nothing dropped


def test_an_unbounded_sink_never_waits() -> None:
    sink = _record.Sink()
    for i in range(1000):
        sink.append((i, 0, "x", None, None))
    assert [e[0] for e in sink] == list(range(1000)) and sink.waits == 0
    with pytest.raises(ValueError, match="expected 0 <= low < high"):
        sink.bound(5, 5)


def test_the_writer_encodes_native_and_python_events_as_msgspec_would(path: bool) -> None:
    lock = threading.Lock()
    for _ in range(300):  # a run long enough to be encoded without the GIL
        with lock:
            recorder.append((recorder.ns(), recorder.ident(), "sleep.end", None, None))
    events = list(recorder._buffer)
    batch = recorder._sink.take()
    encode = msgspec.json.Encoder().encode
    lines = batch.encode(encode, 100, len(batch)).splitlines()
    assert lines == [encode(events[i : i + 100]) for i in range(0, len(events), 100)]
    assert len(lines) == 10  # obj.new + 900 events
    assert batch.encode(encode, 100, 3) == encode(events[:3]) + b"\n"
    assert tuple(batch.where(5)) == events[5][:2]


def test_the_exempt_thread_never_waits_on_a_full_sink() -> None:
    sink = _record.Sink()
    sink.bound(10, 5)
    sink.exempt(_thread.get_ident())
    for i in range(100):  # the writer recording (a repr in its encoder) must not wait for itself
        sink.append((i, 0, "x", None, None))
    assert len(sink) == 100 and sink.waits == 0


def test_native_lock_times_agree_with_the_programs_clock(path: bool) -> None:
    """Where the native Lock reads the CPU's time-stamp counter (recorder.TSC),
    its events' times are the clock's: each between the times of the events
    recorded with time.perf_counter_ns just before and after it, across
    several batches (each take() starts the counter's conversion afresh)."""
    lock = threading.Lock()
    ident = recorder.ident()
    encode = msgspec.json.Encoder().encode
    lines: list[bytes] = []
    recorder._sink.take()  # a batch begins here
    for _ in range(5):
        for _ in range(500):
            recorder.append((recorder.ns(), ident, "sleep.end", None, None))
            with lock:
                pass
        recorder.append((recorder.ns(), ident, "sleep.end", None, None))
        batch = recorder._sink.take()
        lines += batch.encode(encode, 2048, len(batch)).splitlines()
    events = [e for line in lines for e in msgspec.json.decode(line)]
    kinds = [e[2] for e in events]
    assert kinds.count("lock.acquire") == 2500 and kinds.count("lock.release") == 2500
    slack = 2_000  # ns: the counter's conversion, and the clock's own reading time
    last_clock = None
    for i, (t, _, kind, _, _) in enumerate(events):
        if kind == "sleep.end":
            last_clock = t
            continue
        if last_clock is None:
            continue  # obj.new, before the first reading of the clock
        following = next(e[0] for e in events[i:] if e[2] == "sleep.end")
        assert last_clock - slack <= t <= following + slack, (i, last_clock, t, following)


@pytest.mark.parametrize("operation", ["acquire", "with", "release"])
def test_a_wait_for_the_writer_never_happens_with_the_lock_held(path: bool, operation: str) -> None:
    """A full buffer makes the recording thread wait for the writer, the GIL
    released: a thread switch. It must not come while the lock is held (other
    threads would find it taken, and sleep in it, where the program would
    not have switched): the native acquire waits before taking the lock, a
    release after letting it go, and the Python path's events recorded with
    the lock held never wait (but far beyond the bound)."""
    lock = threading.Lock()
    if operation == "release":
        lock.acquire()
    seen: list[bool] = []
    stop, finished = _thread.allocate_lock(), _thread.allocate_lock()
    finished.acquire()

    def drain_when_waited_for() -> None:
        # The writer's part (a raw thread that never waits itself): while the
        # recording thread waits for room, look at the lock, then make room.
        recorder._sink.exempt(_thread.get_ident())
        deadline = time.monotonic() + 2
        while not stop.locked() and time.monotonic() < deadline:
            if recorder._sink.waits > waits_before:  # the recording thread has begun to wait
                seen.append(lock.locked())
                recorder._sink.take()
                break
            _sleep(0.001)
        finished.release()

    for _ in range(20):  # above the bound below
        recorder.append_nowait((recorder.ns(), recorder.ident(), "sleep.end", None, None))
    waits_before = recorder._sink.waits
    recorder._sink.bound(8, 4)
    _thread.start_new_thread(drain_when_waited_for, ())
    try:
        if operation == "acquire":
            lock.acquire()
        elif operation == "with":
            lock.__enter__()
        else:
            lock.release()
    finally:
        recorder._sink.bound(0, 0)
        stop.acquire()
        finished.acquire()
        recorder._sink.exempt(0)
    assert True not in seen, "a wait for the writer came with the lock held"
    if path and operation != "release":
        assert seen == [False], "the native acquire waits for room before it takes the lock"
    if lock.locked():
        lock.release()
