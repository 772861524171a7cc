"""``time.sleep``, recorded when the program's own code calls it."""

from __future__ import annotations

import sys
import time

from concviz import recorder
from concviz.instrument._support import Patch, is_user_file

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_original_sleep = time.sleep


def sleep(seconds: float) -> None:
    frame = sys._getframe(1)
    if not is_user_file(frame.f_code.co_filename) or type(seconds) not in (int, float):
        return _original_sleep(seconds)
    _append((_ns(), _ident(), "sleep.begin", None, {
        "seconds": seconds, "file": frame.f_code.co_filename, "line": frame.f_lineno}))
    try:
        _original_sleep(seconds)
    finally:
        _append((_ns(), _ident(), "sleep.end", None, None))


sleep.__doc__ = _original_sleep.__doc__
_patch = Patch()


def install() -> None:
    _patch.set(time, "sleep", sleep)


def uninstall() -> None:
    _patch.undo()
