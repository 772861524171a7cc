"""A run's trace as a stream of items, live or stored, and as WebSocket messages.

``follow`` gives the whole trace of a run — header, event batches, end — from
the live ``Hub`` (history then tail) while the run is in memory, or from the
store once it has been retired. A run is registered as live before it is
stored and retired only after the store holds its end, so one of the two
always has all of it.

Messages are built from the raw event lines as the child wrote them (joined,
never decoded and re-encoded): ``{"type":"events","events":[line,line,...]}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterator

from concviz.server.hub import Item, Viewer
from concviz.server.runs import RunManager

EVENTS_OPEN = b'{"type":"events","events":['
EVENTS_CLOSE = b"]}"


class Overflowed(Exception):
    """The viewer fell too far behind the live run."""


async def follow(manager: RunManager, run_id: str, viewer: Viewer) -> AsyncGenerator[list[Item], None]:
    """Every item of the run's trace, in order, once, in batches; waits for the live tail.

    A batch is whatever was pending when the reader came back for more:
    large when it is behind, one flush of the child when it keeps up.
    """
    run = manager.live(run_id)
    if run is not None and run.hub.subscribe(viewer):
        try:
            while True:
                items = await viewer.next_items()
                if viewer.overflowed:
                    raise Overflowed
                if viewer.closed:
                    return
                for i, item in enumerate(items):
                    if item[0] == "end":
                        yield items[: i + 1]
                        return
                yield items
        finally:
            run.hub.unsubscribe(viewer)
    store = manager.store
    header, end = await asyncio.to_thread(store.trace_ends, run_id)
    if header is not None:
        yield [("header", [header])]
    seq = 0
    while True:
        chunks = await asyncio.to_thread(store.read_chunks, run_id, seq)
        if not chunks:
            break
        for first, blob in chunks:
            lines = blob.rstrip(b"\n").split(b"\n")
            if first < seq:  # never happens with whole batches; be safe about overlaps anyway
                lines = lines[seq - first :]
            yield [("events", lines)]
            seq = max(seq, first + len(lines))
    if end is not None:
        yield [("end", [end])]


def event_messages(lines: list[bytes], max_events: int, max_bytes: int) -> Iterator[bytes]:
    """``events`` messages of at most ``max_events`` lines and about ``max_bytes`` each."""
    i = 0
    n = len(lines)
    while i < n:
        j = min(n, i + max_events)
        chunk = lines[i:j]
        while len(chunk) > 1 and sum(map(len, chunk)) > max_bytes:
            chunk = chunk[: len(chunk) // 2]
        yield EVENTS_OPEN + b",".join(chunk) + EVENTS_CLOSE
        i += len(chunk)


def messages(items: list[Item], max_events: int, max_bytes: int) -> Iterator[bytes]:
    """Items as messages, merging consecutive event batches (adaptive batching)."""
    pending: list[bytes] = []
    for kind, lines in items:
        if kind == "events":
            pending.extend(lines)
            continue
        if pending:
            yield from event_messages(pending, max_events, max_bytes)
            pending = []
        yield lines[0]
    if pending:
        yield from event_messages(pending, max_events, max_bytes)
