"""``queue.Queue``, ``LifoQueue``, ``PriorityQueue`` and ``SimpleQueue``, recorded:
put, get, blocking on a full or empty queue, Full/Empty, task_done and join.

Each recorded class subclasses the original (library-made queues stay the
original, as with every primitive). The queue's own mutex and conditions are
made inside ``queue.py`` — library code — so they stay uninstrumented and never
appear; what a user sees is the queue itself.

Ordering. ``put``, ``get``, ``task_done`` and ``join`` of the three locked
queues are the standard library's code (3.11) with the recording inserted, and
every event is recorded *while the queue's own mutex is held*: ``queue.put``
right after ``_put()`` made the item visible, ``queue.get`` right after
``_get()`` took it, ``queue.task_done`` with the new count. The mutex already
orders these operations; recording under it makes the trace's order their real
order, so a get never precedes its put, every ``size`` is exact, and a
``queue.joined`` always follows the ``task_done`` that let it return. It adds
one deque append to a critical section the program already has — no lock of
ours. The one thing done outside the mutex is the put item's ``repr`` (the
program's ``__repr__`` might use this very queue).

``SimpleQueue`` is a lock-free C type, so there is no lock to record under:
``queue.put`` is recorded *before* the real put and ``queue.get`` *after* the
real get returns, which keeps put before its get; sizes are approximate there.

Linking a get to its put: each put gets the queue's next item id, kept under
the item's identity (with a reference to it, so that the identity cannot be
reused meanwhile) until a get returns that very object (``queue.get``'s
``id``); an item that comes back as another object (a subclass's ``_get``
that copies) gets ``id`` None.

Blocking is recorded as everywhere else: the non-blocking path first; only a
put that finds the queue full (a get that finds it empty) records
``queue.block``, waits for real, then ``queue.wake``.
"""

from __future__ import annotations

import itertools
import queue
import reprlib
import sys
from collections import deque
from time import monotonic
from typing import TYPE_CHECKING, Any

from concviz import _record, recorder  # type: ignore[attr-defined]
from concviz.instrument._support import Patch, is_user_file, location, new_object, report_once

# Events are recorded under the queue's own mutex: they never wait for the
# writer (a wait lets the GIL go, a thread switch the program does not have
# inside its critical section) but far beyond the buffer's bound.
_append = recorder.append_nowait
# A put or a get: the event (t, ident, "queue.put"/"queue.get", id, {"id",
# "item", "size"}) stored in C with no tuple or dict (``_record.c``).
_queue_event = recorder.queue_event
# The locked queues' put/get bookkeeping (item ids under the mutex, in a
# queue's ``_record.QueueBook``), in C. (SimpleQueue's, gevent's and asyncio's
# queues keep theirs in a dict, through _remember/_recall below.)
_queue_put = _record.queue_put
_queue_got = _record.queue_got
_QueueBook = _record.QueueBook
_ns = recorder.ns
_ident = recorder.ident

_OriginalQueue = queue.Queue
_OriginalLifoQueue = queue.LifoQueue
_OriginalPriorityQueue = queue.PriorityQueue
_OriginalSimpleQueue = queue.SimpleQueue
Full = queue.Full
Empty = queue.Empty
# 3.13: Queue.shutdown(); a shut-down queue refuses puts, and gets once it is empty.
_SHUTDOWN = hasattr(queue, "ShutDown")
ShutDown: Any = getattr(queue, "ShutDown", None)

_orig_sq_put = _OriginalSimpleQueue.put
_orig_sq_get = _OriginalSimpleQueue.get

# --- the item's text ----------------------------------------------------------

MAX_REPR = 60
_SIMPLE = frozenset({int, float, bool, type(None), complex})
_SLICEABLE = frozenset({str, bytes, bytearray})
_CONTAINERS = frozenset({list, tuple, dict, set, frozenset, deque})
_reprlib = reprlib.Repr()
_reprlib.maxstring = _reprlib.maxother = MAX_REPR
_reprlib.maxlist = _reprlib.maxtuple = _reprlib.maxdict = _reprlib.maxset = 8


def _short_repr(item: object) -> str:
    """The item's repr, at most about ``MAX_REPR`` characters, in bounded time
    for large built-in values, and never an exception."""
    t = type(item)
    try:
        if t in _SIMPLE:
            text = repr(item)
        elif t in _SLICEABLE:
            text = repr(item[: MAX_REPR + 1])  # type: ignore[index]
        elif t in _CONTAINERS and len(item) > 8:  # type: ignore[arg-type]
            text = _reprlib.repr(item)
        else:
            text = repr(item)
    except Exception:  # a huge int, a broken __repr__: the program must not notice
        text = f"<{t.__name__}>"
    if len(text) > MAX_REPR:
        text = text[: MAX_REPR - 1] + "…"
    return text


# The same, in C for exact ints, floats, bools, None and short strings (the
# items queues carry most), and this function for the rest.
_record.configure_repr(_short_repr)
short_repr = _record.short_repr


# --- linking gets to puts ---------------------------------------------------------


def _remember(pending: dict[int, Any], item: object, entry: tuple[int, str, object]) -> None:
    """Keep (item id, text, item) under the item's identity until a get returns it.

    The entry holds the item itself, so that its ``id()`` cannot be reused by
    another object while the entry exists (an item that leaves the queue by
    other means than a get would otherwise make a later get name the wrong put).
    """
    key = id(item)
    known = pending.get(key)
    if known is None:
        pending[key] = entry
    elif type(known) is list:
        known.append(entry)
    else:
        pending[key] = [known, entry]


def _recall(pending: dict[int, Any], item: object, last: bool) -> tuple[int, str, object] | None:
    """The (item id, text, item) of a put of this very object; ``last`` for LIFO."""
    known = pending.pop(id(item), None)
    if known is None or type(known) is tuple:
        return known
    entry = known.pop() if last else known.pop(0)
    if len(known) == 1:
        pending[id(item)] = known[0]
    elif known:
        pending[id(item)] = known
    return entry


# The standard library's own _qsize (``len(self.queue)``): C takes that length
# itself; a subclass's own _qsize is called.
_record.configure_queues((_OriginalQueue._qsize, _OriginalLifoQueue._qsize, _OriginalPriorityQueue._qsize))


class _Meta(type):
    """``isinstance(q, queue.Queue)`` stays true for a library-made (original) queue."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if type.__instancecheck__(cls, instance):
            return True
        original = cls.__dict__.get("_original")
        return original is not None and isinstance(instance, original)


# --- Queue, LifoQueue, PriorityQueue ----------------------------------------------


class _Recorded(metaclass=_Meta):
    """The recording shared by the three locked queues (mixed in before the original)."""

    _original: type
    _cv_kind = "Queue"
    _cv_lifo = False
    _cv_id: int
    _cv_book: Any  # _record.QueueBook
    # The original's attributes, for the type checker.
    maxsize: int
    mutex: Any
    not_empty: Any
    not_full: Any
    all_tasks_done: Any
    unfinished_tasks: int
    is_shutdown: bool  # 3.13+, set by the original __init__ (an annotation only: no attribute on 3.11/3.12)

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # Library code (queue users inside the standard library) gets the original.
        if "_original" in cls.__dict__ and not is_user_file(sys._getframe(1).f_code.co_filename):
            return cls._original(*args, **kwargs)
        return object.__new__(cls)

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)  # type: ignore[call-arg]
        self._cv_id = new_object(self._cv_kind, value=maxsize if type(maxsize) is int else None, instance=self)
        self._cv_book = _QueueBook(self._cv_id, self._cv_lifo)

    if TYPE_CHECKING:  # the original's storage hooks, called with the mutex held
        def _qsize(self) -> int: ...
        def _put(self, item: Any) -> None: ...
        def _get(self) -> Any: ...

    def _cv_block(self, op: str, timeout: float | None) -> None:
        file, line = location(3)
        _append((_ns(), _ident(), "queue.block", self._cv_id,
                 {"op": op, "timeout": timeout, "file": file, "line": line}))

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        text = short_repr(item)
        with self.not_full:
            if _SHUTDOWN and self.is_shutdown:
                raise ShutDown
            if self.maxsize > 0:
                if not block:
                    if self._qsize() >= self.maxsize:
                        _append((_ns(), _ident(), "queue.fail", self._cv_id, {"op": "put", "blocking": False}))
                        raise Full
                elif timeout is None:
                    if self._qsize() >= self.maxsize:
                        self._cv_block("put", None)
                        ok = False
                        try:
                            while self._qsize() >= self.maxsize:
                                self.not_full.wait()
                                if _SHUTDOWN and self.is_shutdown:
                                    raise ShutDown
                            ok = True
                        finally:
                            _append((_ns(), _ident(), "queue.wake", self._cv_id, {"op": "put", "ok": ok}))
                elif timeout < 0:
                    raise ValueError("'timeout' must be a non-negative number")
                else:
                    endtime = monotonic() + timeout
                    if self._qsize() >= self.maxsize:
                        self._cv_block("put", timeout)
                        ok = False
                        try:
                            while self._qsize() >= self.maxsize:
                                remaining = endtime - monotonic()
                                if remaining <= 0.0:
                                    break
                                self.not_full.wait(remaining)
                                if _SHUTDOWN and self.is_shutdown:
                                    raise ShutDown
                            else:
                                ok = True
                        finally:
                            _append((_ns(), _ident(), "queue.wake", self._cv_id, {"op": "put", "ok": ok}))
                        if not ok:
                            _append((_ns(), _ident(), "queue.fail", self._cv_id, {"op": "put", "blocking": True}))
                            raise Full
            self._put(item)
            self.unfinished_tasks += 1
            _queue_put(self._cv_book, self, item, text)  # the item's id, kept under its identity; queue.put
            self.not_empty.notify()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        with self.not_empty:
            if _SHUTDOWN and self.is_shutdown and not self._qsize():
                raise ShutDown
            if not block:
                if not self._qsize():
                    _append((_ns(), _ident(), "queue.fail", self._cv_id, {"op": "get", "blocking": False}))
                    raise Empty
            elif timeout is None:
                if not self._qsize():
                    self._cv_block("get", None)
                    ok = False
                    try:
                        while not self._qsize():
                            self.not_empty.wait()
                            if _SHUTDOWN and self.is_shutdown and not self._qsize():
                                raise ShutDown
                        ok = True
                    finally:
                        _append((_ns(), _ident(), "queue.wake", self._cv_id, {"op": "get", "ok": ok}))
            elif timeout < 0:
                raise ValueError("'timeout' must be a non-negative number")
            else:
                endtime = monotonic() + timeout
                if not self._qsize():
                    self._cv_block("get", timeout)
                    ok = False
                    try:
                        while not self._qsize():
                            remaining = endtime - monotonic()
                            if remaining <= 0.0:
                                break
                            self.not_empty.wait(remaining)
                            if _SHUTDOWN and self.is_shutdown and not self._qsize():
                                raise ShutDown
                        else:
                            ok = True
                    finally:
                        _append((_ns(), _ident(), "queue.wake", self._cv_id, {"op": "get", "ok": ok}))
                    if not ok:
                        _append((_ns(), _ident(), "queue.fail", self._cv_id, {"op": "get", "blocking": True}))
                        raise Empty
            item = self._get()
            # queue.get of the put that queued this very object; else the size, for the event below.
            unlinked = _queue_got(self._cv_book, self, item)
            if unlinked is not None:
                self._cv_forget()
            self.not_full.notify()
        if unlinked is not None:
            # Not this put's object (a subclass's _get copies, or the program
            # emptied ``q.queue`` itself): its repr is the program's code, so
            # outside the mutex; the put was recorded long before.
            _queue_event(False, self._cv_id, None, short_repr(item), unlinked)
        return item

    def _cv_forget(self) -> None:
        # Items that left the queue unseen would keep their entries forever.
        book = self._cv_book
        if len(book) > 2 * self._qsize() + 64:
            book.clear()

    def task_done(self) -> None:
        with self.all_tasks_done:
            unfinished = self.unfinished_tasks - 1
            if unfinished <= 0:
                if unfinished < 0:
                    raise ValueError('task_done() called too many times')
                self.all_tasks_done.notify_all()
            self.unfinished_tasks = unfinished
            _append((_ns(), _ident(), "queue.task_done", self._cv_id, {"unfinished": unfinished}))

    def join(self) -> None:
        with self.all_tasks_done:
            if not self.unfinished_tasks:
                return
            file, line = location(2)
            _append((_ns(), _ident(), "queue.join", self._cv_id,
                     {"unfinished": self.unfinished_tasks, "file": file, "line": line}))
            try:
                while self.unfinished_tasks:
                    self.all_tasks_done.wait()
            finally:
                _append((_ns(), _ident(), "queue.joined", self._cv_id, None))


class Queue(_Recorded, _OriginalQueue):
    __doc__ = _OriginalQueue.__doc__
    __module__ = "queue"  # the default repr names the class by it
    _original = _OriginalQueue
    _cv_kind = "Queue"


class LifoQueue(_Recorded, _OriginalLifoQueue):
    __doc__ = _OriginalLifoQueue.__doc__
    __module__ = "queue"
    _original = _OriginalLifoQueue
    _cv_kind = "LifoQueue"
    _cv_lifo = True


class PriorityQueue(_Recorded, _OriginalPriorityQueue):
    __doc__ = _OriginalPriorityQueue.__doc__
    __module__ = "queue"
    _original = _OriginalPriorityQueue
    _cv_kind = "PriorityQueue"


# --- SimpleQueue -----------------------------------------------------------------

_UNUSUAL_TIMEOUT = 1e9  # beyond this (or not a plain number) the real get decides alone


# thread ident → the puts made reentrantly while that thread's SimpleQueue.put records.
_putting: dict[int, list[tuple[Any, Any]]] = {}


class SimpleQueue(_OriginalSimpleQueue, metaclass=_Meta):
    __doc__ = _OriginalSimpleQueue.__doc__
    __module__ = "queue"
    _original = _OriginalSimpleQueue
    _cv_id: int
    _cv_next: Any
    _cv_pending: dict[int, Any]

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is SimpleQueue and not is_user_file(sys._getframe(1).f_code.co_filename):
            return _OriginalSimpleQueue(*args, **kwargs)
        # Set up here, not in __init__: the original has none, so a subclass's
        # own __init__ need not call super().__init__().
        self = _OriginalSimpleQueue.__new__(cls, *args, **kwargs)
        self._cv_next = itertools.count(1).__next__  # atomic in C: no lock needed
        self._cv_pending = {}
        self._cv_id = new_object("SimpleQueue")
        return self

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        me = _ident()
        reentrant = _putting.get(me)
        if reentrant is not None:
            # A put from a __del__ or a GC callback that ran while this thread's
            # own put was being recorded: the real put is one C call that such
            # code cannot enter, so the item goes in after the outer one.
            reentrant.append((self, item))
            return
        later: list[tuple[Any, Any]] = []
        _putting[me] = later
        try:
            n = self._cv_next()
            text = short_repr(item)
            try:
                _remember(self._cv_pending, item, (n, text, item))
            except Exception as error:  # two threads putting the same object at once
                report_once("SimpleQueue item ids", error)
            # Before the real put: a getter's queue.get is recorded after its get
            # returns, so it always follows.
            _append((_ns(), me, "queue.put", self._cv_id, {"id": n, "item": text, "size": self.qsize() + 1}))
            _orig_sq_put(self, item, block, timeout)
        finally:
            del _putting[me]
        for queue_, deferred in later:
            queue_.put(deferred)

    def put_nowait(self, item: Any) -> None:
        self.put(item, False)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if block and timeout is not None and not (type(timeout) in (int, float) and 0 <= timeout < _UNUSUAL_TIMEOUT):
            # Bad or unusual timeout: the real get raises (or accepts) it at once.
            return self._cv_got(_orig_sq_get(self, block, timeout))
        try:
            item = _orig_sq_get(self, False)
        except Empty:
            if not block:
                _append((_ns(), _ident(), "queue.fail", self._cv_id, {"op": "get", "blocking": False}))
                raise
            file, line = location(2)
            _append((_ns(), _ident(), "queue.block", self._cv_id,
                     {"op": "get", "timeout": timeout, "file": file, "line": line}))
            try:
                item = _orig_sq_get(self, True, timeout)
            except Empty:
                _append((_ns(), _ident(), "queue.wake", self._cv_id, {"op": "get", "ok": False}))
                _append((_ns(), _ident(), "queue.fail", self._cv_id, {"op": "get", "blocking": True}))
                raise
            except BaseException:
                _append((_ns(), _ident(), "queue.wake", self._cv_id, {"op": "get", "ok": False}))
                raise
            _append((_ns(), _ident(), "queue.wake", self._cv_id, {"op": "get", "ok": True}))
        return self._cv_got(item)

    def get_nowait(self) -> Any:
        return self.get(False)

    def _cv_got(self, item: Any) -> Any:
        try:
            entry = _recall(self._cv_pending, item, False)
        except Exception:  # a concurrent put of the same object moved its entry
            entry = None
        if entry is None:
            entry = (None, short_repr(item), item)  # type: ignore[assignment]
        _append((_ns(), _ident(), "queue.get", self._cv_id,
                 {"id": entry[0], "item": entry[1], "size": self.qsize()}))  # type: ignore[index]
        return item


_patch = Patch()


def install() -> None:
    _patch.set(queue, "Queue", Queue)
    _patch.set(queue, "LifoQueue", LifoQueue)
    _patch.set(queue, "PriorityQueue", PriorityQueue)
    _patch.set(queue, "SimpleQueue", SimpleQueue)


def uninstall() -> None:
    _patch.undo()
