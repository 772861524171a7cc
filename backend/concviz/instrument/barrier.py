"""``threading.Barrier``, recorded: arrivals, the trip, and breakage."""

from __future__ import annotations

import threading
from collections.abc import Callable

from concviz import recorder
from concviz.instrument._support import ForUserCode, Patch, location, new_object

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_OriginalBarrier = threading.Barrier


class Barrier(ForUserCode, _OriginalBarrier):
    _original = _OriginalBarrier
    __module__ = "threading"  # the stdlib's repr names the class by it

    def __init__(self, parties: int, action: Callable[[], None] | None = None,
                 timeout: float | None = None) -> None:
        super().__init__(parties, action, timeout)
        self._cv_id = new_object("Barrier", value=parties, instance=self)

    def wait(self, timeout: float | None = None) -> int:
        file, line = location(2)
        _append((_ns(), _ident(), "barrier.wait", self._cv_id,
                 {"timeout": timeout, "file": file, "line": line}))
        try:
            index = super().wait(timeout)
        except threading.BrokenBarrierError:
            _append((_ns(), _ident(), "barrier.broken", self._cv_id, None))
            raise
        _append((_ns(), _ident(), "barrier.pass", self._cv_id, {"index": index}))
        return index


_patch = Patch()


def install() -> None:
    _patch.set(threading, "Barrier", Barrier)


def uninstall() -> None:
    _patch.undo()
