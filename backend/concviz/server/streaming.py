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
from collections.abc import AsyncGenerator, Iterator, Sequence

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
    base = run.hub.subscribe_at(viewer) if run is not None else None
    if run is not None and base is not None:
        try:
            first = True
            while True:
                items = await viewer.next_items()
                if viewer.overflowed:
                    raise Overflowed
                if viewer.closed:
                    return
                if first and base:  # the oldest events have left memory: read them from the store
                    yield items[:1]  # the header
                    async for batch in _stored(manager, run_id, 0, base):
                        yield batch
                    items = items[1:]
                first = False
                for i, item in enumerate(items):
                    if item[0] == "end":
                        yield items[: i + 1]
                        return
                if items:
                    yield items
        finally:
            run.hub.unsubscribe(viewer)
    store = manager.store
    header, end = await asyncio.to_thread(store.trace_ends, run_id)
    if header is not None:
        yield [("header", [header])]
    async for batch in _stored(manager, run_id, 0, None):
        yield batch
    if end is not None:
        yield [("end", [end])]


async def _stored(manager: RunManager, run_id: str, seq: int, stop: int | None) -> AsyncGenerator[list[Item], None]:
    """Event batches from the store, from event ``seq`` up to ``stop`` (None: all)."""
    store = manager.store
    while stop is None or seq < stop:
        chunks = await asyncio.to_thread(store.read_chunks, run_id, seq)
        if not chunks:
            break
        for first, blob in chunks:
            lines = blob.rstrip(b"\n").split(b"\n")
            if first < seq:  # never happens with whole batches; be safe about overlaps anyway
                lines = lines[seq - first :]
            if stop is not None:
                lines = lines[: max(0, stop - seq)]
            if lines:
                yield [("events", lines)]
            seq += len(lines)
            if stop is not None and seq >= stop:
                return


def event_messages(lines: Sequence[bytes], max_events: int, max_bytes: int) -> Iterator[bytes]:
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
