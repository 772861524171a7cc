"""Relative paths in an exported trace, so that no path of the recording machine leaves with it.

The recorder writes absolute paths: the keys of the header's ``source``, the
``file`` of waits and objects, the deadlock cycle's lines, tracebacks. An
export drops the directory of the program's own files everywhere, so
``/home/ann/course/scenarios/race.py`` becomes ``race.py`` in every place at
once: the viewer matches ``line`` events to the embedded sources by path.
"""

from __future__ import annotations

import os
from typing import Any

from concviz.export.source import Trace


def relative_paths(trace: Trace) -> Trace:
    """The trace with the program's directory removed from every path and message."""
    sources: dict[str, str] = trace.header.get("source") or {}
    absolute = [os.path.dirname(path) for path in sources if os.path.isabs(path)]
    if not absolute:
        return trace
    base = os.path.commonpath(absolute)
    if base == os.sep:  # files all over the machine: nothing sensible to strip
        return trace
    prefix = base + os.sep
    header = {key: _strip(value, prefix) for key, value in trace.header.items() if key != "source"}
    header["source"] = {path.removeprefix(prefix): text for path, text in sources.items()}
    return Trace(header, [_strip(ev, prefix) for ev in trace.events], _strip(trace.end, prefix), trace.tour)


def _strip(value: Any, prefix: str) -> Any:
    if isinstance(value, str):
        return value.replace(prefix, "") if prefix in value else value
    if isinstance(value, dict):
        return {key: _strip(item, prefix) for key, item in value.items()}
    if isinstance(value, list):
        return [_strip(item, prefix) for item in value]
    return value
