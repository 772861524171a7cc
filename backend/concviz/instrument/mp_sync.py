"""``multiprocessing``'s process-shared ``Lock``, ``RLock``, ``Semaphore``,
``BoundedSemaphore`` and ``Event``, recorded.

They record the kinds of their ``threading`` twins (``lock.*``,
``event.*``), with one object id in every process that uses them: a forked
child inherits the object, a spawned one unpickles it with its id. So
holders and waiters cross process lanes, and two processes each holding a
lock the other wants make a cycle of the wait-for graph like two threads.

As with threads: acquire tries without blocking first and records
``lock.block`` only when that fails; release is recorded just before the
real release, and only when the real one will not raise. The recorded
classes are subclasses of the originals, made by the contexts' factories
(``multiprocessing.Lock()``, ``get_context("spawn").Lock()``) when the
program's own code calls them. Objects that ``multiprocessing`` makes for
itself (a queue's locks, a condition's semaphores) stay the originals and
record nothing.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import multiprocessing.sharedctypes as sharedctypes
import multiprocessing.synchronize as synchronize
import sys
import threading
import types
from multiprocessing.context import BaseContext
from typing import Any

from concviz import recorder
from concviz.instrument._support import Patch, describe, is_user_file, location, new_object

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident


class _Recorded:
    """Mixin of a recorded twin; ``_cv_register`` is called by the factory."""

    _cv_id: int

    def _cv_register(self, type_name: str, value: int | None, depth: int, ctx: Any) -> None:
        self._cv_id = new_object(type_name, value, described=describe(depth + 1))


def _block_args() -> dict[str, Any]:
    file, line = location(3)
    return {"timeout": None, "file": file, "line": line}


class _SemLockRecorded(_Recorded):
    _semlock: Any
    _cv_type = "Lock"

    def _make_methods(self) -> None:
        sl = self._semlock
        real_acquire = sl.acquire
        real_release = sl.release
        obj = self._cv_id
        rlock = self._cv_type == "RLock"
        bounded = sl.maxvalue != synchronize.SEM_VALUE_MAX  # type: ignore[attr-defined]

        def depth() -> int | None:
            return int(sl._count()) if rlock else None

        def acquire(block: bool = True, timeout: float | None = None) -> bool:
            if real_acquire(False):
                _append((_ns(), _ident(), "lock.acquire", obj, {"depth": depth()}))
                return True
            if not block:
                _append((_ns(), _ident(), "lock.fail", obj, {"blocking": False}))
                return False
            args = _block_args()
            args["timeout"] = timeout
            _append((_ns(), _ident(), "lock.block", obj, args))
            got = False
            try:
                got = real_acquire(True, timeout)
            finally:
                if got:
                    _append((_ns(), _ident(), "lock.acquire", obj, {"depth": depth()}))
                else:
                    _append((_ns(), _ident(), "lock.fail", obj, {"blocking": True}))
            return got

        def release() -> None:
            if rlock:
                will = sl._is_mine()
                left = int(sl._count()) - 1 if will else None
            else:
                will = not bounded or sl._get_value() < sl.maxvalue
                left = None
            if will:
                _append((_ns(), _ident(), "lock.release", obj, {"depth": left}))
            real_release()

        self.acquire = acquire
        self.release = release

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *args: object) -> None:
        self.release()

    def __getstate__(self) -> Any:
        return (super().__getstate__(), self._cv_id)

    def __setstate__(self, state: Any) -> None:
        self._cv_id = state[1]
        super().__setstate__(state[0])  # type: ignore[misc]


class Lock(_SemLockRecorded, synchronize.Lock):
    _cv_type = "Lock"


class RLock(_SemLockRecorded, synchronize.RLock):
    _cv_type = "RLock"


class Semaphore(_SemLockRecorded, synchronize.Semaphore):
    _cv_type = "Semaphore"


class BoundedSemaphore(_SemLockRecorded, synchronize.BoundedSemaphore):
    _cv_type = "BoundedSemaphore"


class Event(_Recorded, synchronize.Event):
    """A recorded ``multiprocessing.Event``."""

    def set(self) -> None:
        _append((_ns(), _ident(), "event.set", self._cv_id, None))
        synchronize.Event.set(self)

    def clear(self) -> None:
        _append((_ns(), _ident(), "event.clear", self._cv_id, None))
        synchronize.Event.clear(self)

    def wait(self, timeout: float | None = None) -> bool:
        if self.is_set():
            return synchronize.Event.wait(self, timeout)
        file, line = location(2)
        _append((_ns(), _ident(), "event.wait", self._cv_id, {"timeout": timeout, "file": file, "line": line}))
        flag = False
        try:
            flag = synchronize.Event.wait(self, timeout)
        finally:
            _append((_ns(), _ident(), "event.wake", self._cv_id, {"flag": flag}))
        return flag


class Condition(_Recorded, synchronize.Condition):
    """A recorded ``multiprocessing.Condition``; without a lock of the
    program's, its own RLock is recorded too (``<name>.lock``)."""

    _cv_described: tuple[str | None, str | None, int | None]
    _sleeping_count: Any
    _woken_count: Any

    def _cv_register(self, type_name: str, value: int | None, depth: int, ctx: Any) -> None:
        self._cv_described = describe(depth + 1)

    def __init__(self, lock: Any = None, *, ctx: Any) -> None:
        if lock is None:
            name, file, line = self._cv_described
            lock = RLock.__new__(RLock)
            lock._cv_id = new_object("RLock", None, described=(f"{name}.lock" if name else None, file, line))
            RLock.__init__(lock, ctx=ctx)
        synchronize.Condition.__init__(self, lock, ctx=ctx)
        self._cv_id = new_object("Condition", None, getattr(lock, "_cv_id", None), described=self._cv_described)

    def __getstate__(self) -> Any:
        return (super().__getstate__(), self._cv_id)

    def __setstate__(self, state: Any) -> None:
        self._cv_id = state[1]
        super().__setstate__(state[0])  # type: ignore[misc]

    def wait(self, timeout: float | None = None) -> bool:
        file, line = location(2)
        _append((_ns(), _ident(), "cond.wait", self._cv_id, {"timeout": timeout, "file": file, "line": line}))
        notified = False
        try:
            notified = synchronize.Condition.wait(self, timeout)
            return notified
        finally:
            _append((_ns(), _ident(), "cond.wake", self._cv_id, {"notified": bool(notified)}))

    def notify(self, n: int = 1) -> None:
        try:
            waiters = int(self._sleeping_count._semlock._get_value() - self._woken_count._semlock._get_value())
        except Exception:
            waiters = 0
        _append((_ns(), _ident(), "cond.notify", self._cv_id, {"n": min(n, waiters), "waiters": waiters}))
        synchronize.Condition.notify(self, n)


class Barrier(_Recorded, synchronize.Barrier):
    """A recorded ``multiprocessing.Barrier``."""

    def __getstate__(self) -> Any:
        return (super().__getstate__(), self._cv_id)

    def __setstate__(self, state: Any) -> None:
        if len(state) == 2:
            self._cv_id = state[1]
            state = state[0]
        super().__setstate__(state)  # type: ignore[misc]

    def wait(self, timeout: float | None = None) -> int:
        file, line = location(2)
        _append((_ns(), _ident(), "barrier.wait", self._cv_id, {"timeout": timeout, "file": file, "line": line}))
        try:
            index = synchronize.Barrier.wait(self, timeout)
        except threading.BrokenBarrierError:
            _append((_ns(), _ident(), "barrier.broken", self._cv_id, None))
            raise
        _append((_ns(), _ident(), "barrier.pass", self._cv_id, {"index": index}))
        return index


class Value(sharedctypes.Synchronized):
    """A recorded ``multiprocessing.Value``: reads and writes of ``.value``
    are ``var.read``/``var.write`` of ``<name>.value``, recorded under the
    value's lock, so a lost update between processes is named like one
    between threads."""

    _cv_name: str
    _obj: Any

    @property
    def value(self) -> Any:
        self.acquire()
        try:
            value = self._obj.value
            _append((_ns(), _ident(), "var.read", None,
                     {"name": self._cv_name, "value": value, "line": sys._getframe(1).f_lineno}))
            return value
        finally:
            self.release()

    @value.setter
    def value(self, value: Any) -> None:
        self.acquire()
        try:
            self._obj.value = value
            _append((_ns(), _ident(), "var.write", None,
                     {"name": self._cv_name, "value": self._obj.value, "line": sys._getframe(1).f_lineno}))
        finally:
            self.release()

    def __reduce__(self) -> Any:
        multiprocessing.context.assert_spawning(self)
        return _rebuild_value, (self._obj, self._lock, self._cv_name)  # type: ignore[attr-defined]


class Array(sharedctypes.SynchronizedArray):
    """A recorded ``multiprocessing.Array``: reading or writing one item is a
    ``var.read``/``var.write`` of ``<name>[i]`` (a slice, of ``<name>[a:b]``),
    recorded under the array's lock."""

    _cv_name: str
    _obj: Any

    def _cv_key(self, i: Any) -> str:
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self._obj))
            return f"{self._cv_name}[{start}:{stop}{f':{step}' if step != 1 else ''}]"
        return f"{self._cv_name}[{i % len(self._obj) if isinstance(i, int) and len(self._obj) else i}]"

    def __getitem__(self, i: Any) -> Any:
        with self:
            value = self._obj[i]
            _append((_ns(), _ident(), "var.read", None,
                     {"name": self._cv_key(i), "value": value, "line": sys._getframe(1).f_lineno}))
            return value

    def __setitem__(self, i: Any, value: Any) -> None:
        with self:
            self._obj[i] = value
            _append((_ns(), _ident(), "var.write", None,
                     {"name": self._cv_key(i), "value": self._obj[i], "line": sys._getframe(1).f_lineno}))

    def __reduce__(self) -> Any:
        multiprocessing.context.assert_spawning(self)
        return _rebuild_array, (self._obj, self._lock, self._cv_name)  # type: ignore[attr-defined]


def _rebuild_array(obj: Any, lock: Any, name: str) -> Array:
    array = Array(obj, lock)
    array._cv_name = name
    return array


def _recorded_array(original: Any) -> Any:
    def Array_(self: BaseContext, typecode_or_type: Any, size_or_initializer: Any, *, lock: Any = True) -> Any:
        if not is_user_file(sys._getframe(1).f_code.co_filename):
            return original(self, typecode_or_type, size_or_initializer, lock=lock)
        name = describe_factory_caller()[0]
        shared = original(self, typecode_or_type, size_or_initializer, lock=lock)
        if type(shared) is sharedctypes.SynchronizedArray:
            shared.__class__ = Array
            shared._cv_name = name or "Array"  # type: ignore[attr-defined]
        return shared

    Array_.__doc__ = original.__doc__
    return Array_


def _rebuild_value(obj: Any, lock: Any, name: str) -> Value:
    value = Value(obj, lock)
    value._cv_name = name
    return value


def _recorded_value(original: Any) -> Any:
    def Value_(self: BaseContext, typecode_or_type: Any, *args: Any, lock: Any = True) -> Any:
        if not is_user_file(sys._getframe(1).f_code.co_filename):
            return original(self, typecode_or_type, *args, lock=lock)
        name = describe_factory_caller()[0]
        shared = original(self, typecode_or_type, *args, lock=lock)
        if type(shared) is sharedctypes.Synchronized:
            shared.__class__ = Value
            shared._cv_name = f"{name or 'Value'}.value"  # type: ignore[attr-defined]
        return shared

    Value_.__doc__ = original.__doc__
    return Value_


# --- the factories: a context's Lock(), RLock(), Queue()... ----------------------

ValueParam = tuple[str, int] | None
"""The factory's parameter that ``obj.new`` reports as ``value`` (name, default)."""


def describe_factory_caller() -> tuple[str | None, str | None, int | None]:
    """(name, file, line) of the program's statement that called a context's factory."""
    return describe(3)


def patch_factory(patch: Patch, name: str, make: Any) -> None:
    """Replace ``BaseContext.<name>`` by ``make(original)``, and
    ``multiprocessing.<name>`` too (the default context's method, bound at import)."""
    factory = make(getattr(BaseContext, name))
    factory.__name__ = factory.__qualname__ = name
    patch.set(BaseContext, name, factory)
    patch.set(multiprocessing, name, types.MethodType(factory, multiprocessing.context._default_context))


def install_factory(patch: Patch, name: str, recorded: Any, value_param: ValueParam) -> None:
    """Make a context's ``<name>()`` return ``recorded`` to the program's own
    code, and the original, through the original method, to the standard
    library's. ``recorded`` has ``_cv_register(type, value, depth, ctx)``,
    called before its ``__init__``."""

    def make(original: Any) -> Any:
        def factory(self: BaseContext, *args: Any, **kwargs: Any) -> Any:
            if not is_user_file(sys._getframe(1).f_code.co_filename):
                return original(self, *args, **kwargs)
            ctx = self.get_context()
            value = None
            if value_param is not None:
                value = args[0] if args else kwargs.get(value_param[0], value_param[1])
            obj = recorded.__new__(recorded)
            obj._cv_register(name, value, 2, ctx)
            recorded.__init__(obj, *args, ctx=ctx, **kwargs)
            return obj

        factory.__doc__ = original.__doc__
        return factory

    patch_factory(patch, name, make)


_FACTORIES: dict[str, tuple[Any, ValueParam]] = {
    "Lock": (Lock, None), "RLock": (RLock, None), "Semaphore": (Semaphore, ("value", 1)),
    "BoundedSemaphore": (BoundedSemaphore, ("value", 1)), "Event": (Event, None),
    "Condition": (Condition, None), "Barrier": (Barrier, ("parties", 0)),
}
_patch = Patch()


def _standard_barrier_base() -> None:
    """``multiprocessing.synchronize.Barrier`` subclasses ``threading.Barrier``
    as it is when ``synchronize`` is imported. Imported once concviz has
    patched ``threading`` (it is imported when the program first uses
    multiprocessing), it would build on the recorded Barrier, and every wait
    of a process-shared barrier would be recorded twice: it is put back on
    the standard library's class, where it would have been without concviz."""
    from concviz.instrument import barrier

    if synchronize.Barrier.__bases__ == (barrier.Barrier,):
        synchronize.Barrier.__bases__ = (barrier.Barrier._original,)


def install() -> None:
    _standard_barrier_base()
    for name, (recorded, value_param) in _FACTORIES.items():
        install_factory(_patch, name, recorded, value_param)
    patch_factory(_patch, "Value", _recorded_value)
    patch_factory(_patch, "Array", _recorded_array)


def uninstall() -> None:
    _patch.undo()
