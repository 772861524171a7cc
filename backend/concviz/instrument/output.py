"""``print``, recorded: each call to stdout or stderr becomes a ``print`` event
of the thread that made it, after the real print has written it."""

from __future__ import annotations

import builtins
import sys
from typing import Any

from concviz import recorder
from concviz.instrument._support import Patch, report_once
from concviz.limits import PRINT_TEXT_MAX

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_original_print = builtins.print
_enabled = True


class _Copy:
    """Hands print's writes to the real stream and keeps what was written, so
    that each argument's ``__str__`` runs once, as without concviz."""

    __slots__ = ("parts", "stream")

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> Any:
        self.parts.append(text)
        return self.stream.write(text)

    def flush(self) -> Any:
        return self.stream.flush()


def print(*args: Any, sep: str | None = " ", end: str | None = "\n", file: Any = None,
          flush: bool = False) -> None:
    global _enabled
    target = sys.stdout if file is None else file
    if not _enabled or target is None or (target is not sys.stdout and target is not sys.stderr):
        return _original_print(*args, sep=sep, end=end, file=file, flush=flush)
    copy = _Copy(target)
    _original_print(*args, sep=sep, end=end, file=copy, flush=flush)
    try:
        text = "".join(copy.parts)
        event: dict[str, Any] = {"text": text, "stream": "stdout" if target is sys.stdout else "stderr"}
        if len(text) > PRINT_TEXT_MAX:
            # One print of 100 MB must not make a 100 MB event (or trace).
            event["text"] = text[:PRINT_TEXT_MAX]
            event["cut"] = len(text) - PRINT_TEXT_MAX
        _append((_ns(), _ident(), "print", None, event))
    except Exception as error:
        _enabled = False
        report_once("print", error)


print.__doc__ = _original_print.__doc__
_patch = Patch()


def install() -> None:
    _patch.set(builtins, "print", print)


def uninstall() -> None:
    _patch.undo()
