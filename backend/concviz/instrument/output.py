"""``print``, recorded: each call to stdout or stderr becomes a ``print`` event
of the thread that made it, after the real print has written it."""

from __future__ import annotations

import builtins
import sys
from typing import Any

from concviz import recorder
from concviz.instrument._support import Patch, report_once

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_original_print = builtins.print
_enabled = True


def print(*args: Any, sep: str | None = " ", end: str | None = "\n", file: Any = None, flush: bool = False) -> None:
    global _enabled
    _original_print(*args, sep=sep, end=end, file=file, flush=flush)
    if not _enabled:
        return
    if file is None or file is sys.stdout:
        stream = "stdout"
    elif file is sys.stderr:
        stream = "stderr"
    else:
        return
    try:
        text = (" " if sep is None else sep).join(map(str, args)) + ("\n" if end is None else end)
    except Exception as error:
        _enabled = False
        report_once("print", error)
        return
    _append((_ns(), _ident(), "print", None, {"text": text, "stream": stream}))


print.__doc__ = _original_print.__doc__
_patch = Patch()


def install() -> None:
    _patch.set(builtins, "print", print)


def uninstall() -> None:
    _patch.undo()
