"""Barrier: drop-in behaviour and recorded wait / pass / broken."""

from __future__ import annotations

import re
import time
from types import ModuleType

import pytest

from .helpers import Worker, check_sequence_matches, object_id, recorded, wait_until


def test_parties_and_indices(threading_impl: ModuleType) -> None:
    barrier = threading_impl.Barrier(3)
    assert (barrier.parties, barrier.n_waiting, barrier.broken) == (3, 0, False)
    workers = [Worker(threading_impl, barrier.wait) for _ in range(2)]
    wait_until(lambda: barrier.n_waiting == 2, "two threads wait at the barrier")
    mine = barrier.wait()
    assert sorted([mine] + [w.result() for w in workers]) == [0, 1, 2]
    assert barrier.n_waiting == 0
    # A barrier can be used again.
    worker = Worker(threading_impl, barrier.wait)
    other = Worker(threading_impl, barrier.wait)
    assert sorted([barrier.wait(), worker.result(), other.result()]) == [0, 1, 2]


def test_action_runs_once_per_trip(threading_impl: ModuleType) -> None:
    calls = []
    barrier = threading_impl.Barrier(2, action=lambda: calls.append(1))
    worker = Worker(threading_impl, barrier.wait)
    barrier.wait()
    worker.result()
    assert calls == [1]


def test_failing_action_breaks_the_barrier(threading_impl: ModuleType) -> None:
    def action() -> None:
        raise KeyError("boom")

    barrier = threading_impl.Barrier(1, action=action)
    with pytest.raises(KeyError):
        barrier.wait()
    assert barrier.broken
    with pytest.raises(threading_impl.BrokenBarrierError):
        barrier.wait()


def test_timeout_breaks_the_barrier(threading_impl: ModuleType) -> None:
    barrier = threading_impl.Barrier(2)
    start = time.monotonic()
    with pytest.raises(threading_impl.BrokenBarrierError):
        barrier.wait(0.05)
    assert 0.045 <= time.monotonic() - start < 2.0
    assert barrier.broken
    barrier = threading_impl.Barrier(2, timeout=0.05)
    with pytest.raises(threading_impl.BrokenBarrierError):
        barrier.wait()


def test_abort_and_reset(threading_impl: ModuleType) -> None:
    barrier = threading_impl.Barrier(2)
    worker = Worker(threading_impl, barrier.wait)
    wait_until(lambda: barrier.n_waiting == 1, "a thread waits at the barrier")
    barrier.abort()
    with pytest.raises(threading_impl.BrokenBarrierError):
        worker.result()
    assert barrier.broken
    barrier.reset()
    assert not barrier.broken
    worker = Worker(threading_impl, barrier.wait)
    wait_until(lambda: barrier.n_waiting == 1, "a thread waits at the barrier")
    barrier.reset()  # the waiter is released with BrokenBarrierError; the barrier works on
    with pytest.raises(threading_impl.BrokenBarrierError):
        worker.result()
    worker = Worker(threading_impl, barrier.wait)
    assert sorted([barrier.wait(), worker.result()]) == [0, 1]


def test_parties_are_required(threading_impl: ModuleType) -> None:
    with pytest.raises(TypeError):
        threading_impl.Barrier()


def test_repr_has_the_stdlib_shape(threading_impl: ModuleType) -> None:
    barrier = threading_impl.Barrier(2)
    assert re.fullmatch(rf"<threading\.Barrier at {id(barrier):#x}: waiters=0/2>", repr(barrier))
    barrier.abort()
    assert repr(barrier).endswith(": broken>")


def test_barriers_can_be_subclassed(threading_impl: ModuleType) -> None:
    class Gate(threading_impl.Barrier):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__(2)

    gate = Gate()
    worker = Worker(threading_impl, gate.wait)
    assert sorted([gate.wait(), worker.result()]) == [0, 1]


# --- recorded events ------------------------------------------------------------


def test_trip_records_every_wait_before_any_pass(instrumented: ModuleType) -> None:
    import threading

    me = threading.get_ident()
    barrier = instrumented.Barrier(3)
    obj = object_id(barrier)
    workers = [Worker(instrumented, barrier.wait) for _ in range(2)]
    wait_until(lambda: barrier.n_waiting == 2, "two threads wait at the barrier")
    barrier.wait()
    ids = {w.ident for w in workers} | {me}
    for w in workers:
        w.result()
    events = recorded(obj=obj)
    check_sequence_matches([(e.kind, e.who) for e in events], [
        ("obj.new", me),
        {("barrier.wait", who) for who in ids},
        {("barrier.pass", who) for who in ids},
    ])
    assert events[0].args["value"] == 3
    assert sorted(e.args["index"] for e in events if e.kind == "barrier.pass") == [0, 1, 2]


def test_broken_barrier_records_broken(instrumented: ModuleType) -> None:
    barrier = instrumented.Barrier(2)
    with pytest.raises(instrumented.BrokenBarrierError):
        barrier.wait(0.001)
    assert [(e.kind, e.args.get("timeout")) for e in recorded(obj=object_id(barrier))][1:] == [
        ("barrier.wait", 0.001), ("barrier.broken", None)]
