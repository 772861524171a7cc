"""Several processes' event streams → one trace, in time order.

Every process of a run writes its own stream (``concviz.recorder``), read by
the supervisor as it comes. All processes read one clock (``CLOCK_MONOTONIC``,
``time.perf_counter_ns``), so their events can be put in time order; but a
process's events reach the supervisor a few milliseconds after they happen
(its writer ships every ``FLUSH_S``). So while more than one stream is open,
events are held back ``HOLDBACK_NS`` and released in time order; with one
stream (the common case) they pass straight through, as before.

Each process's writer ends every flush with a tick, "everything I recorded
before t has been sent" (an idle one ticks every 20 ms). While several
streams are open, events are released in time order up to the oldest tick of
the open streams (less ``TICK_MARGIN_NS``: an event is timed a moment before
it is appended), so an event of one process never comes after a later event
of another. A process that cannot tick (its writer starved of the GIL
by C code that never lets go) holds the others back at most ``HOLDBACK_NS``;
an event of it that arrives later still is placed at the latest time already
released: its order within its own process is always kept, its time may be
late by that much.

Samples the supervisor takes itself (CPU use, ``concviz.cpu``) wait on the
side until the program's events have passed their time and then follow the
batch that passed it, so that they never push a program's event later than
it happened; a sample may be shown up to one batch late instead (a couple of
milliseconds), which its ``dt`` makes harmless.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from time import perf_counter_ns
from typing import Any

from concviz.translate import Lines, Resolved, Stream, Translator

HOLDBACK_NS = 200_000_000
# A thread reads the clock, then appends its event; between the two it may
# be switched out (the writer may flush meanwhile, and tick past that time).
# Trusting ticks only this much behind covers a thread held off the GIL for
# a few switch intervals (5 ms each) at that very point.
TICK_MARGIN_NS = 25_000_000


def _time(event: Resolved) -> int:
    return event[0]


class Merger:
    def __init__(self, translator: Translator, deliver: Callable[[Lines], None],
                 holdback_ns: int = HOLDBACK_NS, tick_margin_ns: int = TICK_MARGIN_NS) -> None:
        self.translator = translator
        self.deliver = deliver
        self.holdback_ns = holdback_ns
        self.tick_margin_ns = tick_margin_ns
        self.streams: list[Stream] = []
        self.open: set[Stream] = set()
        self.pending: dict[Stream, list[Resolved]] = {}
        self.streams_by_pid: dict[int, Stream] = {}
        self.side: list[Resolved] = []

    def add(self, stream: Stream | None = None) -> Stream:
        stream = stream or Stream()
        self.streams.append(stream)
        self.open.add(stream)
        self.pending[stream] = []
        return stream

    @property
    def merging(self) -> bool:
        return len(self.open) > 1 or any(self.pending.values())

    def feed(self, stream: Stream, line: bytes | memoryview) -> None:
        """One line of a stream (its hello, or a batch): bytes, or a view of
        what was read, which only a one-process run's batch is kept as."""
        tr = self.translator
        if line[:1] == b"{" and stream.method is not None:
            tr.tick(stream, bytes(line))
            return
        if stream.method is None:
            events = tr.hello(stream, bytes(line))
            self.streams_by_pid[stream.pid] = stream
            self._hold(stream, events)
            return
        if not self.merging:
            lines = tr.translate_line(stream, line)
            if lines:
                self.deliver(lines)
            if self.side:
                # Samples this batch has passed go after it (a sample's time
                # may be shown up to one batch late; a program's event never is).
                self._release_side(stream.last_t)
            return
        self._hold(stream, tr.resolve(stream, tr.decode(bytes(line))))

    def add_sample(self, stream: Stream, t: int, tid: int, kind: str, args: dict[str, Any]) -> None:
        """A sample the supervisor took of ``stream``'s process at time ``t`` (absolute)."""
        self.side.append(self.translator.event(stream, t, tid, kind, None, args))

    def _release_side(self, until: int) -> None:
        if self.translator.fold.limit is not None:
            self.side.clear()  # nothing comes after a limit
            return
        cut = bisect.bisect_right(self.side, until, key=_time)
        if cut:
            lines = self.translator.sequence(self.side[:cut])
            del self.side[:cut]
            if lines:
                self.deliver(lines)

    def add_event(self, stream: Stream, t: int, tid: int, kind: str, obj: int | None, args: dict[str, Any]) -> None:
        """An event made by the supervisor about ``stream``'s process, at time ``t`` (absolute)."""
        self._hold(stream, [self.translator.event(stream, max(t, stream.last_t), tid, kind, obj, args)])
        stream.last_t = max(t, stream.last_t)

    def close(self, stream: Stream, t: int | None = None) -> None:
        """The stream ended: its process is gone (``process.end``)."""
        if stream not in self.open:
            return
        if stream.method not in (None, "root") and stream.pid:
            self.add_event(stream, perf_counter_ns() if t is None else t, stream.main_tid, "process.end", None,
                           {"pid": stream.pid})
        self.open.discard(stream)

    def _hold(self, stream: Stream, events: list[Resolved]) -> None:
        if events:
            self.pending[stream].extend(events)

    def release(self, now: int | None = None) -> None:
        """Deliver what can no longer be preceded by an event still on its way."""
        now = perf_counter_ns() if now is None else now
        if len(self.open) == 1 and not self.side:
            (only,) = self.open
            if not any(events for stream, events in self.pending.items() if stream is not only):
                self.flush()  # one stream's own events: nothing else can come before them
                return
        margin = self.tick_margin_ns
        known = min((s.known_until for s in self.open), default=now + margin) - margin
        watermark = max(known, now - self.holdback_ns)
        if not any(self.pending.values()):
            if self.side:
                self._release_side(watermark)
            return
        self._release_until(watermark)

    def flush(self) -> None:
        """Deliver everything held (the run is over, or one stream is left)."""
        self._release_until(None)

    def _release_until(self, watermark: int | None) -> None:
        ready: list[Resolved] = []
        for events in (*self.pending.values(), self.side):
            if not events:
                continue
            cut = len(events) if watermark is None else bisect.bisect_right(events, watermark, key=_time)
            if cut:
                ready.extend(events[:cut])
                del events[:cut]
        if not ready:
            return
        ready.sort(key=_time)  # stable: each stream's own order is kept
        lines = self.translator.sequence(ready)
        if lines:
            self.deliver(lines)
