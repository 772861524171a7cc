"""What every primitive shares: names from the source, library objects left
alone, no trace of concviz itself, failing hooks, and uninstall."""

from __future__ import annotations

import builtins
import io
import os
import queue
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import pytest

import concviz
from concviz import instrument, recorder
from concviz.instrument import _support

from .helpers import object_id, recorded


def _names() -> dict[int | None, str]:
    return {e.obj: e.args["name"] for e in recorded(["obj.new"])}


LockG: Any = None


def test_names_come_from_the_source(instrumented: ModuleType) -> None:
    global LockG
    LockA = instrumented.Lock()
    gate = instrumented.Event()

    class Account:
        def __init__(self) -> None:
            self.lock = instrumented.RLock()
            self.ready = instrumented.Condition(self.lock)
            self.slots = instrumented.Semaphore(2)

    account = Account()
    unnamed = [instrumented.Lock(), instrumented.Lock()]
    LockG = instrumented.Lock()
    names = _names()
    assert names[object_id(LockA)] == "LockA"
    assert names[object_id(gate)] == "gate"
    assert names[object_id(account.lock)] == "lock"
    assert names[object_id(account.ready)] == "ready"
    assert names[object_id(account.slots)] == "slots"
    assert [names[object_id(u)] for u in unnamed] == ["Lock-1", "Lock-2"]
    assert names[object_id(LockG)] == "LockG"


def test_repeated_names_are_made_unique(instrumented: ModuleType) -> None:
    locks = []
    for _ in range(3):
        lock = instrumented.Lock()
        locks.append(lock)
    names = _names()
    assert [names[object_id(lock)] for lock in locks] == ["lock", "lock#2", "lock#3"]


def test_subclass_instances_are_named_where_the_program_makes_them(instrumented: ModuleType) -> None:
    class MyEvent(instrumented.Event):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__()

    started = MyEvent()
    [new] = recorded(["obj.new"])
    assert (new.obj, new.args["type"], new.args["name"], new.args["file"]) == (
        object_id(started), "Event", "started", __file__)
    assert new.args["line"] == sys._getframe().f_lineno - 4


def test_obj_new_records_place_and_links_a_condition_to_its_lock(instrumented: ModuleType) -> None:
    lock = instrumented.Lock(); line = sys._getframe().f_lineno  # noqa: E702
    cond = instrumented.Condition(lock)
    news = {e.obj: e.args for e in recorded(["obj.new"])}
    assert news[object_id(lock)] == {
        "type": "Lock", "name": "lock", "value": None, "lock": None, "file": __file__, "line": line}
    assert news[object_id(cond)]["lock"] == object_id(lock)
    assert news[object_id(cond)]["line"] == line + 1


def test_objects_made_by_library_code_stay_original_and_record_nothing(instrumented: ModuleType) -> None:
    q: queue.Queue[int] = queue.Queue()
    q.put(1)
    assert q.get() == 1
    assert type(q.mutex) is type(threading._allocate_lock())  # type: ignore[attr-defined]
    assert not hasattr(q.not_empty, "_cv_id")
    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(abs, [-1, -2])) == [1, 2]
    # The queue itself is the program's (recorded); its mutex and conditions are not.
    # The executor is the program's too, a pool whose calls are recorded; its
    # work queue, locks and conditions are not.
    pools = [e.obj for e in recorded(["obj.new"]) if e.args["type"] == "ThreadPoolExecutor"]
    assert len(pools) == 1
    ours = (object_id(q), *pools)
    others = [e for e in recorded() if not e.kind.startswith(("thread.", "pool.")) and e.obj not in ours]
    assert others == []
    assert [e.kind for e in recorded(obj=object_id(q))] == ["obj.new", "queue.put", "queue.get"]
    assert sorted(e.kind for e in recorded() if e.kind.startswith("pool.")) == [
        "pool.done", "pool.done", "pool.result", "pool.result", "pool.submit", "pool.submit", "pool.task", "pool.task"]
    # The pool's threads are lanes like any other (by design).
    assert recorded(["thread.new"])


def test_internals_never_appear(instrumented: ModuleType) -> None:
    package = os.path.dirname(concviz.__file__)
    cond = instrumented.Condition()
    sem = instrumented.BoundedSemaphore(1)
    event = instrumented.Event()
    barrier = instrumented.Barrier(1)
    thread = instrumented.Thread(target=lambda: (event.wait(0.001), barrier.wait()))
    thread.start()
    with cond:
        cond.wait(0.001)
    with sem:
        time.sleep(0)
    thread.join()
    created = {object_id(o) for o in (cond, sem, event, barrier)} | {_names_inverse()["cond.lock"]}
    assert {e.obj for e in recorded(["obj.new"])} == created
    for e in recorded():
        file = e.args.get("file")
        if file is not None:
            assert not file.startswith(package), e
            assert file == __file__, e


def _names_inverse() -> dict[str, int | None]:
    return {name: obj for obj, name in _names().items()}


def test_a_failing_naming_hook_is_switched_off_and_objects_still_work(
    instrumented: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_support, "_naming_on", True)
    monkeypatch.setattr(_support, "_reported", set())
    reports = io.StringIO()
    monkeypatch.setattr(sys, "__stderr__", reports)

    class Namespace(dict[str, Any]):
        get = None  # type: ignore[assignment]  # the naming hook looks names up with .get

    class Meta(type):
        @classmethod
        def __prepare__(mcs, name: str, bases: tuple[type, ...], /, **kw: Any) -> Any:
            return Namespace()

    class Holder(metaclass=Meta):
        event = instrumented.Event()
        sem = instrumented.Semaphore(1)

    Holder.event.set()
    assert Holder.event.wait(0) is True
    with Holder.sem:
        pass
    assert _support._naming_on is False
    assert reports.getvalue().startswith(
        "concviz: instrumentation of naming objects failed and was switched off: ")
    assert reports.getvalue().count("\n") == 1
    assert [e.args["name"] for e in recorded(["obj.new"])] == ["Event-1", "Semaphore-1"]


@pytest.fixture
def pristine() -> Iterator[dict[str, Any]]:
    saved = {name: getattr(threading, name) for name in
             ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Event", "Condition", "Barrier")}
    saved |= {f"Thread.{name}": vars(threading.Thread)[name]
              for name in ("__init__", "start", "_bootstrap_inner", "join")}
    saved |= {"sleep": time.sleep, "print": builtins.print}
    yield saved


def test_uninstall_restores_every_original(pristine: dict[str, Any]) -> None:
    instrument.install()
    try:
        assert threading.Lock is not pristine["Lock"]
        assert time.sleep is not pristine["sleep"]
        assert builtins.print is not pristine["print"]
    finally:
        instrument.uninstall()
        recorder._buffer.clear()
    now = {name: getattr(threading, name) for name in
           ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Event", "Condition", "Barrier")}
    now |= {f"Thread.{name}": vars(threading.Thread)[name]
            for name in ("__init__", "start", "_bootstrap_inner", "join")}
    now |= {"sleep": time.sleep, "print": builtins.print}
    assert now == pristine
    assert sys.gettrace() is None


def test_install_with_lines_and_uninstall(pristine: dict[str, Any]) -> None:
    def traced() -> int:
        x = 1
        return x + 1

    instrument.install(record_lines=True)
    try:
        assert traced() == 2
    finally:
        instrument.uninstall()
    lines = [e.args["line"] for e in recorded(["line"]) if e.args["file"] == __file__]
    recorder._buffer.clear()
    start = traced.__code__.co_firstlineno
    assert lines[:2] == [start + 1, start + 2]
    assert sys.gettrace() is None
    assert threading.gettrace() is None


def test_the_writer_encodes_line_events_as_msgspec_would(pristine: dict[str, Any]) -> None:
    """Source lines are compact entries (their args' JSON copied by the
    writer in C): the wire must be msgspec's encoding of the events they
    stand for, as the buffer gives them back."""
    import msgspec

    def traced(n: int) -> int:
        total = 0
        for i in range(n):
            total += i
        return total

    recorder._sink.take()  # a batch that begins here
    instrument.install(record_lines=True)
    try:
        assert traced(3) == 3
    finally:
        instrument.uninstall()
    events = list(recorder._buffer)
    start = traced.__code__.co_firstlineno
    mine = [e for e in events if e[2] == "line" and msgspec.json.decode(e[4])["file"] == __file__]
    assert [msgspec.json.decode(e[4])["line"] for e in mine][:3] == [start + 1, start + 2, start + 3]
    batch = recorder._sink.take()
    encode = msgspec.json.Encoder().encode
    assert batch.encode(encode, 2048, len(batch)) == encode(events) + b"\n"


@pytest.mark.parametrize("kind", ["Semaphore", "BoundedSemaphore", "Event", "Condition", "Barrier"])
def test_python_level_primitives_cannot_be_pickled(threading_impl: ModuleType, kind: str) -> None:
    import pickle

    thing = threading_impl.Barrier(2) if kind == "Barrier" else getattr(threading_impl, kind)()
    # The stdlib raises TypeError (from the lock inside); while concviz is
    # installed, the pickler finds threading.Condition replaced and raises
    # PicklingError first. Either way: not picklable.
    with pytest.raises((TypeError, pickle.PicklingError)):
        pickle.dumps(thing)
