"""``concviz export TRACE_OR_RUN --html OUT --chrome OUT``: what the command does, apart from its parsing.

``TRACE_OR_RUN`` is a trace file (``concviz run -o``) or the id of a run in the
server's store (``--data-dir``, as for ``concviz serve``). A file of that name
wins over a run id.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from concviz.export import render
from concviz.export.source import ExportError, Trace, read_file, read_stored


def load(source: str, data_dir: str | None) -> Trace:
    """The trace of a file, or else of a stored run."""
    from concviz.server.app import DB_NAME, default_data_dir
    from concviz.server.store import Store

    path = Path(source)
    if path.is_file():
        return read_file(path)
    if path.suffix in (".jsonl", ".json") or os.sep in source:
        raise ExportError(f"no such trace file: {source}")
    data = Path(data_dir) if data_dir else default_data_dir()
    if not (data / DB_NAME).is_file():
        raise ExportError(f"{source!r} is neither a trace file nor a run: there is no store of runs in {data} "
                          "(see --data-dir)")
    try:
        store = Store(data / DB_NAME)
    except sqlite3.Error as error:
        raise ExportError(f"cannot read the store of runs in {data}: {error}")
    try:
        if store.get_run(source) is None:
            raise ExportError(f"{source!r} is neither a trace file nor a run stored in {data}")
        return read_stored(store, source)
    finally:
        store.close()


def export(source: str, outputs: dict[str, str], data_dir: str | None = None) -> list[tuple[str, int]]:
    """Writes the trace of ``source`` in each format of ``outputs`` (format → path); the paths and sizes written."""
    for out in outputs.values():
        if Path(out).resolve() == Path(source).resolve():
            raise ExportError(f"{out} is the trace being exported: write the export to another file")
    trace = load(source, data_dir)
    written = []
    for fmt, out in outputs.items():
        data = render(trace, fmt)
        try:
            Path(out).write_bytes(data)
        except OSError as error:
            raise ExportError(f"cannot write {out}: {error.strerror or error}")
        written.append((out, len(data)))
    return written
