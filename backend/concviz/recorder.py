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

FLUSH_S = 0.02

_buffer: deque[tuple[int, int, str, int | None, dict[str, Any] | None]] = deque()
append = _buffer.append
ns = perf_counter_ns
ident = _thread.get_ident

# Small ids, shared by Thread objects (assigned at creation) and by threads
# that the writer meets without a Thread object. 0 is the main thread.
thread_ids = itertools.count(1)
object_ids = itertools.count(1)

_EMPTY = b"{}"


def _encode_fallback(obj: object) -> str:
    return repr(obj)


class Writer:
    """Drains the buffer into the trace file descriptor."""

    def __init__(self, fd: int, max_events: int) -> None:
        self.fd = fd
        self.max_events = max_events
        self.t0 = perf_counter_ns()
        self.pid = os.getpid()
        self.seq = 0
        self.last_t = 0
        self.tids: dict[int, int] = {_thread.get_ident(): 0}
        self.limit_hit = False
        self._lock = _thread.allocate_lock()
        self._stop = _thread.allocate_lock()
        self._stop.acquire()
        self._done = _thread.allocate_lock()
        self._encode = msgspec.json.Encoder(enc_hook=_encode_fallback).encode

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
            chunk = self._drain()
            if chunk:
                self._write(chunk)

    def _drain(self) -> bytes:
        buffer = _buffer
        n = len(buffer)
        if not n:
            return b""
        popleft = buffer.popleft
        out: list[bytes] = []
        encode = self._encode
        tids = self.tids
        t0 = self.t0
        pid = self.pid
        for _ in range(n):
            t, who, kind, obj, args = popleft()
            if self.limit_hit:
                continue
            if kind == "thread.begin":
                tids[who] = args["thread"]  # type: ignore[index]
            tid = tids.get(who)
            if tid is None:
                tid = tids[who] = next(thread_ids)
                out.append(self._line(t, tid, "thread.begin", None, {
                    "thread": tid, "name": f"thread-{tid}", "daemon": True, "ident": who}))
            if self.seq >= self.max_events:
                self.limit_hit = True
                out.append(self._line(t, tid, "limit", None, {"what": "events", "limit": self.max_events}))
                continue
            out.append(self._line(t, tid, kind, obj, args, encode, t0, pid))
        return b"".join(out)

    def _line(
        self,
        t: int,
        tid: int,
        kind: str,
        obj: int | None,
        args: dict[str, Any] | None,
        encode: Any = None,
        t0: int | None = None,
        pid: int | None = None,
    ) -> bytes:
        t -= self.t0 if t0 is None else t0
        # A thread can be switched out between reading the clock and
        # appending; keep time monotonic along seq (the gap is that switch).
        if t < self.last_t:
            t = self.last_t
        self.last_t = t
        seq = self.seq
        self.seq = seq + 1
        body = (encode or self._encode)(args) if args else _EMPTY
        return b'{"seq":%d,"t":%d,"pid":%d,"tid":%d,"kind":"%s","obj":%s,"args":%s}\n' % (
            seq, t, self.pid if pid is None else pid, tid, kind.encode(),
            b"null" if obj is None else str(obj).encode(), body,
        )

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


def start(fd: int, max_events: int) -> Writer:
    global _writer
    _writer = Writer(fd, max_events)
    _writer.start()
    return _writer


def stop() -> None:
    if _writer is not None:
        _writer.close()


def writer() -> Writer | None:
    return _writer
