"""``threading.Event``, recorded: set, clear, and every wait that had to wait."""

from __future__ import annotations

import threading

from concviz import recorder
from concviz.instrument._support import ForUserCode, Patch, location, new_object

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_OriginalEvent = threading.Event


class Event(ForUserCode, _OriginalEvent):
    _original = _OriginalEvent
    __module__ = "threading"  # the stdlib's repr names the class by it

    def __init__(self) -> None:
        super().__init__()
        self._cv_id = new_object("Event", instance=self)

    def set(self) -> None:
        # Recorded first, so that every waiter's event.wake comes after it.
        _append((_ns(), _ident(), "event.set", self._cv_id, None))
        super().set()

    def clear(self) -> None:
        _append((_ns(), _ident(), "event.clear", self._cv_id, None))
        super().clear()

    def wait(self, timeout: float | None = None) -> bool:
        if self._flag:  # type: ignore[attr-defined]
            return True
        file, line = location(2)
        _append((_ns(), _ident(), "event.wait", self._cv_id,
                 {"timeout": timeout, "file": file, "line": line}))
        flag = False
        try:
            flag = super().wait(timeout)
        finally:
            _append((_ns(), _ident(), "event.wake", self._cv_id, {"flag": flag}))
        return flag


_patch = Patch()


def install() -> None:
    _patch.set(threading, "Event", Event)


def uninstall() -> None:
    _patch.undo()
