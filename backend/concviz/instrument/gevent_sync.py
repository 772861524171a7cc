"""gevent's ``Lock`` (what ``threading.Lock`` is after ``monkey.patch_all()``),
``RLock``, ``Semaphore``, ``BoundedSemaphore``, ``Event``, ``AsyncResult`` and
queues, recorded with the events of their threading counterparts (``lock.*``,
``event.*``, ``queue.*``), and the waits of a greenlet on them, on a sleep or
on other greenlets (``coro.wait``).

gevent is not imported for this: the classes are replaced when the program
imports ``gevent.lock``, ``gevent.event``, ``gevent.queue`` or
``gevent.threading`` (``concviz.instrument._imports``). gevent's classes are
compiled and immutable, so the recorded ones are Python subclasses put in
their place in those modules: ``isinstance`` against gevent's names holds,
and, as everywhere, only objects the program makes are recorded (gevent's
own, such as the semaphore inside an ``RLock`` or a ``Pool``, are the
originals). The one class that refuses subclasses, the lock type of
``gevent.thread``, is wrapped instead, and answers ``isinstance`` through
``__class__`` like the recorded threading locks.

Nothing here switches greenlets: in gevent a switch happens only where the
program blocks, and every recorded method calls the original once, with the
same arguments, so the hub sees the same calls in the same order. Whether a
call will block is read from state (``counter``, ``locked()``, ``ready()``,
``qsize()``), never tried. The recorder writes the OS thread of each
operation; the analysis takes as its actor the greenlet running there (see
``concviz.analysis.fold_coroutines``), so holders and waiters are greenlets.
"""

from __future__ import annotations

import sys
import time
from types import ModuleType
from typing import Any
from weakref import WeakKeyDictionary

from concviz import recorder
from concviz.instrument import greenlets
from concviz.instrument._imports import forget, when_imported
from concviz.instrument._support import Patch, called_from_user, location, new_object
from concviz.instrument.locks import _NO_DEPTH, _NON_BLOCKING, _TIMED_OUT
from concviz.instrument.queues import _recall, _remember, short_repr

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_patch = Patch()


def _from_user(depth: int = 2) -> bool:
    return called_from_user(depth + 1)


def _waits(what: str, target: int, detail: str | None = None) -> None:
    greenlets.waits_for(what, target, detail)  # type: ignore[arg-type]


# --- timeouts ---------------------------------------------------------------------------

_deadlines: WeakKeyDictionary[Any, list[tuple[float, Any]]] = WeakKeyDictionary()
"""greenlet → (deadline, Timeout) of the timeouts it started: a wait inside
``with gevent.Timeout(...)`` carries the time left as its timeout, which
keeps it out of the deadlock analysis, as ``asyncio.timeout()`` does."""


def _timeout_patches(module: ModuleType) -> None:
    cls = module.Timeout
    start = cls.start
    getcurrent = sys.modules["greenlet"].getcurrent

    def start_recorded(self: Any) -> None:
        start(self)
        if self.seconds is not None and self.pending:
            _deadlines.setdefault(getcurrent(), []).append((time.monotonic() + self.seconds, self))

    start_recorded.__qualname__, start_recorded.__doc__ = start.__qualname__, start.__doc__
    _patch.set(cls, "start", start_recorded)


def _with_time_left(timeout: Any, untimed: Any = None) -> Any:
    """``timeout``, or the time left of the running greenlet's nearest pending ``gevent.Timeout``."""
    if timeout is not untimed or not _deadlines:
        return None if timeout is untimed else timeout
    active = _deadlines.get(sys.modules["greenlet"].getcurrent())
    if not active:
        return None
    active[:] = [(when, t) for when, t in active if t.pending]
    return max(0.0, min(when for when, _ in active) - time.monotonic()) if active else None


def _recorded_new(cls: type, original: type, *args: Any, **kwargs: Any) -> Any:
    """``__new__`` of a recorded class: gevent's own objects stay originals."""
    if "_original" in cls.__dict__ and not _from_user(3):
        return original(*args, **kwargs)
    if original.__new__ is object.__new__:
        return object.__new__(cls)
    return original.__new__(cls, *args, **kwargs)


def _records(obj: object, recorded: type) -> bool:
    """Whether ``obj``, being initialised, is to be recorded: an instance of
    the recorded class or of a program's subclass of it, not of one of
    gevent's own subclasses (``gevent.thread.LockType`` subclasses
    ``BoundedSemaphore`` by the name ``gevent.lock`` gives it, which may be
    the recorded one). Unrecorded objects keep ``_cv_id`` None and every
    method then calls the original at once."""
    cls = type(obj)
    return cls is recorded or not cls.__module__.startswith("gevent")


class _Meta(type):
    """The recorded classes count gevent's originals as their instances, so
    ``isinstance`` against gevent's names holds for every object, recorded
    or made by gevent itself (a recorded BoundedSemaphore is a Semaphore)."""

    _original: type

    def __instancecheck__(cls, obj: Any) -> bool:
        return type.__instancecheck__(cls, obj) or isinstance(obj, cls._original)

    def __subclasscheck__(cls, sub: Any) -> bool:
        return type.__subclasscheck__(cls, sub) or issubclass(sub, cls._original)


def _named_like(recorded: type, original: type) -> None:
    """Name and place of the original: reprs and messages print them."""
    recorded.__name__ = recorded.__qualname__ = original.__name__
    recorded.__module__ = original.__module__
    recorded.__doc__ = original.__doc__


# --- semaphores and locks -----------------------------------------------------------


def _acquire(cid: int, busy: bool, acquire: Any, blocking: Any, timeout: Any, untimed: Any) -> bool:
    """Record around one call of a real ``acquire`` whose wait is ``busy``."""
    blocked = bool(blocking) and busy
    if blocked:
        file, line = location(3)
        _append((_ns(), _ident(), "lock.block", cid,
                 {"timeout": _with_time_left(timeout, untimed), "file": file, "line": line}))
        _waits("lock", cid)
    got = False
    try:
        got = bool(acquire(blocking, timeout))
    finally:
        if got:
            _append((_ns(), _ident(), "lock.acquire", cid, _NO_DEPTH))
        else:
            _append((_ns(), _ident(), "lock.fail", cid, _TIMED_OUT if blocking else _NON_BLOCKING))
    return got


def _semaphore_class(original: Any, type_name: str) -> type:
    bounded = type_name == "BoundedSemaphore"

    class Recorded(original, metaclass=_Meta):
        _original = original
        _cv_id: int | None = None

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            return _recorded_new(cls, original, *args, **kwargs)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            original.__init__(self, *args, **kwargs)
            if _records(self, Recorded):
                self._cv_id = new_object(type_name, value=self.counter, instance=self)

        def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
            cid = self._cv_id
            if cid is None:
                return original.acquire(self, blocking, timeout)
            return _acquire(cid, self.counter <= 0, super().acquire, blocking, timeout, None)

        def __enter__(self) -> None:
            if self._cv_id is None:
                return original.__enter__(self)
            self.acquire()
            return None

        def __exit__(self, *exc: object) -> None:
            if self._cv_id is None:
                return original.__exit__(self, *exc)
            self.release()
            return None

        def release(self) -> Any:
            # An over-release of a bounded semaphore raises in the original: record nothing.
            cid = self._cv_id
            if cid is not None and (not bounded or self.counter < self._initial_value):
                _append((_ns(), _ident(), "lock.release", cid, _NO_DEPTH))
            return original.release(self)  # gevent's returns the count; returned as it is

    _named_like(Recorded, original)
    return Recorded


class GreenLock:
    """A recorded ``gevent.thread.LockType`` (``threading.Lock()`` under
    ``monkey.patch_all()``): that class refuses subclasses, so this wraps one."""

    __slots__ = ("__weakref__", "_cv_id", "_lock")

    def __init__(self, lock: Any, cid: int) -> None:
        self._lock = lock
        self._cv_id = cid

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        lock = self._lock
        return _acquire(self._cv_id, lock.locked(), lock.acquire, blocking, timeout, -1)

    def __enter__(self) -> bool:
        return self.acquire()

    def release(self) -> None:
        lock = self._lock
        if lock.locked():
            _append((_ns(), _ident(), "lock.release", self._cv_id, _NO_DEPTH))
        lock.release()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def locked(self) -> bool:
        return bool(self._lock.locked())

    def _is_owned(self) -> bool:
        # What threading.Condition does with a lock that has no _is_owned
        # (gevent's has none): the same calls, on the real lock, unrecorded.
        if self._lock.acquire(False):
            self._lock.release()
            return False
        return True

    def _at_fork_reinit(self) -> None:
        self._lock._at_fork_reinit()

    def __repr__(self) -> str:
        return repr(self._lock).replace(hex(id(self._lock)), hex(id(self)))

    def __reduce_ex__(self, protocol: object) -> Any:
        return self._lock.__reduce_ex__(protocol)

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return type(self._lock)


# Named like the class it stands for: type(lock) is inspected by programs.
GreenLock.__name__ = GreenLock.__qualname__ = "LockType"
GreenLock.__module__ = "gevent.thread"


class _GreenLockClass(type):
    """What ``threading.Lock`` is under ``monkey.patch_all()``: gevent's lock
    class. Its stand-in is a class too (``isinstance(x, threading.Lock)``,
    ``threading.Lock | None``) whose call makes a recorded lock for the
    program and gevent's own lock for libraries, and which, like gevent's,
    refuses subclasses."""

    _allocate: Any

    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Any:
        if any(isinstance(base, _GreenLockClass) for base in bases):
            raise TypeError  # as gevent.thread.LockType.__init_subclass__
        return super().__new__(mcls, name, bases, namespace)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not _from_user():
            return cls._allocate(*args, **kwargs)
        return GreenLock(cls._allocate(), new_object("Lock"))

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, cls._allocate)  # a GreenLock's __class__ is its lock's

    def __subclasscheck__(cls, sub: Any) -> bool:
        return sub is GreenLock or issubclass(sub, cls._allocate)


def _lock_class(allocate: type) -> type:
    return _GreenLockClass("LockType", (), {"_allocate": allocate, "__module__": "gevent.thread",
                                            "__doc__": allocate.__doc__})


def _rlock_class(original: Any) -> type:
    getcurrent = sys.modules["greenlet"].getcurrent

    class RLock(original, metaclass=_Meta):
        _original = original
        _cv_id: int | None = None

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            return _recorded_new(cls, original, *args, **kwargs)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            original.__init__(self, *args, **kwargs)
            if _records(self, RLock):
                self._cv_id = new_object("RLock", instance=self)

        def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
            cid = self._cv_id
            if cid is None:
                return original.acquire(self, blocking, timeout)
            owner = self._owner
            blocked = bool(blocking) and owner is not None and owner is not getcurrent()
            if blocked:
                file, line = location(2)
                _append((_ns(), _ident(), "lock.block", cid,
                         {"timeout": _with_time_left(timeout), "file": file, "line": line}))
                _waits("lock", cid)
            got = False
            try:
                got = bool(original.acquire(self, blocking, timeout))
            finally:
                if got:
                    _append((_ns(), _ident(), "lock.acquire", cid, {"depth": self._count}))
                else:
                    _append((_ns(), _ident(), "lock.fail", cid, _TIMED_OUT if blocking else _NON_BLOCKING))
            return got

        def __enter__(self) -> bool:
            return self.acquire()

        def release(self) -> None:
            if self._cv_id is not None and self._owner is getcurrent():
                _append((_ns(), _ident(), "lock.release", self._cv_id, {"depth": self._count - 1}))
            original.release(self)

        def __exit__(self, *exc: object) -> None:
            self.release()

    _named_like(RLock, original)
    return RLock


# --- Event and AsyncResult --------------------------------------------------------------


def _event_class(original: Any, type_name: str) -> type:
    class Recorded(original, metaclass=_Meta):
        _original = original
        _cv_id: int | None = None

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            return _recorded_new(cls, original, *args, **kwargs)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            original.__init__(self, *args, **kwargs)
            if _records(self, Recorded):
                self._cv_id = new_object("Event", instance=self)

        def set(self, *args: Any, **kwargs: Any) -> None:
            if self._cv_id is not None:
                _append((_ns(), _ident(), "event.set", self._cv_id, None))
            original.set(self, *args, **kwargs)

        def wait(self, timeout: float | None = None) -> Any:
            cid = self._cv_id
            if cid is None or self.ready():
                return original.wait(self, timeout)
            file, line = location(2)
            _append((_ns(), _ident(), "event.wait", cid,
                     {"timeout": _with_time_left(timeout), "file": file, "line": line}))
            _waits("event", cid)
            result = None
            try:
                result = original.wait(self, timeout)
            finally:
                _append((_ns(), _ident(), "event.wake", cid, {"flag": self.ready()}))
            return result

    if type_name == "Event":
        def clear(self: Any) -> None:
            if self._cv_id is not None:
                _append((_ns(), _ident(), "event.clear", self._cv_id, None))
            original.clear(self)

        Recorded.clear = clear
    else:
        def set_exception(self: Any, *args: Any, **kwargs: Any) -> None:
            if self._cv_id is not None:
                _append((_ns(), _ident(), "event.set", self._cv_id, None))
            original.set_exception(self, *args, **kwargs)

        def get(self: Any, block: bool = True, timeout: float | None = None) -> Any:
            cid = self._cv_id
            if cid is None or self.ready() or not block:
                return original.get(self, block, timeout)
            file, line = location(2)
            _append((_ns(), _ident(), "event.wait", cid,
                     {"timeout": _with_time_left(timeout), "file": file, "line": line}))
            _waits("event", cid)
            try:
                return original.get(self, block, timeout)
            finally:
                _append((_ns(), _ident(), "event.wake", cid, {"flag": self.ready()}))

        Recorded.set_exception = set_exception
        Recorded.get = get
        def set_result(self: Any, *args: Any, **kwargs: Any) -> None:
            if self._cv_id is not None:
                _append((_ns(), _ident(), "event.set", self._cv_id, None))
            original.set_result(self, *args, **kwargs)

        Recorded.set_result = set_result
        # result(timeout) (concurrent.futures' name) is gevent's own: it calls get, which records.

    _named_like(Recorded, original)
    return Recorded


# --- queues ------------------------------------------------------------------------------


def _queue_class(original: Any, type_name: str, lifo: bool) -> type:
    class Recorded(original, metaclass=_Meta):
        _original = original
        _cv_id: int | None = None

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            return _recorded_new(cls, original, *args, **kwargs)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            original.__init__(self, *args, **kwargs)
            if _records(self, Recorded):
                self._cv_next = 0
                self._cv_pending: dict[int, Any] = {}
                self._cv_id = new_object(type_name, value=self.maxsize or 0, instance=self)

        def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
            cid = self._cv_id
            if cid is None:
                return original.put(self, item, block, timeout)
            text = short_repr(item)
            blocked = bool(block) and self.full()
            if blocked:
                file, line = location(2)
                _append((_ns(), _ident(), "queue.block", cid,
                         {"op": "put", "timeout": _with_time_left(timeout), "file": file, "line": line}))
                _waits("queue", cid)
            try:
                original.put(self, item, block, timeout)
            except BaseException:
                if blocked:
                    _append((_ns(), _ident(), "queue.wake", cid, {"op": "put", "ok": False}))
                _append((_ns(), _ident(), "queue.fail", cid, {"op": "put", "blocking": bool(block)}))
                raise
            if blocked:
                _append((_ns(), _ident(), "queue.wake", cid, {"op": "put", "ok": True}))
            n = self._cv_next = self._cv_next + 1
            _remember(self._cv_pending, item, (n, text, item))
            _append((_ns(), _ident(), "queue.put", cid, {"id": n, "item": text, "size": self.qsize()}))

        def get(self, block: bool = True, timeout: float | None = None) -> Any:
            cid = self._cv_id
            if cid is None:
                return original.get(self, block, timeout)
            blocked = bool(block) and not self.qsize()
            if blocked:
                file, line = location(2)
                _append((_ns(), _ident(), "queue.block", cid,
                         {"op": "get", "timeout": _with_time_left(timeout), "file": file, "line": line}))
                _waits("queue", cid)
            try:
                item = original.get(self, block, timeout)
            except BaseException:
                if blocked:
                    _append((_ns(), _ident(), "queue.wake", cid, {"op": "get", "ok": False}))
                _append((_ns(), _ident(), "queue.fail", cid, {"op": "get", "blocking": bool(block)}))
                raise
            if blocked:
                _append((_ns(), _ident(), "queue.wake", cid, {"op": "get", "ok": True}))
            known = _recall(self._cv_pending, item, lifo)
            n, text = (known[0], known[1]) if known is not None else (None, short_repr(item))
            _append((_ns(), _ident(), "queue.get", cid, {"id": n, "item": text, "size": self.qsize()}))
            return item

        def put_nowait(self, item: Any) -> None:
            if self._cv_id is None:
                return original.put_nowait(self, item)
            self.put(item, False)
            return None

        def get_nowait(self) -> Any:
            if self._cv_id is None:
                return original.get_nowait(self)
            return self.get(False)

        def task_done(self) -> None:
            original.task_done(self)  # raises ValueError when called too often: then nothing is recorded
            if self._cv_id is not None:
                _append((_ns(), _ident(), "queue.task_done", self._cv_id, {"unfinished": self.unfinished_tasks}))

        def join(self, timeout: float | None = None) -> bool:
            cid = self._cv_id
            if cid is None or not self.unfinished_tasks:
                return bool(original.join(self, timeout))
            file, line = location(2)
            _append((_ns(), _ident(), "queue.join", cid,
                     {"unfinished": self.unfinished_tasks, "file": file, "line": line}))
            _waits("queue", cid)
            done = bool(original.join(self, timeout))
            if done:
                _append((_ns(), _ident(), "queue.joined", cid, None))
            return done

    _named_like(Recorded, original)
    return Recorded


# --- waits on greenlets and sleeps ----------------------------------------------------------


def _greenlet_waits(gevent_module: ModuleType) -> None:
    """``gevent.sleep``, ``Greenlet.join``, ``joinall``: the greenlet's wait, named."""
    sleep = gevent_module.sleep
    joinall = gevent_module.joinall

    def sleep_recorded(seconds: float = 0, ref: bool = True) -> None:
        if seconds and _from_user():
            _waits("sleep", None, f"{seconds:g} s")  # type: ignore[arg-type]
        sleep(seconds, ref)

    def joinall_recorded(greenlets_: Any, *args: Any, **kwargs: Any) -> Any:
        if _from_user():
            greenlets_ = list(greenlets_)
            names = ", ".join(str(getattr(g, "name", g)) for g in greenlets_[:8] if not g.dead)
            if names:
                _waits("gather", None, names)  # type: ignore[arg-type]
        return joinall(greenlets_, *args, **kwargs)

    for owner in (gevent_module, sys.modules.get("gevent.hub")):
        if owner is not None and getattr(owner, "sleep", None) is sleep:
            _patch.set(owner, "sleep", sleep_recorded)
    _patch.set(gevent_module, "joinall", joinall_recorded)
    sleep_recorded.__doc__, joinall_recorded.__doc__ = sleep.__doc__, joinall.__doc__


# --- install -------------------------------------------------------------------------------------


def _on_lock(module: ModuleType) -> None:
    _patch.set(module, "Semaphore", _semaphore_class(module.Semaphore, "Semaphore"))
    _patch.set(module, "BoundedSemaphore", _semaphore_class(module.BoundedSemaphore, "BoundedSemaphore"))
    _patch.set(module, "RLock", _rlock_class(module.RLock))


def _on_event(module: ModuleType) -> None:
    _patch.set(module, "Event", _event_class(module.Event, "Event"))
    _patch.set(module, "AsyncResult", _event_class(module.AsyncResult, "AsyncResult"))


def _on_queue(module: ModuleType) -> None:
    for name in ("Queue", "JoinableQueue", "LifoQueue", "PriorityQueue"):
        original = getattr(module, name, None)
        if original is None:
            continue
        recorded = _queue_class(original, name, lifo=name == "LifoQueue")
        _patch.set(module, name, recorded)
    # JoinableQueue is Queue itself in gevent: keep the two names one class.
    if module.JoinableQueue._original is module.Queue._original:
        _patch.set(module, "JoinableQueue", module.Queue)


def _on_threading(module: ModuleType) -> None:
    """What ``monkey.patch_thread`` copies into ``threading``: a recorded Lock."""
    _patch.set(module, "Lock", _lock_class(module._allocate_lock))


def _on_gevent(module: ModuleType) -> None:
    _greenlet_waits(module)


def _on_timeout(module: ModuleType) -> None:
    _timeout_patches(module)


def install() -> None:
    when_imported("gevent.lock", _on_lock)
    when_imported("gevent.event", _on_event)
    when_imported("gevent.queue", _on_queue)
    when_imported("gevent.threading", _on_threading)
    when_imported("gevent", _on_gevent)
    when_imported("gevent.timeout", _on_timeout)


def uninstall() -> None:
    forget()
    _patch.undo()
