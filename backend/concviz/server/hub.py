"""Fan-out of one live run's trace from its run thread to its viewers (asyncio).

The run thread publishes the header line, batches of event lines and the end
line; each viewer (a WebSocket or a trace download) subscribes from the event
loop. History and subscription happen under one lock: ``subscribe`` copies
the history and registers the viewer atomically with respect to
``publish_*``, so a viewer sees every item exactly once — no gap between
history and tail, no duplicate.

Publishing never blocks and never waits for a viewer: an item is appended
to each viewer's pending deque (shared references, no copies) and the
viewer's task is woken with ``call_soon_threadsafe``. A viewer that falls
more than ``max_lag`` live events behind is marked ``overflowed`` and
dropped by its task; it can reconnect and catch up from the history.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# One pending item: ("header", [line]) | ("events", lines) | ("end", [line]).
Item = tuple[str, Sequence[bytes]]


@dataclass
class Snapshot:
    items: list[Item]
    ended: bool


class Viewer:
    """The consuming end of a subscription; its methods run in the event loop."""

    def __init__(self, max_lag: int) -> None:
        self.loop = asyncio.get_running_loop()
        self.max_lag = max_lag
        self.wake = asyncio.Event()
        self.overflowed = False
        self.closed = False
        self.send_deadline: asyncio.Timeout | None = None
        """The timeout of the send in progress: an overflow cuts it short."""
        self._pending: deque[Item] = deque()
        self._lag = 0
        self._lock = threading.Lock()
        self._wake_scheduled = False

    # --- run thread side (called with the hub's lock held) ------------------------------

    def _push(self, item: Item, live: bool) -> None:
        with self._lock:
            if self.overflowed:
                return
            if live and item[0] == "events":
                self._lag += len(item[1])
                if self._lag > self.max_lag:
                    self.overflowed = True
                    self._pending.clear()
                    self._call(self._interrupt)
                    return
            self._pending.append(item)
            if self._wake_scheduled:
                return
            self._wake_scheduled = True
        self._call(self.wake.set)

    def _call(self, callback: Callable[[], None]) -> None:
        try:
            self.loop.call_soon_threadsafe(callback)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            pass

    def _interrupt(self) -> None:
        """Overflowed: wake the task, and end a send stuck on a stalled client now."""
        self.wake.set()
        if self.send_deadline is not None:
            self.send_deadline.reschedule(self.loop.time())

    # --- event loop side ---------------------------------------------------------------

    def take(self) -> list[Item]:
        """Everything pending, oldest first (empty: wait on ``wake``)."""
        self.wake.clear()
        with self._lock:
            self._wake_scheduled = False
            items = list(self._pending)
            self._pending.clear()
            self._lag = 0
        return items

    async def next_items(self) -> list[Item]:
        """Wait for and return the next pending items (empty when overflowed or closed)."""
        while True:
            items = self.take()
            if items or self.overflowed or self.closed:
                return items
            await self.wake.wait()

    def close(self) -> None:
        """The viewer has gone: wake its task so that it ends."""
        self.closed = True
        self.wake.set()


class Hub:
    """The in-memory trace of one live run, and who is watching it.

    Memory is bounded: beyond ``window_bytes`` of event lines, the oldest
    batches the store already holds (``stored()``, a count of events) are
    let go; ``subscribe`` says from which event the memory starts, and the
    events before it are read from the store (``streaming.follow``).
    """

    def __init__(self, window_bytes: int = 0, stored: Callable[[], int] | None = None) -> None:
        self._lock = threading.Lock()
        self._head: list[Item] = []
        self._tail: deque[tuple[int, int, Item]] = deque()
        """(first event, bytes, item) of every item after the header still in memory."""
        self._held = 0
        self._base = 0
        self._window = window_bytes
        self._stored = stored
        self._viewers: set[Viewer] = set()
        self.events = 0
        self.ended = False
        self.retired = False

    # --- run thread side ----------------------------------------------------------------

    def publish(self, kind: str, lines: Sequence[bytes]) -> None:
        item = (kind, lines)
        size = sum(map(len, lines))
        with self._lock:
            if kind == "header":
                self._head.append(item)
            else:
                self._tail.append((self.events, size, item))
                self._held += size
            if kind == "events":
                self.events += len(lines)
            elif kind == "end":
                self.ended = True
            for viewer in self._viewers:
                viewer._push(item, live=True)
            if self.ended:
                self._viewers.clear()
            if self._window and self._held > self._window and self._stored is not None:
                self._let_go(self._stored())

    def _let_go(self, stored: int) -> None:
        while self._tail and self._held > self._window:
            first, size, (kind, lines) = self._tail[0]
            if kind != "events" or first + len(lines) > stored:
                return
            self._tail.popleft()
            self._held -= size
            self._base = first + len(lines)

    @property
    def held_bytes(self) -> int:
        return self._held

    def retire(self) -> None:
        """Forget the history once the store holds all of it; later viewers read the store."""
        with self._lock:
            self.retired = True
            self._head = []
            self._tail.clear()
            self._held = 0

    # --- event loop side ----------------------------------------------------------------

    @property
    def viewer_count(self) -> int:
        return len(self._viewers)

    def subscribe(self, viewer: Viewer) -> bool:
        """History into ``viewer``'s pending items, then the live tail; False once retired."""
        return self.subscribe_at(viewer) is not None

    def subscribe_at(self, viewer: Viewer) -> int | None:
        """``subscribe``; None once retired.

        Returns the first event in memory: events before it (after the header,
        which is always pushed first) must be read from the store.
        """
        with self._lock:
            if self.retired:
                return None
            for item in self._head:
                viewer._push(item, live=False)
            for _, _, item in self._tail:
                viewer._push(item, live=False)
            if not self.ended:
                self._viewers.add(viewer)
            return self._base

    def unsubscribe(self, viewer: Viewer) -> None:
        with self._lock:
            self._viewers.discard(viewer)
