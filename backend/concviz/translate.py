"""From the processes' compact batches to trace lines, in the parent process.

Each process of a run writes its own stream (``concviz.recorder.Writer``):
a hello line, then batches of raw tuples ``[t, ident, kind, obj, args]``.
Here each event gets its sequence number, its time relative to the run's
start (kept monotonic along ``seq``), its process id and a thread id in
place of the OS ident, and becomes one JSON line of the trace format
(``concviz.events.Envelope``). The same pass feeds the fold. Putting the
streams of several processes in time order is ``concviz.merge``'s job.

A one-process run's batches go through ``translate_line``: the busy kinds
(everything the fold does not fold, and a plain Lock's acquire and release)
are translated in C (``concviz._translate``), every other event by
``translate`` here, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import msgspec

from concviz import _translate  # type: ignore[attr-defined]
from concviz.analysis.fold import NO_ARGS, RLOCK_ONLY_ARGS, Fold
from concviz.analysis.fold_coroutines import actor

_translate.configure(Fold.handlers, NO_ARGS)

# Threads a process started without a threading.Thread object get ids from
# here on (plus the process's main thread id), far from the ids of Thread
# objects and below the next process's ids (``recorder.ID_SHIFT``).
FOREIGN_TIDS = 1_000_000

_Raw = msgspec.Raw
_decode_hello = msgspec.json.Decoder(dict[str, Any]).decode
_decode_tick = msgspec.json.Decoder(dict[str, int]).decode
_decode_batch = msgspec.json.Decoder(list[tuple[int, int, str, int | None, _Raw]]).decode
_decode_args = msgspec.json.Decoder(dict[str, Any]).decode
_encode_lines = msgspec.json.Encoder().encode_lines
_encode = msgspec.json.encode
_NULL = msgspec.Raw(b"null")
_EMPTY = msgspec.Raw(b"{}")

RawEvent = tuple[int, int, str, int | None, _Raw]
"""``(t, ident, kind, obj, args)`` as a process's writer sent it; ``t`` absolute."""
Resolved = tuple[int, int, int, str, int | None, _Raw]
"""``(t, pid, tid, kind, obj, args)``: a raw event with its thread known; ``t`` absolute."""


class Lines(Sequence[bytes]):
    """Trace lines as a trace file holds them: ``data`` is each line followed
    by a newline, as both paths make them (C, and msgspec's ``encode_lines``).
    A sink that writes them out takes ``data`` as it is; indexing or
    iterating splits it, once."""

    __slots__ = ("_count", "_data", "_split")

    def __init__(self, data: bytes = b"", count: int = 0) -> None:
        self._data = data
        self._count = count
        self._split: list[bytes] | None = None

    @property
    def data(self) -> bytes:
        return self._data

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._lines())

    @overload
    def __getitem__(self, i: int) -> bytes: ...
    @overload
    def __getitem__(self, i: slice) -> list[bytes]: ...
    def __getitem__(self, i: int | slice) -> bytes | list[bytes]:
        return self._lines()[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Lines):
            return self._data == other._data
        return isinstance(other, list) and self._lines() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Lines({self._count} lines)"

    def _lines(self) -> list[bytes]:
        if self._split is None:
            self._split = self._data.split(b"\n")[:-1] if self._data else []
        return self._split


class Line(msgspec.Struct, gc=False):
    """One event line, encoded in C; the fields of ``concviz.events.Envelope``."""

    seq: int
    t: int
    pid: int
    tid: int
    kind: str
    obj: int | None
    args: _Raw


class Stream:
    """What the translator knows of one process's stream."""

    __slots__ = ("foreign", "known_until", "last_t", "main_tid", "method", "natives", "pid", "ppid", "tids")

    def __init__(self) -> None:
        self.pid = 0
        self.ppid = 0
        self.main_tid = 0
        self.method: str | None = None
        self.tids: dict[int, int] = {}
        """OS thread ident → thread id."""
        self.natives: dict[int, int] = {}
        """OS native thread id → thread id (for CPU sampling)."""
        self.foreign = FOREIGN_TIDS
        self.last_t = 0
        """The stream's latest time so far (absolute), see ``concviz.merge``."""
        self.known_until = 0
        """Everything the process recorded before this time (absolute) has arrived."""


class Translator:
    def __init__(self, fold: Fold) -> None:
        self.fold = fold
        self.seq = 0
        self.last_t = 0
        self.t0: int | None = None
        self.root = Stream()

    # --- one stream at a time -----------------------------------------------------

    def feed(self, line: bytes) -> Lines:
        """One line of the program's own process → the trace lines it stands for."""
        return self.feed_stream(self.root, line)

    def feed_stream(self, stream: Stream, line: bytes) -> Lines:
        if stream.method is None:
            return self.sequence(self.hello(stream, line))
        if line[:1] == b"{":
            self.tick(stream, line)
            return Lines()
        return self.translate_line(stream, line)

    def tick(self, stream: Stream, line: bytes) -> None:
        """``{"t": ns}``: the stream has sent everything recorded before ``t``."""
        stream.known_until = max(stream.known_until, _decode_tick(line)["t"])

    def decode(self, line: bytes) -> list[RawEvent]:
        return _decode_batch(line)

    def hello(self, stream: Stream, line: bytes) -> list[Resolved]:
        """The first line of a stream: which process it is. A stream of the
        current format (with ``method``) begins the process's lanes."""
        hello = _decode_hello(line)
        if self.t0 is None:
            self.t0 = hello["t0"]
        stream.pid = hello["pid"]
        stream.ppid = hello.get("ppid", 0)
        stream.main_tid = hello.get("main_tid", 0)
        stream.foreign = stream.main_tid + FOREIGN_TIDS
        stream.tids[hello["main"]] = stream.main_tid
        stream.natives[stream.pid] = stream.main_tid
        stream.last_t = stream.known_until = hello["t0"]
        method = hello.get("method")
        if method is None:
            stream.method = "root"
            return []
        stream.method = method
        return [self.event(stream, hello["t0"], stream.main_tid, "process.begin", None, {
            "pid": stream.pid, "ppid": stream.ppid, "name": "MainProcess" if method == "root" else None,
            "method": method})]

    def event(self, stream: Stream, t: int, tid: int, kind: str, obj: int | None,
              args: dict[str, Any]) -> Resolved:
        """An event made here (a process's beginning and end, a CPU sample)."""
        return (t, stream.pid, tid, kind, obj, _Raw(_encode(args)))

    # --- several streams: resolve each, merge (concviz.merge), then sequence ------------

    def resolve(self, stream: Stream, batch: list[RawEvent]) -> list[Resolved]:
        """Thread ids for one stream's raw events, and its time made monotonic."""
        out: list[Resolved] = []
        append = out.append
        tids = stream.tids
        pid = stream.pid
        last_t = stream.last_t
        for t, who, kind, obj, raw in batch:
            if t < last_t:
                t = last_t
            last_t = t
            tid = tids.get(who)
            if tid is None or kind == "thread.begin":
                tid = self._resolve_thread(stream, who, kind, raw, t, out)
            elif kind == "thread.end":
                _forget(stream, who)
            append((t, pid, tid, kind, obj, raw))
        stream.last_t = last_t
        return out

    def sequence(self, events: list[Resolved]) -> Lines:
        """Resolved events in time order → trace lines, folded."""
        out: list[Line] = []
        append = out.append
        fold = self.fold
        handlers = fold.handlers
        rlocks = fold.rlocks
        running = fold.running_coroutine  # see fold_coroutines.actor
        t0 = self.t0 or 0
        seq, last_t = self.seq, self.last_t
        for t, pid, tid, kind, obj, raw in events:
            if len(raw) == 4 and raw == _NULL:
                raw = _EMPTY
            t -= t0
            if t < last_t:
                t = last_t
            last_t = t
            handler = handlers.get(kind)
            if handler is not None:
                fold.last_t = t  # handlers that need the time read it here
                who_acts = actor(fold, tid, kind) if running else tid
                if kind in RLOCK_ONLY_ARGS and obj not in rlocks:
                    handler(fold, seq, who_acts, obj, NO_ARGS)
                else:
                    handler(fold, seq, who_acts, obj, _decode_args(raw))
            append(Line(seq, t, pid, tid, kind, obj, raw))
            seq += 1
        self.seq = seq
        self.last_t = last_t
        fold.events = seq
        fold.last_t = last_t
        return Lines(_encode_lines(out), len(out)) if out else Lines()

    def _resolve_thread(self, stream: Stream, who: int, kind: str, raw: _Raw, t: int, out: list[Resolved]) -> int:
        if kind == "thread.begin":
            return self._begun(stream, who, raw)
        tid, args = self._foreign_thread(stream, who)
        out.append(self.event(stream, t, tid, "thread.begin", None, args))
        return tid

    def _begun(self, stream: Stream, who: int, raw: _Raw) -> int:
        args = _decode_args(raw)
        tid: int = args["thread"]
        stream.tids[who] = tid
        native = args.get("native")
        if native is not None:
            stream.natives[native] = tid
        return tid

    def _foreign_thread(self, stream: Stream, who: int) -> tuple[int, dict[str, Any]]:
        tid = stream.tids[who] = stream.foreign
        stream.foreign += 1
        return tid, {"thread": tid, "name": f"thread-{tid - stream.main_tid - FOREIGN_TIDS + 1}", "daemon": True,
                     "ident": who, "native": None}

    def translate_line(self, stream: Stream, line: bytes | memoryview) -> Lines:
        """One batch line of one stream → trace lines: ``translate(stream,
        decode(line))``, the busy events in C (see the module)."""
        fold = self.fold
        if fold.running_coroutine:  # actors are not threads: the Python path's
            return self.translate(stream, _decode_batch(line))
        parts: list[bytes] = []
        count = 0

        def python(batch: list[RawEvent]) -> None:
            nonlocal count
            lines = self.translate(stream, batch)
            if lines:
                parts.append(lines.data)
                count += len(lines)

        native = _translate.translate
        pos, t0, taken = 0, self.t0 or 0, 0
        while True:
            pos, seq, last_t, slow, done = native(line, pos, parts, stream.tids, stream.pid, t0, self.seq, self.last_t,
                                                  fold)
            self.seq, self.last_t = seq, last_t
            taken += done
            count += done
            if slow == -2:  # not spelled as a writer spells it: the rest is the Python path's
                python(_decode_batch(line)[taken:])
                break
            if slow < 0:
                break
            run = _decode_batch(b"[" + line[slow:pos] + b"]")
            python(run)
            taken += len(run)
            if fold.running_coroutine:  # a coroutine began to run: so is the rest
                python(_decode_batch(line)[taken:])
                break
        stream.last_t = self.last_t + t0
        fold.events = self.seq
        fold.last_t = self.last_t
        return Lines(parts[0] if len(parts) == 1 else b"".join(parts), count)

    def translate(self, stream: Stream, batch: list[RawEvent]) -> Lines:
        """Raw events of one stream, in order → trace lines.

        ``sequence(resolve(...))`` in one pass: the path of a one-process run,
        the hot one, where a second loop over every event would show."""
        out: list[Line] = []
        append = out.append
        fold = self.fold
        handlers = fold.handlers
        rlocks = fold.rlocks
        running = fold.running_coroutine  # see fold_coroutines.actor
        tids = stream.tids
        pid = stream.pid
        t0 = self.t0 or 0
        seq, last_t = self.seq, self.last_t
        for t, who, kind, obj, raw in batch:
            # Args are an object or null; no object is 4 bytes long, and len()
            # is cheaper than comparing Raw values.
            if len(raw) == 4 and raw == _NULL:
                raw = _EMPTY
            t -= t0
            # A thread can be switched out between reading the clock and
            # appending; keep time monotonic along seq (the difference is that switch).
            if t < last_t:
                t = last_t
            last_t = t
            tid = tids.get(who)
            if tid is None or kind == "thread.begin":
                self.seq, self.last_t = seq, last_t
                tid = self._thread(stream, who, kind, raw, out, t)
                seq = self.seq
            elif kind == "thread.end":
                _forget(stream, who)
            handler = handlers.get(kind)
            if handler is not None:
                fold.last_t = t  # handlers that need the time read it here
                who_acts = actor(fold, tid, kind) if running else tid
                if kind in RLOCK_ONLY_ARGS and obj not in rlocks:
                    handler(fold, seq, who_acts, obj, NO_ARGS)
                else:
                    handler(fold, seq, who_acts, obj, _decode_args(raw))
            append(Line(seq, t, pid, tid, kind, obj, raw))
            seq += 1
        self.seq = seq
        self.last_t = last_t
        stream.last_t = last_t + t0
        fold.events = seq
        fold.last_t = last_t
        return Lines(_encode_lines(out), len(out)) if out else Lines()

    def _thread(self, stream: Stream, who: int, kind: str, raw: _Raw, out: list[Line], t: int) -> int:
        """The thread id of ``who``; a thread met without a ``thread.begin`` gets one now."""
        if kind == "thread.begin":
            return self._begun(stream, who, raw)
        tid, args = self._foreign_thread(stream, who)
        self.fold.feed_event(self.seq, t, tid, "thread.begin", None, args)
        out.append(Line(self.seq, t, stream.pid, tid, "thread.begin", None, _Raw(_encode(args))))
        self.seq += 1
        return tid



def _forget(stream: Stream, who: int) -> None:
    """A thread's end is its last event: the OS may give its ident to the next
    thread, a raw ``_thread`` one included, which must not be taken for it.
    (Its native id needs nothing: the CPU sampler drops it when it is gone,
    and a new ``thread.begin`` overwrites it.)"""
    del stream.tids[who]
