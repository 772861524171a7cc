"""Source lines: which line of the program's own files each thread is on.

A trace function (``sys.settrace`` and ``threading.settrace``) that traces only
frames of the program's own code. It costs far more than the rest of the
recording, and adds thread-switch points, so it is optional (``--lines``).
"""

from __future__ import annotations

import sys
import threading
from types import FrameType
from typing import Any

from concviz import recorder
from concviz.instrument._support import is_user_file

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident


def _local(frame: FrameType, event: str, arg: Any) -> Any:
    if event == "line":
        _append((_ns(), _ident(), "line", None, {"file": frame.f_code.co_filename, "line": frame.f_lineno}))
    return _local


def _global(frame: FrameType, event: str, arg: Any) -> Any:
    if event == "call" and is_user_file(frame.f_code.co_filename):
        return _local
    return None


def install() -> None:
    threading.settrace(_global)
    sys.settrace(_global)


def uninstall() -> None:
    sys.settrace(None)
    threading.settrace(None)
