"""Offline export: one self-contained HTML page with the viewer and one run's trace.

The page opens from ``file://`` with no server: the built viewer
(``static/dist/app.js`` and ``app.css``) is inlined, and the trace (JSON Lines,
gzip, base64) sits in a ``<script type="application/octet-stream">`` block
that ``frontend/src/net/offline.ts`` decompresses and opens instead of asking
the server. The page's Content-Security-Policy (``default-src 'none'``) makes
"no network" a property of the file rather than a promise of the code.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import re
from pathlib import Path

from concviz import scenarios, tours
from concviz.export.source import ExportError, Trace, to_jsonl

DIST = Path(__file__).resolve().parents[1] / "static" / "dist"
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src data:; font-src data:")
# What would end an inline <script>/<style> early, or enter the parser's
# "escaped" state. In the viewer's code these only occur inside strings,
# regular expressions and comments, where ``\x3C`` means the same ``<``.
_CLOSES = re.compile(r"<(?=/script|/style|!--)", re.IGNORECASE)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="generator" content="concviz export">
<title>{title} · concviz</title>
<style>{css}</style>
</head>
<body>
<div id="app"></div>
<script type="application/octet-stream" id="concviz-trace" data-encoding="gzip+base64" data-title="{title}" \
data-name="{name}">{data}</script>
{tour}<script type="module">{js}</script>
</body>
</html>
"""


def to_html(trace: Trace) -> bytes:
    """The page (UTF-8) showing ``trace`` as the stored-run page shows a run."""
    js, css = _viewer()
    data = base64.b64encode(gzip.compress(to_jsonl(trace), compresslevel=9, mtime=0)).decode("ascii")
    target = str(trace.header.get("target") or "trace")
    name = f"{Path(target).stem}-{trace.header.get('run_id', 'run')}.jsonl"
    page = PAGE.format(csp=CSP, title=html.escape(_title(target)), name=html.escape(name), data=data,
                       tour=_tour_block(trace),
                       css=_CLOSES.sub(r"\\3C ", css), js=_CLOSES.sub(r"\\x3C", js))
    return page.encode()


def _tour_block(trace: Trace) -> str:
    """The run's tour (its own, else its scenario's) as the JSON block ``ui/lecture.ts`` reads; '' for none.

    ``<`` is written ``\\u003c`` so that no note can end the block early.
    """
    target = trace.header.get("target")
    tour = tours.tour_fields(trace.tour, target if isinstance(target, str) else None)["tour"]
    if tour is None:
        return ""
    text = json.dumps(tour, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return f'<script type="application/json" id="concviz-tour">{text}</script>\n'


def _title(target: str) -> str:
    """A scenario's title, as the stored-run page shows it; a script's own name."""
    try:
        return scenarios.find(target).title
    except (scenarios.ScenarioError, SyntaxError, ValueError, OSError):
        return Path(target).name


def _viewer() -> tuple[str, str]:
    scripts = sorted(p.name for p in DIST.glob("*.js"))
    if scripts != ["app.js"] or not (DIST / "app.css").is_file():
        raise ExportError(f"the viewer is not built as one app.js and app.css in {DIST} "
                          f"(found {', '.join(scripts) or 'no script'}): run `npm run build`")
    return (DIST / "app.js").read_text(encoding="utf-8"), (DIST / "app.css").read_text(encoding="utf-8")
