"""The recording path of a run's child process: cheap appends, one writer.

Instrumented primitives call ``append((ns(), ident(), kind, obj, args))``.
That is a ``deque.append`` — atomic under the GIL and lock-free from Python's
point of view — so recording never serialises the threads it watches. A
writer thread of our own (a raw ``_thread``, invisible to ``threading``)
drains the deque every ``FLUSH_S`` seconds, assigns sequence numbers, maps
thread idents to small thread ids, and writes JSON Lines to the trace pipe.
The parent (``concviz.supervisor``) reads that pipe.

Neighbours: ``concviz.events`` defines the kinds; ``concviz.instrument``
produces them.
"""

from __future__ import annotations

import _thread
import itertools
import os
from collections import deque
from time import perf_counter_ns
from typing import Any

import msgspec

# How often the writer ships events: the latency of the live view. 2 ms costs
# the program about 500 wake-ups a second of a few microseconds each, and
# bench/observer_effect.py shows no change in the race (override with the
# environment variable CONCVIZ_FLUSH_S).
FLUSH_S = float(os.environ.get("CONCVIZ_FLUSH_S", "0.002"))
BATCH = 2048  # events per line on the wire, so the parent never holds a huge partial line

Args = dict[str, Any] | msgspec.Raw | None
_buffer: deque[tuple[int, int, str, int | None, Args]] = deque()
append = _buffer.append
ns = perf_counter_ns
ident = _thread.get_ident

# Small ids, shared by Thread objects (assigned at creation) and by threads
# that the writer meets without a Thread object. 0 is the main thread.
thread_ids = itertools.count(1)
object_ids = itertools.count(1)

def const(args: dict[str, Any]) -> msgspec.Raw:
    """Arguments fixed in advance, for the hot paths, as pre-encoded JSON.

    An event tuple holding a dict stays tracked by the garbage collector (a
    dict might hold a cycle) and makes every collection walk the buffer; a
    tuple of ints, strings and ``Raw`` is untracked at its first collection.
    """
    return msgspec.Raw(msgspec.json.encode(args))


def _encode_fallback(obj: object) -> str:
    return repr(obj)


class Writer:
    """Drains the buffer into the trace pipe, as compact JSON batches.

    The child does as little as it can here, because this thread competes
    with the program for the GIL: one C-level encode of the raw tuples per
    batch. Sequence numbers, thread ids and the trace's line format are the
    parent's work (``concviz.translate``), on another core.

    Wire format: a first line ``{"t0": ns, "pid": pid, "main": ident}``, then
    one line per batch: a JSON array of ``[t, ident, kind, obj, args]``.
    """

    def __init__(self, fd: int, max_events: int) -> None:
        self.fd = fd
        self.max_events = max_events
        self.t0 = perf_counter_ns()
        self.count = 0
        self.limit_hit = False
        self._lock = _thread.allocate_lock()
        self._stop = _thread.allocate_lock()
        self._stop.acquire()
        self._done = _thread.allocate_lock()
        self._encode = msgspec.json.Encoder(enc_hook=_encode_fallback).encode
        self._write(self._encode({"t0": self.t0, "pid": os.getpid(), "main": _thread.get_ident()}) + b"\n")

    def start(self) -> None:
        self._done.acquire()
        _thread.start_new_thread(self._loop, ())

    def _loop(self) -> None:
        try:
            while not self._stop.acquire(True, FLUSH_S):
                self.flush()
        finally:
            self._done.release()

    def close(self) -> None:
        """Stop the writer thread and write whatever is left."""
        if self._stop.locked():
            self._stop.release()
            self._done.acquire()
        self.flush()

    def flush(self) -> None:
        with self._lock:
            n = len(_buffer)
            if not n:
                return
            popleft = _buffer.popleft
            items = [popleft() for _ in range(n)]
            if self.limit_hit:
                return
            if self.count + n > self.max_events:
                keep = self.max_events - self.count
                last = items[keep] if keep < n else items[-1]
                del items[keep:]
                items.append((last[0], last[1], "limit", None, {"what": "events", "limit": self.max_events}))
                self.limit_hit = True
            self.count += len(items)
            encode = self._encode
            self._write(b"".join(encode(items[i : i + BATCH]) + b"\n" for i in range(0, len(items), BATCH)))

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.fd, view)
            except BrokenPipeError:
                # The parent is gone: nobody will read this run any more.
                os._exit(70)
            view = view[written:]


_writer: Writer | None = None


def _after_fork_in_child() -> None:
    """A forked child (multiprocessing, os.fork) is not the recorded process:
    its copy of the buffer and of the writer must write nothing."""
    global _writer
    _buffer.clear()
    _writer = None


def start(fd: int, max_events: int) -> Writer:
    global _writer
    _writer = Writer(fd, max_events)
    _writer.start()
    os.register_at_fork(after_in_child=_after_fork_in_child)
    return _writer


def stop() -> None:
    if _writer is not None:
        _writer.close()


def writer() -> Writer | None:
    return _writer
