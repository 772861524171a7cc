"""Exports of a run for use without the server: a Chrome/Perfetto trace and one offline HTML page.

``source`` reads a trace (a JSON Lines file or a stored run), ``paths`` takes
the recording machine's directories out of it, ``chrome`` and ``html`` turn
it into a file. ``concviz export`` (``command``) and the server's
``GET /api/runs/{id}/export`` both end in :func:`render`.
"""

from __future__ import annotations

from dataclasses import dataclass

from concviz.export import chrome, html
from concviz.export.paths import relative_paths
from concviz.export.source import ExportError, Trace


@dataclass(frozen=True)
class Format:
    suffix: str
    media_type: str


FORMATS = {
    "html": Format(".html", "text/html; charset=utf-8"),
    "chrome": Format(".trace.json", "application/json"),
}


def render(trace: Trace, fmt: str) -> bytes:
    """The file of ``trace`` in one of the ``FORMATS``."""
    trace = relative_paths(trace)
    if fmt == "html":
        return html.to_html(trace)
    if fmt == "chrome":
        return chrome.encode(trace)
    raise ExportError(f"expected one of the formats {', '.join(FORMATS)}, got {fmt!r}")


__all__ = ["FORMATS", "ExportError", "Trace", "render"]
