"""``threading.Condition``, recorded: wait, wake and notify.

The underlying lock records its own release and re-acquisition around each
wait. A Condition made without a lock gets a recorded RLock named after it.
"""

from __future__ import annotations

import threading
from typing import Any

from concviz import recorder
from concviz.instrument import locks
from concviz.instrument._support import ForUserCode, Patch, describe, location, new_object

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_OriginalCondition = threading.Condition


class Condition(ForUserCode, _OriginalCondition):
    _original = _OriginalCondition
    __module__ = "threading"  # the stdlib's repr names the class by it

    def __init__(self, lock: Any = None) -> None:
        name, file, line = describe(2, self)
        if lock is None:
            lock = locks.new_rlock(new_object("RLock", described=(f"{name or 'Condition'}.lock", file, line)))
        super().__init__(lock)
        self._cv_id = new_object("Condition", lock=getattr(lock, "_cv_id", None),
                                 described=(name, file, line))

    def wait(self, timeout: float | None = None) -> bool:
        if not self._is_owned():  # type: ignore[attr-defined]
            return super().wait(timeout)  # raises the real RuntimeError
        file, line = location(2)
        _append((_ns(), _ident(), "cond.wait", self._cv_id, {"timeout": timeout, "file": file, "line": line}))
        notified = False
        try:
            notified = super().wait(timeout)
        finally:
            _append((_ns(), _ident(), "cond.wake", self._cv_id, {"notified": notified}))
        return notified

    def notify(self, n: int = 1) -> None:
        if self._is_owned():  # type: ignore[attr-defined]
            waiters = len(self._waiters)  # type: ignore[attr-defined]
            _append((_ns(), _ident(), "cond.notify", self._cv_id, {"n": min(n, waiters), "waiters": waiters}))
        super().notify(n)


_patch = Patch()


def install() -> None:
    _patch.set(threading, "Condition", Condition)


def uninstall() -> None:
    _patch.undo()
