"""Queues: drop-in behaviour against the standard library, and recorded
put / get / block / wake / fail / task_done / join."""

from __future__ import annotations

import gc
import queue
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import pytest

from concviz.instrument import queues as recorded_queues

from .helpers import Worker, check_sequence_matches, object_id, recorded, wait_for_event

LOCKED = ["Queue", "LifoQueue", "PriorityQueue"]
ALL = [*LOCKED, "SimpleQueue"]


@pytest.fixture
def queue_impl(threading_impl: ModuleType) -> Iterator[ModuleType]:
    """The ``queue`` module: the standard library's, or with concviz installed
    (``threading_impl`` decides which)."""
    yield queue


def make(queue_impl: ModuleType, kind: str, maxsize: int = 0) -> Any:
    cls = getattr(queue_impl, kind)
    return cls() if kind == "SimpleQueue" else cls(maxsize)


# --- behaviour: the standard library is the reference ------------------------------


@pytest.mark.parametrize(("kind", "order"), [
    ("Queue", [3, 1, 2]), ("LifoQueue", [2, 1, 3]), ("PriorityQueue", [1, 2, 3]), ("SimpleQueue", [3, 1, 2])])
def test_items_come_out_in_the_kinds_order(queue_impl: ModuleType, kind: str, order: list[int]) -> None:
    q = make(queue_impl, kind)
    for item in (3, 1, 2):
        assert q.put(item) is None
    assert q.qsize() == 3
    assert [q.get() for _ in range(3)] == order
    assert q.empty() is True


@pytest.mark.skipif(not hasattr(queue, "ShutDown"), reason="Queue.shutdown() is new in 3.13")
@pytest.mark.parametrize("kind", LOCKED)
@pytest.mark.parametrize("immediate", [False, True])
def test_shutdown_wakes_the_blocked_and_refuses_the_rest(queue_impl: ModuleType, threading_impl: ModuleType,
                                                          kind: str, immediate: bool) -> None:
    empty, full = make(queue_impl, kind, maxsize=1), make(queue_impl, kind, maxsize=1)
    full.put(0)
    getter = Worker(threading_impl, empty.get)
    putter = Worker(threading_impl, full.put, 1)
    deadline = time.monotonic() + 10
    while not (empty.not_empty._waiters and full.not_full._waiters) and time.monotonic() < deadline:
        time.sleep(0.001)
    empty.shutdown(immediate)
    full.shutdown(immediate)
    for blocked in (getter, putter):
        with pytest.raises(queue_impl.ShutDown):
            blocked.result()
    with pytest.raises(queue_impl.ShutDown):
        empty.put(2)
    with pytest.raises(queue_impl.ShutDown):
        empty.get_nowait()  # not Empty: an empty shut-down queue is done
    if not immediate:
        assert full.get_nowait() == 0  # what was in a queue shut down gently can still be taken
    with pytest.raises(queue_impl.ShutDown):
        full.get(timeout=1)


@pytest.mark.parametrize("kind", ALL)
def test_nowait_raises_full_and_empty(queue_impl: ModuleType, kind: str) -> None:
    q = make(queue_impl, kind, maxsize=1)
    with pytest.raises(queue_impl.Empty):
        q.get_nowait()
    with pytest.raises(queue_impl.Empty):
        q.get(False)
    q.put_nowait("a")
    if kind != "SimpleQueue":
        assert q.full() is True
        with pytest.raises(queue_impl.Full):
            q.put_nowait("b")
        with pytest.raises(queue_impl.Full):
            q.put("b", block=False, timeout=-1)  # the timeout is ignored when not blocking
        assert q.qsize() == 1
    assert q.get_nowait() == "a"
    assert q.empty() is True


@pytest.mark.parametrize("kind", ALL)
def test_get_times_out_with_empty(queue_impl: ModuleType, kind: str) -> None:
    q = make(queue_impl, kind)
    start = time.monotonic()
    with pytest.raises(queue_impl.Empty):
        q.get(timeout=0.05)
    assert 0.045 <= time.monotonic() - start < 2.0
    with pytest.raises(queue_impl.Empty):
        q.get(True, 0)
    with pytest.raises(ValueError, match=r"^'timeout' must be a non-negative number$"):
        q.get(timeout=-1)
    q.put(1)
    with pytest.raises(ValueError, match=r"^'timeout' must be a non-negative number$"):
        q.get(timeout=-1)  # even when an item is there
    assert q.get(timeout=1) == 1


@pytest.mark.parametrize("kind", LOCKED)
def test_put_times_out_with_full(queue_impl: ModuleType, kind: str) -> None:
    q = make(queue_impl, kind, maxsize=1)
    q.put(1)
    start = time.monotonic()
    with pytest.raises(queue_impl.Full):
        q.put(2, timeout=0.05)
    assert 0.045 <= time.monotonic() - start < 2.0
    with pytest.raises(queue_impl.Full):
        q.put(2, True, 0)
    with pytest.raises(ValueError, match=r"^'timeout' must be a non-negative number$"):
        q.put(2, timeout=-1)
    unbounded = make(queue_impl, kind)
    unbounded.put(1, timeout=-1)  # no bound: the timeout is never looked at
    assert unbounded.qsize() == 1


@pytest.mark.parametrize("kind", LOCKED)
def test_blocked_put_goes_on_when_a_get_makes_room(queue_impl: ModuleType, threading_impl: ModuleType,
                                                  kind: str) -> None:
    q = make(queue_impl, kind, maxsize=1)
    q.put(1)
    worker = Worker(threading_impl, q.put, 2)
    assert q.get() == 1
    assert worker.result() is None
    assert q.get() == 2


@pytest.mark.parametrize("kind", ALL)
def test_blocked_get_goes_on_when_an_item_is_put(queue_impl: ModuleType, threading_impl: ModuleType,
                                                kind: str) -> None:
    q = make(queue_impl, kind)
    worker = Worker(threading_impl, q.get)
    q.put("x")
    assert worker.result() == "x"


@pytest.mark.parametrize("kind", LOCKED)
def test_task_done_and_join(queue_impl: ModuleType, threading_impl: ModuleType, kind: str) -> None:
    q = make(queue_impl, kind)
    q.join()  # nothing unfinished: returns at once
    with pytest.raises(ValueError, match=r"^task_done\(\) called too many times$"):
        q.task_done()
    for i in range(3):
        q.put(i)
    joiner = Worker(threading_impl, q.join)
    for _ in range(3):
        q.get()
    assert q.unfinished_tasks == 3
    for _ in range(3):
        q.task_done()
    assert joiner.result() is None
    assert q.unfinished_tasks == 0
    with pytest.raises(ValueError):
        q.task_done()


@pytest.mark.parametrize("kind", ALL)
def test_repr_type_and_generic_alias_match_the_stdlib(queue_impl: ModuleType, kind: str) -> None:
    q = make(queue_impl, kind)
    if kind != "SimpleQueue":
        assert re.fullmatch(rf"<queue\.{kind} object at {id(q):#x}>", repr(q))
    assert isinstance(q, getattr(queue_impl, kind))
    assert type(q).__name__ == kind
    assert getattr(queue_impl, kind)[int].__args__ == (int,)
    if kind in ("LifoQueue", "PriorityQueue"):
        assert isinstance(q, queue_impl.Queue)


@pytest.mark.parametrize("kind", LOCKED)
def test_subclasses_keep_their_own_organisation_and_arguments(queue_impl: ModuleType, kind: str) -> None:
    class Doubling(getattr(queue_impl, kind)):  # type: ignore[misc]
        def __init__(self, maxsize: int = 0, label: str = "") -> None:
            super().__init__(maxsize=maxsize)
            self.label = label
            self.puts = 0

        def _put(self, item: Any) -> None:
            super()._put(item * 2)

        def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
            self.puts += 1
            super().put(item, block, timeout)

    q = Doubling(2, label="d")
    q.put(1)
    q.put_nowait(2)
    with pytest.raises(queue_impl.Full):
        q.put_nowait(3)
    assert (q.label, q.puts, q.maxsize) == ("d", 3, 2)
    assert sorted([q.get(), q.get()]) == [2, 4]


def test_simple_queue_takes_no_arguments_and_any_timeout_type(queue_impl: ModuleType) -> None:
    with pytest.raises(TypeError):
        queue_impl.SimpleQueue(1)
    q = queue_impl.SimpleQueue()
    q.put(1, block=False, timeout=-5)  # never blocks: both are ignored
    assert q.get(True, 1) == 1
    with pytest.raises(queue_impl.Empty):
        q.get(block=False, timeout=-5)
    with pytest.raises((TypeError, ValueError)):
        q.get(timeout="soon")
    with pytest.raises(ValueError):
        q.get(timeout=float("nan"))


# --- library-made queues -----------------------------------------------------------


def test_queues_made_by_library_code_stay_original(instrumented: ModuleType) -> None:
    # The program's executor is recorded as a pool (instrument/thread_futures.py);
    # the queue it makes for its work items stays the standard library's.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(abs, -1).result() == 1
        work_queue = pool._work_queue._queue
    assert type(work_queue) is recorded_queues._OriginalSimpleQueue
    assert isinstance(work_queue, queue.SimpleQueue)
    assert [e for e in recorded() if e.kind.startswith("queue.")] == []
    assert [e.args["type"] for e in recorded(["obj.new"])] == ["ThreadPoolExecutor"]


def test_internal_locks_never_appear(instrumented: ModuleType) -> None:
    q = queue.Queue(1)
    q.put(1)
    q.get()
    q.task_done()
    q.join()
    assert {e.obj for e in recorded()} == {object_id(q)}
    assert {e.kind for e in recorded()} == {"obj.new", "queue.put", "queue.get", "queue.task_done"}


# --- recorded events -------------------------------------------------------------------


def _kinds(q: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(e.kind, e.args) for e in recorded(obj=object_id(q))]


@pytest.mark.parametrize("kind", ALL)
def test_put_and_get_record_item_id_and_size(instrumented: ModuleType, kind: str) -> None:
    q = getattr(queue, kind)()
    q.put(("a", 1))
    q.put(("b", 2))
    first, second = q.get(), q.get()
    events = _kinds(q)
    new = events[0][1]
    assert (new["type"], new["name"], new["value"]) == (kind, "q", None if kind == "SimpleQueue" else 0)
    ids = {("a", 1): 1, ("b", 2): 2}
    assert events[1:] == [
        ("queue.put", {"id": 1, "item": "('a', 1)", "size": 1}),
        ("queue.put", {"id": 2, "item": "('b', 2)", "size": 2}),
        ("queue.get", {"id": ids[first], "item": repr(first), "size": 1}),
        ("queue.get", {"id": ids[second], "item": repr(second), "size": 0}),
    ]


@pytest.mark.parametrize(("kind", "ids"), [("Queue", [1, 2, 3]), ("LifoQueue", [3, 2, 1]),
                                           ("PriorityQueue", [2, 3, 1])])
def test_get_names_the_put_it_took(instrumented: ModuleType, kind: str, ids: list[int]) -> None:
    q = make(queue, kind)
    for item in (9, 1, 5):
        q.put(item)
    for _ in range(3):
        q.get()
    assert [e.args["id"] for e in recorded(["queue.get"], object_id(q))] == ids


def test_equal_items_keep_their_own_ids(instrumented: ModuleType) -> None:
    fifo, lifo = queue.Queue(), queue.LifoQueue()
    item = ("same",)
    for q in (fifo, lifo):
        q.put(item)
        q.put(item)
        q.get()
        q.get()
    assert [e.args["id"] for e in recorded(["queue.get"], object_id(fifo))] == [1, 2]
    assert [e.args["id"] for e in recorded(["queue.get"], object_id(lifo))] == [2, 1]


@pytest.mark.parametrize("kind", LOCKED)
def test_every_get_names_its_put_through_many_puts_gets_and_repeated_objects(instrumented: ModuleType,
                                                                            kind: str) -> None:
    # Thousands of puts and gets in a random order, a few objects queued many
    # times over, against a model of the queue that knows which put each item is.
    import heapq
    import random

    rng = random.Random(7)
    q = getattr(queue, kind)()
    objects = [(n,) for n in range(40)]  # PriorityQueue orders them; the same object is put many times
    model: list[Any] = []  # (priority, put id, object) / (put id, object)
    expected: list[int] = []
    next_id = 0
    for _ in range(3000):
        if model and rng.random() < 0.45:
            got = q.get()
            if kind == "Queue":
                put_id, obj = model.pop(0)
            elif kind == "LifoQueue":
                put_id, obj = model.pop()
            else:  # the smallest object; of its puts, the first (objects differ in value, so ties are one object)
                _, put_id, obj = heapq.heappop(model)
            assert got is obj
            expected.append(put_id)
        else:
            obj = rng.choice(objects)
            next_id += 1
            q.put(obj)
            if kind == "PriorityQueue":
                heapq.heappush(model, (obj, next_id, obj))
            else:
                model.append((next_id, obj))
    assert [e.args["id"] for e in recorded(["queue.get"], object_id(q))] == expected
    assert len(q._cv_book) == q.qsize()


def test_a_queued_item_lives_while_its_put_is_pending_and_cycles_are_collected(instrumented: ModuleType) -> None:
    import weakref

    class Item:
        pass

    q = queue.Queue()
    item = Item()
    item.queue = q  # a cycle through the queue's book
    seen = weakref.ref(item)
    q.put(item)
    del item
    gc.collect()
    assert seen() is not None  # held by the queue (and its book)
    del q
    gc.collect()
    assert seen() is None


def test_get_of_a_copied_item_has_no_id(instrumented: ModuleType) -> None:
    class Copying(queue.Queue):  # type: ignore[type-arg]
        def _get(self) -> Any:
            return list(super()._get())

    q = Copying()
    q.put([1, 2])
    assert q.get() == [1, 2]
    assert recorded(["queue.get"], object_id(q))[0].args == {"id": None, "item": "[1, 2]", "size": 0}


def test_the_size_recorded_is_the_one_the_queues_own_qsize_gives(instrumented: ModuleType) -> None:
    # The standard library's _qsize is len(self.queue), which the recording
    # takes directly; a subclass's own _qsize is asked (here: items counted twice).
    class Doubled(queue.Queue):  # type: ignore[type-arg]
        def _qsize(self) -> int:
            return 2 * len(self.queue)

    q = Doubled()
    q.put("a")
    q.put("b")
    q.get()
    assert [e.args["size"] for e in recorded(["queue.put", "queue.get"], object_id(q))] == [2, 4, 2]


def test_item_text_is_cut_short(instrumented: ModuleType) -> None:
    q = queue.Queue()
    q.put("x" * 1000)
    q.put(list(range(10_000)))
    q.put(10 ** 5000)  # too big for str(): the program must not notice

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    q.put(Broken())
    texts = [e.args["item"] for e in recorded(["queue.put"], object_id(q))]
    assert all(len(t) <= recorded_queues.MAX_REPR for t in texts)
    assert texts[0].startswith("'xxx") and texts[0].endswith("…")
    assert texts[1].startswith("[0, 1, 2")
    assert texts[2:] == ["<int>", "<Broken>"]


def test_blocked_get_records_block_put_wake_get(instrumented: ModuleType) -> None:
    q = queue.Queue()

    def take() -> Any:
        return q.get()

    worker = Worker(instrumented, take)
    wait_for_event("queue.block", object_id(q), worker.ident)
    q.put("x")
    assert worker.result() == "x"
    events = recorded(obj=object_id(q))[1:]
    check_sequence_matches([(e.kind, e.who) for e in events], [
        ("queue.block", worker.ident), ("queue.put", instrumented.get_ident()),
        ("queue.wake", worker.ident), ("queue.get", worker.ident)])
    assert events[0].args == {"op": "get", "timeout": None, "file": __file__,
                              "line": take.__code__.co_firstlineno + 1}
    assert events[2].args == {"op": "get", "ok": True}


def test_blocked_put_records_block_get_wake_put(instrumented: ModuleType) -> None:
    q = queue.Queue(1)
    q.put(1)
    worker = Worker(instrumented, q.put, 2)
    wait_for_event("queue.block", object_id(q), worker.ident)
    assert q.get() == 1
    worker.result()
    events = recorded(obj=object_id(q))[2:]
    assert [(e.kind, e.args.get("op"), e.args.get("id")) for e in events] == [
        ("queue.block", "put", None), ("queue.get", None, 1), ("queue.wake", "put", None), ("queue.put", None, 2)]
    assert events[0].args["timeout"] is None


@pytest.mark.parametrize("kind", ALL)
def test_nowait_on_empty_records_a_non_blocking_fail(instrumented: ModuleType, kind: str) -> None:
    q = make(queue, kind, maxsize=1)
    with pytest.raises(queue.Empty):
        q.get_nowait()
    assert _kinds(q)[1:] == [("queue.fail", {"op": "get", "blocking": False})]


def test_put_nowait_on_full_records_a_non_blocking_fail(instrumented: ModuleType) -> None:
    q = queue.Queue(1)
    q.put(1)
    with pytest.raises(queue.Full):
        q.put_nowait(2)
    assert _kinds(q)[-1] == ("queue.fail", {"op": "put", "blocking": False})


@pytest.mark.parametrize("kind", ALL)
def test_timed_out_get_records_block_wake_fail(instrumented: ModuleType, kind: str) -> None:
    q = make(queue, kind)
    with pytest.raises(queue.Empty):
        q.get(timeout=0.001)
    events = _kinds(q)[1:]
    assert [(k, a.get("op"), a.get("timeout"), a.get("ok"), a.get("blocking")) for k, a in events] == [
        ("queue.block", "get", 0.001, None, None), ("queue.wake", "get", None, False, None),
        ("queue.fail", "get", None, None, True)]


def test_timed_out_put_records_block_wake_fail(instrumented: ModuleType) -> None:
    q = queue.Queue(1)
    q.put(1)
    with pytest.raises(queue.Full):
        q.put(2, timeout=0.001)
    assert [k for k, _ in _kinds(q)[2:]] == ["queue.block", "queue.wake", "queue.fail"]


def test_join_returns_after_the_last_task_done(instrumented: ModuleType) -> None:
    q = queue.Queue()
    for i in range(2):
        q.put(i)
    joiner = Worker(instrumented, q.join)
    wait_for_event("queue.join", object_id(q), joiner.ident)
    for _ in range(2):
        q.get()
        q.task_done()
    joiner.result()
    events = [(e.kind, e.args.get("unfinished"), e.who) for e in recorded(obj=object_id(q))
              if e.kind in ("queue.join", "queue.joined", "queue.task_done")]
    me = instrumented.get_ident()
    assert events == [("queue.join", 2, joiner.ident), ("queue.task_done", 1, me), ("queue.task_done", 0, me),
                      ("queue.joined", None, joiner.ident)]


def test_join_with_nothing_unfinished_records_nothing(instrumented: ModuleType) -> None:
    q = queue.Queue()
    q.join()
    assert [k for k, _ in _kinds(q)] == ["obj.new"]


def test_simple_queue_records_the_put_before_the_get(instrumented: ModuleType) -> None:
    q = queue.SimpleQueue()
    worker = Worker(instrumented, q.get)
    wait_for_event("queue.block", object_id(q), worker.ident)
    q.put("x")
    assert worker.result() == "x"
    assert [(k, a.get("id")) for k, a in _kinds(q)[1:]] == [
        ("queue.block", None), ("queue.put", 1), ("queue.wake", None), ("queue.get", 1)]


def test_simple_queue_subclass_need_not_call_super_init(queue_impl: ModuleType) -> None:
    class Named(queue_impl.SimpleQueue):  # type: ignore[misc,name-defined]
        def __init__(self, name: str) -> None:
            self.name = name

    q = Named("jobs")
    q.put(1)
    assert (q.name, q.get_nowait(), q.empty()) == ("jobs", 1, True)


def test_simple_queue_put_from_a_finaliser_during_a_put_keeps_the_order(queue_impl: ModuleType) -> None:
    # CPython's test_queue test_reentrancy (bpo-14976): a __del__ in a
    # reference cycle may run at any allocation, inside the recorded put too.
    q = make(queue_impl, "SimpleQueue")
    counter = iter(range(10**6)).__next__
    results = []

    class Circular:
        def __init__(self) -> None:
            self.circular = self

        def __del__(self) -> None:
            q.put(counter())

    n = 5000
    while True:
        o = Circular()
        q.put(counter())
        del o
        results.append(q.get())
        if results[-1] >= n:
            break
    assert results == list(range(n + 1))
    # The cycles left behind put from their finalisers whenever the collector
    # next runs: now, not in the middle of a later test's recording.
    gc.collect()


def test_the_writer_encodes_queue_events_as_msgspec_would(instrumented: ModuleType) -> None:
    """Puts and gets are stored in C (``recorder.queue_event``) and encoded by
    the writer in C: the wire must be byte for byte msgspec's encoding of the
    events they stand for, whatever the item's text holds."""
    import msgspec

    from concviz import recorder

    items = ['quote " and \\ backslash', "tab\tnew\nline\r\x00\x1f\x7f", "é€😀\u2028", 7, None, 2.5,
             "x" * 500, b"\x00\xff", ("t", [1, {"k": "v"}])]
    q = queue.Queue()
    recorder._sink.take()  # a batch that begins here
    for item in items:
        q.put(item)
    for _ in items:
        q.get()
    events = list(recorder._buffer)
    assert [e[2] for e in events] == ["queue.put"] * len(items) + ["queue.get"] * len(items)
    batch = recorder._sink.take()
    encode = msgspec.json.Encoder().encode
    assert batch.encode(encode, 2048, len(batch)) == encode(events) + b"\n"
    texts = [msgspec.json.decode(line) for line in batch.encode(encode, 2048, len(batch)).splitlines()]
    assert [e[4]["item"] for e in texts[0][: len(items)]] == [recorded_queues.short_repr(i) for i in items]
