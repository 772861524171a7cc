"""``threading.Lock`` and ``threading.RLock``, recorded.

Each instrumented lock wraps a real one. Acquire tries the non-blocking path
first; only when that fails is ``lock.block`` recorded, then the thread blocks
for real, then ``lock.acquire`` (or ``lock.fail``) is recorded. Release is
recorded *before* the real release, so that in the trace the next holder's
``lock.acquire`` always comes after it: the recorded holder is never wrong.

Two variants of the recorded Lock record the same events: ``NativeLock``,
whose argument-less acquire/release/``with`` run in C
(``concviz._record.LockBase``), and the pure-Python ``Lock``. ``install(native=
False)`` (or ``CONCVIZ_NATIVE=0``) picks the Python one. Both block only
through the real lock made by the module-level ``_allocate_lock``, which
controlled mode replaces.

Locks created by library code (the standard library's own, e.g. inside
``queue`` or ``threading``) stay the original, unrecorded primitives.
"""

from __future__ import annotations

import _thread
import os
import sys
import threading
from typing import Any

from concviz import _record, recorder  # type: ignore[attr-defined]
from concviz.instrument._support import Patch, is_user_file, location, new_object

_append = recorder.append
# For events recorded while the lock is held (an acquire, a release before it
# happens): a wait for the writer would let the GIL go with the lock held, a
# thread switch the program does not have at that point. These never wait
# (but far beyond the buffer's bound); the thread's next event does.
_append_held = recorder.append_nowait
_ns = recorder.ns
_ident = recorder.ident
_allocate_lock = _thread.allocate_lock
# The standard library's own factory, not _thread.RLock: it honours
# threading._CRLock, which gevent's monkey-patching sets to None.
_RealRLock = threading.RLock

_NO_DEPTH = recorder.const({"depth": None})
_NON_BLOCKING = recorder.const({"blocking": False})
_TIMED_OUT = recorder.const({"blocking": True})
_DEPTHS = [recorder.const({"depth": d}) for d in range(64)]
_LOCK_TYPE = type(_thread.allocate_lock())
_RLOCK_TYPE = type(_RealRLock())


def _depth(depth: int) -> Any:
    return _DEPTHS[depth] if 0 <= depth < 64 else {"depth": depth}


def _check_timeout(real: Any, blocking: Any, timeout: Any) -> None:
    """Raise exactly what the real primitive raises for these arguments,
    by asking a fresh one (which is free, so this never blocks)."""
    if real.acquire(blocking, timeout):
        real.release()


def _block_args(timeout: float) -> dict[str, Any]:
    file, line = location(3)
    return {"timeout": None if timeout == -1 else timeout, "file": file, "line": line}


class _LockMethods:
    """The recorded Lock's behaviour, shared by the Python and native variants."""

    __slots__ = ()

    _lock: Any
    _cv_id: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # threading.Lock() builds these without __init__ (see make_lock).
        raise TypeError("cannot create '_thread.lock' instances")

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        lock = self._lock
        if timeout != -1:
            _check_timeout(_allocate_lock(), blocking, timeout)
        if lock.acquire(False):
            _append_held((_ns(), _ident(), "lock.acquire", self._cv_id, _NO_DEPTH))
            return True
        if not blocking:
            _append((_ns(), _ident(), "lock.fail", self._cv_id, _NON_BLOCKING))
            return False
        _append((_ns(), _ident(), "lock.block", self._cv_id, _block_args(timeout)))
        got = False
        try:
            got = lock.acquire(True, timeout)
        finally:
            _append_held((_ns(), _ident(), "lock.acquire" if got else "lock.fail", self._cv_id,
                     _NO_DEPTH if got else _TIMED_OUT))
        return got

    _acquire_slow = acquire  # the native variant's way out of its fast path

    def __enter__(self) -> bool:
        lock = self._lock
        if lock.acquire(False):
            _append_held((_ns(), _ident(), "lock.acquire", self._cv_id, _NO_DEPTH))
            return True
        return self.acquire()

    def release(self) -> None:
        lock = self._lock
        if lock.locked():
            _append_held((_ns(), _ident(), "lock.release", self._cv_id, _NO_DEPTH))
        lock.release()

    _release_slow = release

    def __exit__(self, *exc: object) -> None:
        lock = self._lock
        if lock.locked():
            _append_held((_ns(), _ident(), "lock.release", self._cv_id, _NO_DEPTH))
        lock.release()

    def locked(self) -> bool:
        return bool(self._lock.locked())

    def _is_owned(self) -> bool:
        # threading.Condition's own test, done on the real lock so that it
        # records nothing.
        if self._lock.acquire(False):
            self._lock.release()
            return False
        return True

    def _at_fork_reinit(self) -> None:
        self._lock._at_fork_reinit()

    acquire_lock = acquire
    release_lock = release
    locked_lock = locked

    def __repr__(self) -> str:
        state = "locked" if self._lock.locked() else "unlocked"
        return f"<{state} _thread.lock object at {id(self):#x}>"

    def __reduce_ex__(self, protocol: object) -> Any:
        # Like the real lock: no pickling, and no copy sharing the real lock.
        raise TypeError("cannot pickle '_thread.lock' object")

    # isinstance(lock, _thread.LockType) falls back on __class__ (issue 13);
    # type(lock) stays the recorded class.
    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return _LOCK_TYPE


class Lock(_LockMethods):
    """A recorded ``threading.Lock``, in Python."""

    __slots__ = ("__weakref__", "_cv_id", "_lock")


class NativeLock(_record.LockBase, _LockMethods):
    """A recorded ``threading.Lock`` whose hot path runs in C."""

    __slots__ = ("__weakref__",)


native = os.environ.get("CONCVIZ_NATIVE", "1") != "0"
"""Whether new recorded Locks are ``NativeLock`` (set by ``install``)."""


class RLock:
    """A recorded ``threading.RLock``; events carry the recursion depth."""

    __slots__ = ("__weakref__", "_cv_id", "_depth", "_lock")

    _lock: Any
    _cv_id: int
    _depth: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Only for type(rlock)(), as _thread.RLock() allows; threading.RLock()
        # builds these without __init__ (see make_rlock).
        self._lock = _RealRLock(*args, **kwargs)
        self._depth = 0
        self._cv_id = new_object("RLock")

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        lock = self._lock
        if timeout != -1:
            _check_timeout(_RealRLock(), blocking, timeout)
        if lock.acquire(False):
            # Only the owner touches _depth, so it needs no lock of its own.
            depth = self._depth = self._depth + 1
            args = _DEPTHS[depth] if depth < 64 else _depth(depth)
            _append_held((_ns(), _ident(), "lock.acquire", self._cv_id, args))
            return True
        if not blocking:
            _append((_ns(), _ident(), "lock.fail", self._cv_id, _NON_BLOCKING))
            return False
        _append((_ns(), _ident(), "lock.block", self._cv_id, _block_args(timeout)))
        got = False
        try:
            got = lock.acquire(True, timeout)
        finally:
            if got:
                depth = self._depth = self._depth + 1
                _append_held((_ns(), _ident(), "lock.acquire", self._cv_id, _depth(depth)))
            else:
                _append((_ns(), _ident(), "lock.fail", self._cv_id, _TIMED_OUT))
        return got

    __enter__ = acquire

    def release(self) -> None:
        lock = self._lock
        if lock._is_owned():
            depth = self._depth = self._depth - 1
            _append_held((_ns(), _ident(), "lock.release", self._cv_id, _depth(depth)))
        lock.release()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _is_owned(self) -> bool:
        return bool(self._lock._is_owned())

    def _recursion_count(self) -> int:
        return int(self._lock._recursion_count())

    # threading.Condition.wait() releases an RLock completely and restores it.
    def _release_save(self) -> tuple[Any, int]:
        if not self._lock._is_owned():
            raise RuntimeError("cannot release un-acquired lock")
        depth, self._depth = self._depth, 0
        _append_held((_ns(), _ident(), "lock.release", self._cv_id, _DEPTHS[0]))
        return self._lock._release_save(), depth

    def _acquire_restore(self, saved: tuple[Any, int]) -> None:
        state, depth = saved
        lock = self._lock
        if lock.acquire(False):
            for _ in range(state[0] - 1):
                lock.acquire(False)
        else:
            _append((_ns(), _ident(), "lock.block", self._cv_id, _block_args(-1)))
            lock._acquire_restore(state)
        self._depth = depth
        _append_held((_ns(), _ident(), "lock.acquire", self._cv_id, _depth(depth)))

    def _at_fork_reinit(self) -> None:
        self._lock._at_fork_reinit()
        self._depth = 0

    def __repr__(self) -> str:
        return repr(self._lock).replace(hex(id(self._lock)), hex(id(self)))

    def __reduce_ex__(self, protocol: object) -> Any:
        raise TypeError("cannot pickle '_thread.RLock' object")

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return _RLOCK_TYPE


def make_lock(*args: Any, **kwargs: Any) -> Any:
    """Replaces ``threading.Lock`` (where it is a function: 3.11, 3.12)."""
    if args or kwargs or not is_user_file(sys._getframe(1).f_code.co_filename):
        return _allocate_lock(*args, **kwargs)  # raises the real TypeError for arguments
    return _new_lock()


def _new_lock() -> Any:
    cls: Any = NativeLock if native else Lock
    lock = cls.__new__(cls)
    lock._lock = _allocate_lock()
    lock._cv_id = new_object("Lock", depth=4)  # named from the caller of make_lock (or of LockClass)
    return lock


def make_rlock(*args: Any, **kwargs: Any) -> Any:
    """Replaces ``threading.RLock``."""
    if not is_user_file(sys._getframe(1).f_code.co_filename):
        return _RealRLock(*args, **kwargs)
    if args or kwargs:
        _RealRLock(*args, **kwargs)  # raises the real TypeError
    return new_rlock(new_object("RLock"))


def new_rlock(obj: int) -> RLock:
    """An instrumented RLock already registered as ``obj``."""
    lock = RLock.__new__(RLock)
    lock._lock = _RealRLock()
    lock._depth = 0
    lock._cv_id = obj
    return lock


class _LockClass(type):
    """From 3.13 ``threading.Lock`` is a class (``_thread.lock``): programs
    write ``threading.Lock | None`` and ``isinstance(x, threading.Lock)``.
    The replacement is then a class too, whose call makes a recorded lock
    and which counts recorded and real locks as its instances."""

    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Any:
        if any(isinstance(base, _LockClass) for base in bases):
            raise TypeError("type '_thread.lock' is not an acceptable base type")  # as the real one
        return super().__new__(mcls, name, bases, namespace)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not is_user_file(sys._getframe(1).f_code.co_filename):
            return _allocate_lock(*args, **kwargs)
        return _new_lock()

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, (_LockMethods, _ORIGINAL_LOCK))

    def __subclasscheck__(cls, sub: Any) -> bool:
        return issubclass(sub, (_LockMethods, _ORIGINAL_LOCK))


_ORIGINAL_LOCK = threading.Lock
LockClass = _LockClass("Lock", (), {"__module__": "threading", "__doc__": _ORIGINAL_LOCK.__doc__})
make_lock.__name__ = make_lock.__qualname__ = "Lock"
make_rlock.__name__ = make_rlock.__qualname__ = "RLock"
make_lock.__module__ = make_rlock.__module__ = "threading"
# Named like the types they stand for, as type(lock) is inspected by programs
# and test suites (CPython's own check that _thread.lock cannot be instantiated).
for _cls in (Lock, NativeLock):
    _cls.__module__, _cls.__name__, _cls.__qualname__ = "_thread", "lock", "lock"
RLock.__module__ = "_thread"

_patch = Patch()


def install(native_path: bool | None = None) -> None:
    """``native_path``: the C hot path for new Locks (default: ``CONCVIZ_NATIVE``, on)."""
    global native
    if native_path is not None:
        native = native_path
    _patch.set(threading, "Lock", LockClass if isinstance(_ORIGINAL_LOCK, type) else make_lock)
    _patch.set(threading, "RLock", make_rlock)


def uninstall() -> None:
    _patch.undo()
