"""Event: drop-in behaviour and recorded set / clear / wait / wake."""

from __future__ import annotations

import re
from types import ModuleType

from .helpers import Worker, check_sequence_matches, clock, object_id, recorded, wait_for_event


def test_set_clear_is_set(threading_impl: ModuleType) -> None:
    event = threading_impl.Event()
    assert event.is_set() is False
    assert event.set() is None
    assert event.is_set() is True
    event.set()
    assert event.clear() is None
    assert event.is_set() is False


def test_wait_returns_the_flag(threading_impl: ModuleType) -> None:
    event = threading_impl.Event()
    start = clock()
    assert event.wait(0.05) is False
    assert 0.045 <= clock() - start < 2.0
    assert event.wait(0) is False
    assert event.wait(-1) is False
    event.set()
    assert event.wait() is True
    assert event.wait(0) is True


def test_wait_wakes_when_set_from_another_thread(threading_impl: ModuleType) -> None:
    event = threading_impl.Event()
    started = threading_impl.Event()

    def wait() -> bool:
        started.set()
        return bool(event.wait(30))

    worker = Worker(threading_impl, wait)
    started.wait()
    event.set()
    assert worker.result() is True


def test_repr_has_the_stdlib_shape(threading_impl: ModuleType) -> None:
    event = threading_impl.Event()
    assert re.fullmatch(rf"<threading\.Event at {id(event):#x}: unset>", repr(event))
    event.set()
    assert repr(event).endswith(": set>")


def test_events_can_be_subclassed(threading_impl: ModuleType) -> None:
    class MyEvent(threading_impl.Event):  # type: ignore[name-defined]
        def __init__(self, label: str) -> None:
            super().__init__()
            self.label = label
            self.sets = 0

        def set(self) -> None:
            self.sets += 1
            super().set()

    event = MyEvent("go")
    worker = Worker(threading_impl, event.wait, 30)
    event.set()
    assert worker.result() is True
    assert (event.label, event.sets, event.is_set()) == ("go", 1, True)
    assert isinstance(event, threading_impl.Event)


def test_event_takes_no_arguments(threading_impl: ModuleType) -> None:
    import pytest

    with pytest.raises(TypeError):
        threading_impl.Event(True)


# --- recorded events ------------------------------------------------------------


def test_wait_then_set_records_wait_set_wake(instrumented: ModuleType) -> None:
    import threading

    me = threading.get_ident()
    event = instrumented.Event()
    obj = object_id(event)
    worker = Worker(instrumented, event.wait)
    wait_for_event("event.wait", obj, worker.ident)
    event.set()
    assert worker.result() is True
    check_sequence_matches([(e.kind, e.who) for e in recorded(obj=obj)], [
        ("obj.new", me), ("event.wait", worker.ident), ("event.set", me), ("event.wake", worker.ident)])
    assert recorded(["event.wake"], obj)[0].args == {"flag": True}


def test_wait_on_a_set_event_records_nothing(instrumented: ModuleType) -> None:
    event = instrumented.Event()
    event.set()
    event.wait()
    event.clear()
    assert [e.kind for e in recorded(obj=object_id(event))] == ["obj.new", "event.set", "event.clear"]


def test_timed_out_wait_records_wake_with_false_flag(instrumented: ModuleType) -> None:
    event = instrumented.Event()
    event.wait(0.001)
    events = recorded(obj=object_id(event))[1:]
    assert [(e.kind, e.args.get("flag"), e.args.get("timeout")) for e in events] == [
        ("event.wait", None, 0.001), ("event.wake", False, None)]
