"""``time.sleep``, recorded when the program's own code calls it."""

from __future__ import annotations

import math
import sys
import time
from typing import Any

from concviz import recorder
from concviz.instrument._support import Patch, is_user_file

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_original_sleep = time.sleep


class _Sleep:
    """The recorded ``time.sleep``. A builtin in all but its code: it has no
    ``__dict__`` (``xmlrpc`` and others tell builtins from functions by that)
    and it pickles by name, as ``time.sleep``."""

    __slots__ = ()
    __module__ = "time"
    __name__ = "sleep"
    __doc__ = _original_sleep.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        frame = sys._getframe(1)
        # Anything but a valid duration goes to the original as it is, which
        # raises exactly what it raises (and nothing is recorded).
        if (kwargs or len(args) != 1 or type(args[0]) not in (int, float) or not 0 <= args[0] < math.inf
                or not is_user_file(frame.f_code.co_filename)):
            return _original_sleep(*args, **kwargs)
        seconds = args[0]
        _append((_ns(), _ident(), "sleep.begin", None, {
            "seconds": seconds, "file": frame.f_code.co_filename, "line": frame.f_lineno}))
        try:
            _original_sleep(seconds)
        finally:
            _append((_ns(), _ident(), "sleep.end", None, None))

    def __reduce__(self) -> str:
        return "sleep"

    def __repr__(self) -> str:
        return "<built-in function sleep>"


sleep = _Sleep()
_patch = Patch()


def install() -> None:
    _patch.set(time, "sleep", sleep)


def uninstall() -> None:
    _patch.undo()
