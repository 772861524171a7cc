"""Reading a concviz trace for export, from a JSON Lines file or from the server's store.

Both exporters (``chrome``, ``html``) take a :class:`Trace`; this module is the
only one that knows where traces come from. A trace cut short by a killed
recorder is still exported: a last line that is not valid JSON is dropped,
as the viewer does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from concviz import events

if TYPE_CHECKING:
    from concviz.server.store import Store

_decode = msgspec.json.decode
_encode = msgspec.json.Encoder().encode


class ExportError(Exception):
    """The input cannot be exported; the message says what was expected and what came."""


@dataclass
class Trace:
    header: dict[str, Any]
    events: list[dict[str, Any]]
    """Envelopes in ``seq`` order."""
    end: dict[str, Any] | None
    """None when the recording was cut off before its end line."""
    tour: dict[str, Any] | None = None
    """The run's own tour (``store.get_tour``); None lets the HTML export use its scenario's."""


def parse_lines(lines: Iterable[bytes], origin: str) -> Trace:
    """A trace from its lines; ``origin`` names it in error messages (a path, a run)."""
    header: dict[str, Any] | None = None
    found: list[dict[str, Any]] = []
    end: dict[str, Any] | None = None
    broken: str | None = None
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        if broken is not None:  # a bad line before the last one: not a cut-off recording
            raise ExportError(broken)
        try:
            item = _decode(line)
        except msgspec.DecodeError:
            if header is None:
                raise ExportError(f"{origin} is not a concviz trace: expected a JSON header line first, "
                                  f"got {_shown(line)}")
            broken = f"{origin}, line {number}: expected a JSON object, got {_shown(line)}"
            continue
        if header is None:
            header = _check_header(item, origin)
        elif isinstance(item, dict) and item.get("type") == "end":
            end = item
        elif isinstance(item, dict) and isinstance(item.get("seq"), int) and isinstance(item.get("kind"), str):
            found.append(item)
        else:
            raise ExportError(f"{origin}, line {number}: expected an event, got {_shown(line)}")
    if header is None:
        raise ExportError(f"{origin} is empty: expected a concviz trace (JSON Lines with a header line)")
    return Trace(header, found, end)


def _shown(line: bytes) -> str:
    return repr(line[:50].decode(errors="replace"))


def _check_header(item: Any, origin: str) -> dict[str, Any]:
    if not (isinstance(item, dict) and item.get("type") == "header" and item.get("format") == events.FORMAT):
        got = repr(item.get("format")) if isinstance(item, dict) else type(item).__name__
        raise ExportError(f"{origin} is not a concviz trace: expected a header line with format "
                          f"{events.FORMAT!r} first, got {got}")
    version = item.get("version")
    if not isinstance(version, int) or version > events.VERSION:
        raise ExportError(f"{origin} is a trace of format version {version!r}; "
                          f"this concviz reads version {events.VERSION} and older")
    return item


def read_file(path: Path) -> Trace:
    """A trace written by ``concviz run -o`` (or downloaded from the server)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExportError(f"cannot read {path}: {error.strerror or error}")
    return parse_lines(data.splitlines(), str(path))


def read_stored(store: Store, run_id: str) -> Trace:
    """The trace of a run in the server's store, as ``GET /api/runs/{id}/trace`` gives it."""
    header, end = store.trace_ends(run_id)
    if header is None:
        raise ExportError(f"run {run_id} has no trace: it never started")
    lines = [header]
    seq = 0
    while chunks := store.read_chunks(run_id, seq):
        for first, blob in chunks:
            batch = blob.rstrip(b"\n").split(b"\n")
            lines.extend(batch[max(0, seq - first):])
            seq = max(seq, first + len(batch))
    if end is not None:
        lines.append(end)
    trace = parse_lines(lines, f"run {run_id}")
    trace.tour = store.get_tour(run_id)
    return trace


def to_jsonl(trace: Trace) -> bytes:
    """The trace as JSON Lines again, as ``concviz run -o`` writes it."""
    lines = [trace.header, *trace.events] + ([trace.end] if trace.end is not None else [])
    return b"\n".join(map(_encode, lines)) + b"\n"
