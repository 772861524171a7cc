"""asyncio's ``Lock``, ``Semaphore``, ``BoundedSemaphore``, ``Event``,
``Condition`` and queues, recorded with the events of their threading
counterparts (``lock.*``, ``event.*``, ``cond.*``, ``queue.*``): holders,
waiters, items and joins.

The methods are patched in place on asyncio's own classes, so that
``isinstance``, subclasses and ``inspect.iscoroutinefunction`` are untouched
(the patched ``acquire``, ``wait``, ``put``... are coroutine functions like
the originals). As everywhere, only objects the program makes are recorded:
an object made inside asyncio (a ``Condition``'s own lock, the queue of
``as_completed``) has no id and its methods run the original at once.

The recorder writes the thread that did each operation; the analysis and the
page take as its actor the task running on that thread at that moment (see
``concviz.analysis.fold_coroutines``), so holders and waiters are tasks.

Blocking is recorded as for threads: only an acquire (wait, put, get, join)
that is going to suspend records ``*.block``/``*.wait``; the matching wake is
recorded when the task resumes. An await inside ``asyncio.timeout()`` (and so
``wait_for`` from 3.12 on) carries the time left as its timeout, which keeps
a wait that a timeout will end out of the deadlock analysis.
"""

from __future__ import annotations

import asyncio
import asyncio.locks as locks
import asyncio.queues as queues
import sys
from collections.abc import Callable
from typing import Any

from concviz import recorder
from concviz.instrument._support import Patch, called_from_user, describe, location, new_object
from concviz.instrument.aio import suspends_on
from concviz.instrument.queues import _recall, _remember, short_repr

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_current_task = asyncio.current_task

_TYPE_NAMES = {locks.Lock: "Lock", locks.Semaphore: "Semaphore", locks.BoundedSemaphore: "BoundedSemaphore",
               locks.Event: "Event", locks.Condition: "Condition", queues.Queue: "Queue",
               queues.LifoQueue: "LifoQueue", queues.PriorityQueue: "PriorityQueue"}


def _type_name(obj: object) -> str:
    """The most derived asyncio class of ``obj`` (a program's subclass is its base)."""
    return next(_TYPE_NAMES[c] for c in type(obj).__mro__ if c in _TYPE_NAMES)


# --- timeouts -------------------------------------------------------------------

_timeouts: dict[int, list[Any]] = {}
"""id(task) → the ``asyncio.Timeout`` contexts it is inside, innermost last."""


def _time_left() -> float | None:
    """Seconds until the nearest timeout of the running task, or None."""
    task = _current_task()
    active = _timeouts.get(id(task)) if task is not None else None
    whens = [w for t in active or () if (w := t.when()) is not None]
    if not whens:
        return None
    return max(0.0, min(whens) - asyncio.get_running_loop().time())


def _timeout_patches() -> list[tuple[Any, str, Any]]:
    timeouts = getattr(asyncio, "timeouts", None)
    if timeouts is None:
        return []
    cls = timeouts.Timeout
    enter, exit_ = cls.__aenter__, cls.__aexit__

    async def __aenter__(self: Any) -> Any:
        result = await enter(self)
        task = _current_task()
        if task is not None:
            _timeouts.setdefault(id(task), []).append(self)
        return result

    async def __aexit__(self: Any, *exc: Any) -> Any:
        task = _current_task()
        active = _timeouts.get(id(task)) if task is not None else None
        if active and active[-1] is self:
            active.pop()
            if not active:
                del _timeouts[id(task)]
        return await exit_(self, *exc)

    return [(cls, "__aenter__", __aenter__), (cls, "__aexit__", __aexit__)]


# --- creation -------------------------------------------------------------------


def _init_patch(cls: type) -> tuple[type, str, Callable[..., None]]:
    original = cls.__dict__["__init__"]

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        # The innermost patched __init__ runs last-but-first (super() chains):
        # the first to finish records, with the most derived type's name.
        if "_cv_id" not in self.__dict__ and called_from_user(_user_depth(self)):
            _introduce(self)

    __init__.__qualname__ = original.__qualname__
    __init__.__doc__ = original.__doc__
    return cls, "__init__", __init__


def _user_depth(instance: object) -> int:
    """Frames up to the first caller that is not a constructor of ``instance``."""
    depth = 2
    frame = sys._getframe(depth)
    while frame.f_back is not None and frame.f_locals.get("self") is instance:
        frame = frame.f_back
        depth += 1
    return depth


def _introduce(obj: Any) -> None:
    kind = _type_name(obj)
    name, file, line = describe(3, obj)
    if kind == "Condition":
        lock = obj._lock
        if "_cv_id" not in lock.__dict__:  # the condition made its own lock
            lock._cv_id = new_object("Lock", described=(f"{name or 'Condition'}.lock", file, line))
        obj._cv_id = new_object(kind, lock=lock._cv_id, described=(name, file, line))
    elif kind in ("Semaphore", "BoundedSemaphore"):
        obj._cv_id = new_object(kind, value=obj._value, described=(name, file, line))
    elif kind.endswith("Queue"):
        obj._cv_next = 0
        obj._cv_pending = {}
        obj._cv_blocked = {}
        obj._cv_id = new_object(kind, value=obj.maxsize, described=(name, file, line))
    else:
        obj._cv_id = new_object(kind, described=(name, file, line))


def _id(obj: Any) -> int | None:
    return obj.__dict__.get("_cv_id")


# --- Lock, Semaphore, BoundedSemaphore ----------------------------------------------


def _busy(lock: Any) -> bool:
    """Whether an acquire now would suspend (a free lock with live waiters hands over first)."""
    if isinstance(lock, locks.Lock):
        return bool(vars(lock)["_locked"]) or any(not w.cancelled() for w in vars(lock)["_waiters"] or ())
    return lock.locked()


def _acquire_patch(cls: type) -> tuple[type, str, Callable[..., Any]]:
    original = cls.__dict__["acquire"]

    async def acquire(self: Any) -> bool:
        cid = _id(self)
        if cid is None:
            return await original(self)
        if _busy(self):
            file, line = location(2)
            _append((_ns(), _ident(), "lock.block", cid, {"timeout": _time_left(), "file": file, "line": line}))
            suspends_on("lock", cid)
            try:
                result = await original(self)
            except BaseException:
                _append((_ns(), _ident(), "lock.fail", cid, {"blocking": True}))
                raise
        else:
            result = await original(self)
        _append((_ns(), _ident(), "lock.acquire", cid, None))
        return result

    acquire.__qualname__ = original.__qualname__
    acquire.__doc__ = original.__doc__
    return cls, "acquire", acquire


def _release_patch(cls: type) -> tuple[type, str, Callable[..., None]]:
    original = cls.__dict__["release"]

    def release(self: Any) -> None:
        cid = _id(self)
        # Recorded before the real release, as for threads; an over-release
        # (a RuntimeError or ValueError from the original) records nothing.
        if cid is not None and _can_release(self):
            _append((_ns(), _ident(), "lock.release", cid, None))
        original(self)

    release.__qualname__ = original.__qualname__
    release.__doc__ = original.__doc__
    return cls, "release", release


def _can_release(lock: Any) -> bool:
    # BoundedSemaphore.release checks its bound, then calls Semaphore.release
    # (patched): a semaphore that gets here always releases.
    return not isinstance(lock, locks.Lock) or bool(vars(lock)["_locked"])


# --- Event ---------------------------------------------------------------------------


def _event_patches() -> list[tuple[Any, str, Any]]:
    cls = locks.Event
    set_, clear, wait = cls.set, cls.clear, cls.wait

    def set_recorded(self: Any) -> None:
        cid = _id(self)
        if cid is not None:
            _append((_ns(), _ident(), "event.set", cid, None))
        set_(self)

    def clear_recorded(self: Any) -> None:
        cid = _id(self)
        if cid is not None:
            _append((_ns(), _ident(), "event.clear", cid, None))
        clear(self)

    async def wait_(self: Any) -> bool:
        cid = _id(self)
        if cid is None or self._value:
            return await wait(self)
        file, line = location(2)
        _append((_ns(), _ident(), "event.wait", cid, {"timeout": _time_left(), "file": file, "line": line}))
        suspends_on("event", cid)
        flag = False
        try:
            flag = await wait(self)
        finally:
            _append((_ns(), _ident(), "event.wake", cid, {"flag": flag}))
        return flag

    for patched, original in ((set_recorded, set_), (clear_recorded, clear), (wait_, wait)):
        patched.__qualname__, patched.__doc__ = original.__qualname__, original.__doc__
    return [(cls, "set", set_recorded), (cls, "clear", clear_recorded), (cls, "wait", wait_)]


# --- Condition ------------------------------------------------------------------------


def _condition_patches() -> list[tuple[Any, str, Any]]:
    cls = locks.Condition
    wait, notify = cls.wait, cls.notify

    async def wait_(self: Any) -> bool:
        cid = _id(self)
        if cid is None:
            return await wait(self)
        file, line = location(2)
        _append((_ns(), _ident(), "cond.wait", cid, {"timeout": _time_left(), "file": file, "line": line}))
        suspends_on("cond", cid)
        notified = False
        try:
            notified = await wait(self)
        finally:
            _append((_ns(), _ident(), "cond.wake", cid, {"notified": notified}))
        return notified

    def notify_(self: Any, n: int = 1) -> None:
        cid = _id(self)
        if cid is not None and self.locked():  # unlocked: the original raises, nothing happened
            waiting = sum(1 for w in self._waiters if not w.done())
            _append((_ns(), _ident(), "cond.notify", cid, {"n": min(n, waiting), "waiters": waiting}))
        notify(self, n)

    for patched, original in ((wait_, wait), (notify_, notify)):
        patched.__qualname__, patched.__doc__ = original.__qualname__, original.__doc__
    # notify_all calls self.notify(len(self._waiters)): recorded through notify.
    return [(cls, "wait", wait_), (cls, "notify", notify_)]


# --- queues ------------------------------------------------------------------------------


def _queue_patches() -> list[tuple[Any, str, Any]]:
    cls = queues.Queue
    put, get, put_nowait, get_nowait = cls.put, cls.get, cls.put_nowait, cls.get_nowait
    task_done, join = cls.task_done, cls.join

    def woken(q: Any, op: str) -> None:
        """The running task was blocked in ``op`` and goes on: record its wake."""
        # put_nowait/get_nowait also work with no loop running: ask for the task only if one waits.
        if q._cv_blocked and q._cv_blocked.pop(id(_current_task()), None) == op:
            _append((_ns(), _ident(), "queue.wake", q._cv_id, {"op": op, "ok": True}))

    async def blocking(q: Any, op: str, full_or_empty: Callable[[], bool], call: Any) -> Any:
        cid = _id(q)
        if cid is None or not full_or_empty():
            return await call
        file, line = location(3)
        _append((_ns(), _ident(), "queue.block", cid,
                 {"op": op, "timeout": _time_left(), "file": file, "line": line}))
        suspends_on("queue", cid)
        key = id(_current_task())
        q._cv_blocked[key] = op
        try:
            return await call
        finally:
            if q._cv_blocked.pop(key, None) is not None:  # cancelled (or timed out) while blocked
                _append((_ns(), _ident(), "queue.wake", cid, {"op": op, "ok": False}))

    async def put_(self: Any, item: Any) -> None:
        return await blocking(self, "put", self.full, put(self, item))

    async def get_(self: Any) -> Any:
        return await blocking(self, "get", self.empty, get(self))

    def put_nowait_(self: Any, item: Any) -> None:
        cid = _id(self)
        if cid is None:
            return put_nowait(self, item)
        text = short_repr(item)
        try:
            put_nowait(self, item)
        except queues.QueueFull:
            _append((_ns(), _ident(), "queue.fail", cid, {"op": "put", "blocking": False}))
            raise
        woken(self, "put")
        n = self._cv_next = self._cv_next + 1
        _remember(self._cv_pending, item, (n, text, item))
        _append((_ns(), _ident(), "queue.put", cid, {"id": n, "item": text, "size": self.qsize()}))

    def get_nowait_(self: Any) -> Any:
        cid = _id(self)
        if cid is None:
            return get_nowait(self)
        try:
            item = get_nowait(self)
        except queues.QueueEmpty:
            _append((_ns(), _ident(), "queue.fail", cid, {"op": "get", "blocking": False}))
            raise
        woken(self, "get")
        known = _recall(self._cv_pending, item, isinstance(self, queues.LifoQueue))
        n, text = (known[0], known[1]) if known is not None else (None, short_repr(item))
        _append((_ns(), _ident(), "queue.get", cid, {"id": n, "item": text, "size": self.qsize()}))
        return item

    def task_done_(self: Any) -> None:
        task_done(self)  # raises ValueError when called too often: then nothing is recorded
        cid = _id(self)
        if cid is not None:
            _append((_ns(), _ident(), "queue.task_done", cid, {"unfinished": self._unfinished_tasks}))

    async def join_(self: Any) -> None:
        cid = _id(self)
        if cid is None or not self._unfinished_tasks:
            return await join(self)
        file, line = location(2)
        _append((_ns(), _ident(), "queue.join", cid,
                 {"unfinished": self._unfinished_tasks, "file": file, "line": line}))
        suspends_on("queue", cid)
        await join(self)
        _append((_ns(), _ident(), "queue.joined", cid, None))

    pairs = ((put_, put), (get_, get), (put_nowait_, put_nowait), (get_nowait_, get_nowait),
             (task_done_, task_done), (join_, join))
    for patched, original in pairs:
        patched.__qualname__, patched.__doc__ = original.__qualname__, original.__doc__
    return [(cls, original.__name__, patched) for patched, original in pairs]


# --- install ------------------------------------------------------------------------------

_patch = Patch()


def install() -> None:
    patches = [_init_patch(c) for c in _TYPE_NAMES if "__init__" in c.__dict__]
    patches += [_acquire_patch(locks.Lock), _acquire_patch(locks.Semaphore)]
    patches += [_release_patch(locks.Lock), _release_patch(locks.Semaphore)]
    patches += _event_patches() + _condition_patches() + _queue_patches() + _timeout_patches()
    for owner, name, value in patches:
        _patch.set(owner, name, value)


def uninstall() -> None:
    _patch.undo()
