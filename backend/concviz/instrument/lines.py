"""Source lines: which line of the program's own files each thread is on.

On Python 3.12+ this uses ``sys.monitoring`` (PEP 669): a ``PY_START``
callback switches ``LINE`` events on for the program's own code objects only
(and disables itself for every code object after its first start), so the
standard library and installed packages run untraced at full speed; the
LINE callback is C (``concviz._record.line``), so a recorded line adds no
thread-switch point. Before 3.12 (or with ``CONCVIZ_LINES=settrace``) it is
a trace function in C (``_record.trace_lines``), set in the main thread and
in every thread the program starts (``threads.on_begin``): it records the
lines of the program's own files and turns line events off in every other
frame as it starts; it runs no Python code either. Line events cost more
than the rest, so they are optional (``--lines``).
"""

from __future__ import annotations

import os
import sys
from types import CodeType
from typing import Any

from concviz import _record, recorder  # type: ignore[attr-defined]  # noqa: F401 (recorder configures _record.line)
from concviz.instrument import threads
from concviz.instrument._support import is_user_file

# --- sys.monitoring (3.12+) --------------------------------------------------

_monitoring: Any = getattr(sys, "monitoring", None)
_tool: int | None = None
_traced: list[CodeType] = []


# The LINE callback is C (no Python frame): it adds no thread-switch point.
_on_line = _record.line


def _on_start(code: CodeType, offset: int) -> Any:
    if is_user_file(code.co_filename):
        _monitoring.set_local_events(_tool, code, _monitoring.events.LINE)
        _traced.append(code)
    return _monitoring.DISABLE  # this code object's later starts cost nothing


def _free_tool() -> int | None:
    for tool in (_monitoring.PROFILER_ID, _monitoring.OPTIMIZER_ID, 4, 3):
        if _monitoring.get_tool(tool) is None:
            return int(tool)
    return None


def using_monitoring() -> bool:
    return _monitoring is not None and os.environ.get("CONCVIZ_LINES", "monitoring") != "settrace"


def install() -> None:
    global _tool
    if using_monitoring():
        _tool = _free_tool()
        if _tool is not None:
            _monitoring.use_tool_id(_tool, "concviz")
            _monitoring.register_callback(_tool, _monitoring.events.PY_START, _on_start)
            _monitoring.register_callback(_tool, _monitoring.events.LINE, _on_line)
            _monitoring.set_events(_tool, _monitoring.events.PY_START)
            return
    _trace_this_thread()
    threads.on_begin.append(_trace_this_thread)


def _trace_this_thread() -> None:
    _record.trace_lines(is_user_file)


def uninstall() -> None:
    global _tool
    if _tool is not None:
        _monitoring.set_events(_tool, 0)
        for code in _traced:
            _monitoring.set_local_events(_tool, code, 0)
        _traced.clear()
        _monitoring.register_callback(_tool, _monitoring.events.PY_START, None)
        _monitoring.register_callback(_tool, _monitoring.events.LINE, None)
        _monitoring.free_tool_id(_tool)
        _tool = None
        return
    if _trace_this_thread in threads.on_begin:
        threads.on_begin.remove(_trace_this_thread)
    _record.stop_tracing_lines()
