"""``threading.Semaphore`` and ``threading.BoundedSemaphore``, recorded.

They record the same kinds as locks (``lock.block``, ``lock.acquire``,
``lock.fail``, ``lock.release``); the permits in use are the acquisitions not
yet released, and ``obj.new`` carries the initial value.
"""

from __future__ import annotations

import threading

from concviz import recorder
from concviz.instrument._support import ForUserCode, Patch, location, new_object

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_NO_DEPTH = recorder.const({"depth": None})
_NON_BLOCKING = recorder.const({"blocking": False})
_TIMED_OUT = recorder.const({"blocking": True})

_OriginalSemaphore = threading.Semaphore
_OriginalBoundedSemaphore = threading.BoundedSemaphore


class _Recorded:
    """The recording shared by both semaphore kinds (mixed in before the original)."""

    _cv_id: int
    _value: int

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        if not blocking and timeout is not None:
            raise ValueError("can't specify timeout for non-blocking acquire")
        if super().acquire(False):  # type: ignore[misc]
            _append((_ns(), _ident(), "lock.acquire", self._cv_id, _NO_DEPTH))
            return True
        if not blocking:
            _append((_ns(), _ident(), "lock.fail", self._cv_id, _NON_BLOCKING))
            return False
        file, line = location(2)
        _append((_ns(), _ident(), "lock.block", self._cv_id,
                 {"timeout": timeout, "file": file, "line": line}))
        got = False
        try:
            got = super().acquire(True, timeout)  # type: ignore[misc]
        finally:
            _append((_ns(), _ident(), "lock.acquire" if got else "lock.fail", self._cv_id,
                     _NO_DEPTH if got else _TIMED_OUT))
        return got

    # As in the original: ``with`` uses this acquire even when a subclass overrides it.
    __enter__ = acquire

    def _releasable(self, n: int) -> bool:
        return n >= 1

    def release(self, n: int = 1) -> None:
        if self._releasable(n):
            for _ in range(n):
                _append((_ns(), _ident(), "lock.release", self._cv_id, _NO_DEPTH))
        super().release(n)  # type: ignore[misc]

    def __exit__(self, *exc: object) -> None:
        self.release()


class Semaphore(ForUserCode, _Recorded, _OriginalSemaphore):
    _original = _OriginalSemaphore
    __module__ = "threading"  # the stdlib's repr and error messages name the class by it

    def __init__(self, value: int = 1) -> None:
        # The original BoundedSemaphore.__init__ calls ``Semaphore.__init__``
        # by its global name, i.e. this one, on objects that are not ours.
        _OriginalSemaphore.__init__(self, value)
        if isinstance(self, Semaphore):
            self._cv_id = new_object("Semaphore", value=value, instance=self)


class BoundedSemaphore(ForUserCode, _Recorded, _OriginalBoundedSemaphore):
    _original = _OriginalBoundedSemaphore
    __module__ = "threading"  # the stdlib's repr and error messages name the class by it
    _initial_value: int

    def __init__(self, value: int = 1) -> None:
        super().__init__(value)
        self._cv_id = new_object("BoundedSemaphore", value=value, instance=self)

    def _releasable(self, n: int) -> bool:
        # Releasing past the bound raises in the real release: record nothing.
        return n >= 1 and self._value + n <= self._initial_value


_patch = Patch()


def install() -> None:
    _patch.set(threading, "Semaphore", Semaphore)
    _patch.set(threading, "BoundedSemaphore", BoundedSemaphore)


def uninstall() -> None:
    _patch.undo()
