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
import multiprocessing.synchronize as synchronize
import sys
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
    pass

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
}
_patch = Patch()


def install() -> None:
    for name, (recorded, value_param) in _FACTORIES.items():
        install_factory(_patch, name, recorded, value_param)


def uninstall() -> None:
    _patch.undo()
