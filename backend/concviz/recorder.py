"""The recording path of a run's child process: cheap appends, one writer.

Instrumented primitives call ``append((ns(), ident(), kind, obj, args))``,
which stores the tuple in ``_sink`` (``concviz._record.Sink``, C): one array
in recording order, appended under the GIL with no lock of ours, so that
recording never serialises the threads it watches. The native Lock stores
compact entries in the same array. A writer thread of our own (a raw
``_thread``, invisible to ``threading``) takes the array every ``FLUSH_S``
seconds and writes it, encoded in C, to the trace pipe; the parent
(``concviz.supervisor``) reads that pipe. The array is bounded while the
writer runs: a full buffer makes the recording thread wait (back-pressure).

Every process of a run records: the program's own process writes to the
pipe it was given; every other (a fork, a spawned interpreter) connects to
the supervisor's socket (``CHILD_ENV``) and writes its own stream, with ids
of its own (``pid << ID_SHIFT`` onwards) so that nothing collides.

Neighbours: ``concviz.events`` defines the kinds; ``concviz.instrument``
produces them; ``concviz.child`` starts recording in a spawned interpreter.
"""

from __future__ import annotations

import _socket
import _thread
import itertools
import os
import signal
from time import perf_counter_ns
from typing import Any

import msgspec

from concviz import _record  # type: ignore[attr-defined]

# How often the writer ships events: the latency of the live view. 2 ms costs
# the program about 500 wake-ups a second of a few microseconds each, and
# bench/observer_effect.py shows no change in the race (override with the
# environment variable CONCVIZ_FLUSH_S).
FLUSH_S = float(os.environ.get("CONCVIZ_FLUSH_S", "0.002"))
BATCH = 2048  # events per line on the wire, so the parent never holds a huge partial line
# A flush ends with a tick ``{"t": ns}``: this process has sent everything it
# recorded before ``t`` (the supervisor merges processes by time up to the
# oldest tick). An idle process ticks every TICK_IDLE_NS.
TICK_IDLE_NS = 20_000_000

# The buffer is bounded while a writer runs: above BUFFER_EVENTS pending
# events an append waits (GIL released) until the writer has drained it to
# half. A program recording faster than the parent reads is slowed, never
# loses an event, and the child's buffer stays below about BUFFER_EVENTS x
# 150 bytes (the writer's batch in flight adds as much again).
BUFFER_EVENTS = int(os.environ.get("CONCVIZ_BUFFER_EVENTS", "262144"))

Args = dict[str, Any] | msgspec.Raw | None
# The buffer (concviz._record.Sink): an array in recording order of event
# tuples ``append``ed here and of the native Lock's compact events; iterating
# it gives tuples of both.
_sink = _record.Sink()
_buffer = _sink
append = _sink.append
# For the watched-variable subscripts: a wait would add a thread-switch point
# between the program's read and its write (the next recorded call waits).
append_nowait = _sink.append_nowait
queue_event = _record.queue_event
ns = perf_counter_ns
ident = _thread.get_ident
# The real ones, kept before anyone replaces them (controlled mode does, in
# ``_thread``): the writer of a process forked later must not be scheduled.
_allocate_lock = _thread.allocate_lock
_start_new_thread = _thread.start_new_thread

# Small ids, shared by Thread objects (assigned at creation) and by threads
# that the writer meets without a Thread object. 0 is the main thread of the
# program's own process; another process numbers from ``pid << ID_SHIFT``.
ID_SHIFT = 20
main_tid = 0
thread_ids = itertools.count(1)
object_ids = itertools.count(1)

# How the processes a program starts find the supervisor: a JSON object
# ``{"socket": PATH, "max_events": N, "max_threads": N, "lines": bool}``.
CHILD_ENV = "CONCVIZ_CHILD"

def const(args: dict[str, Any]) -> msgspec.Raw:
    """Arguments fixed in advance, for the hot paths, as pre-encoded JSON.

    An event tuple holding a dict stays tracked by the garbage collector (a
    dict might hold a cycle) and makes every collection walk the buffer; a
    tuple of ints, strings and ``Raw`` is untracked at its first collection.
    """
    return msgspec.Raw(msgspec.json.encode(args))


def _kernel_clock() -> str:
    """The kernel's clocksource ("tsc", "kvm-clock", ...; "" if unknown)."""
    try:
        with open("/sys/devices/system/clocksource/clocksource0/current_clocksource") as f:
            return f.read().strip()
    except OSError:
        return ""


_record.configure(_sink, const({"depth": None}))
TSC = _record.use_tsc(os.environ.get("CONCVIZ_TSC", "1") != "0" and _kernel_clock() == "tsc")
"""Whether the native Lock's events read the CPU's time-stamp counter (as the
kernel's own clock does here) instead of calling the clock (``_record.c``)."""
RAW_LOCKS = _record.use_raw_lock(_thread.allocate_lock())
"""Whether the native Lock takes the standard library's locks directly (their
layout checked out against their own methods; else through the methods)."""
_record.configure_lines(lambda file, line: const({"file": file, "line": line}))


def _encode_fallback(obj: object) -> str:
    return repr(obj)


class Writer:
    """Drains the buffer into the trace pipe, as compact JSON batches.

    The child does as little as it can here, because this thread competes
    with the program for the GIL: one C-level encode of the raw tuples per
    batch. Sequence numbers, thread ids and the trace's line format are the
    parent's work (``concviz.translate``), on another core.

    Wire format: a first line ``{"t0": ns, "pid": pid, "ppid": ppid, "main":
    ident, "main_tid": tid, "method": how}`` (``events.ProcessBegin``), then
    one line per batch: a JSON array of ``[t, ident, kind, obj, args]``, and
    after each flush a tick ``{"t": ns}``.
    """

    def __init__(self, fd: int, max_events: int, method: str = "root") -> None:
        self.fd = fd
        self.max_events = max_events
        self.t0 = perf_counter_ns()
        self.count = 0
        self.limit_hit = False
        self._lock = _allocate_lock()
        self._stop = _allocate_lock()
        self._stop.acquire()
        self._closed = False
        self._ticked = 0
        self._done = _allocate_lock()
        self._encode = msgspec.json.Encoder(enc_hook=_encode_fallback).encode
        self._write(self._encode({
            "t0": self.t0, "pid": os.getpid(), "ppid": os.getppid(), "main": _thread.get_ident(),
            "main_tid": main_tid, "method": method}) + b"\n")

    def start(self) -> None:
        self._done.acquire()
        if BUFFER_EVENTS > 0:
            _sink.bound(BUFFER_EVENTS, BUFFER_EVENTS // 2)
        own_threads.add(_start_new_thread(self._loop, ()))

    def _loop(self) -> None:
        try:
            _sink.exempt(_thread.get_ident())  # a repr in the encoder may record: the writer never waits on itself
            while not self._stop.acquire(True, FLUSH_S):
                self.flush()
        finally:
            _sink.bound(0, 0)  # nobody drains any more: appends must not wait
            self._done.release()

    def close(self) -> None:
        """Stop the writer thread and write whatever is left (any number of times)."""
        if not self._closed:
            self._closed = True
            _sink.bound(0, 0)  # nobody drains any more: appends must not wait
            self._stop.release()
            self._done.acquire()
        self.flush()

    def flush(self) -> None:
        with self._lock:
            # Everything appended before this moment is in this flush (up to a
            # thread switched out between its clock and its append).
            now = perf_counter_ns()
            batch = _sink.take()
            n = len(batch)
            if not n:
                if now - self._ticked >= TICK_IDLE_NS:
                    self._ticked = now
                    self._write(b'{"t":%d}\n' % now)
                return
            if self.limit_hit:
                return
            keep, limit = n, b""
            if self.count + n > self.max_events:
                keep = self.max_events - self.count
                t, who = batch.where(keep if keep < n else n - 1)
                limit = self._encode([(t, who, "limit", None, {"what": "events", "limit": self.max_events})]) + b"\n"
                self.limit_hit = True
            self.count += keep + bool(limit)
            self._ticked = now
            # One JSON array per line of at most BATCH events, encoded and
            # written in C (the GIL released but for the Python events' encoding).
            try:
                batch.write(self.fd, self._encode, BATCH, keep, limit + b'{"t":%d}\n' % now)
            except (BrokenPipeError, ConnectionResetError):
                _supervisor_gone()

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.fd, view)
            except (BrokenPipeError, ConnectionResetError):
                _supervisor_gone()
            view = view[written:]


def _supervisor_gone() -> None:
    """Nobody will read this run any more, and nothing of it may outlive it
    (the lifeline may not have noticed yet)."""
    try:
        os.killpg(os.getpgrp(), signal.SIGKILL)
    finally:
        os._exit(70)


_writer: Writer | None = None
own_threads: set[int] = set()
"""Idents of concviz's own raw threads in this process (the writer, controlled
mode's watchdog): ``concviz.instrument.threads`` hides them from
``sys._current_frames()`` as ``threading`` never lists them."""
_child_config: dict[str, Any] | None = None
_forkserver = False


def _use_ids_of(pid: int) -> None:
    """Number this process's threads and objects from ``pid << ID_SHIFT``."""
    global main_tid, thread_ids, object_ids
    main_tid = pid << ID_SHIFT
    thread_ids = itertools.count(main_tid + 1)
    object_ids = itertools.count(main_tid + 1)


def _connect(path: str) -> int:
    # The C-level socket: the program's socket class may be instrumented.
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except BaseException:
        sock.close()
        raise
    return sock.detach()


def _after_fork_in_child() -> None:
    """A forked child is a process of its own: its copy of the buffer holds
    the parent's events (the parent ships them), its copy of the parent's
    stream is not its to write, and it records into a stream of its own."""
    global _writer
    _sink.bound(0, 0)  # the parent's writer is not in this process
    _record.after_fork()  # (nor is it writing)
    own_threads.clear()  # nor any other thread of the parent's
    _buffer.clear()
    inherited, _writer = _writer, None
    if inherited is not None:
        try:
            os.close(inherited.fd)
        except OSError:
            pass
    if _child_config is None:
        return
    import threading

    _use_ids_of(os.getpid())
    threading.current_thread()._concviz_tid = main_tid  # type: ignore[attr-defined]
    try:
        _start(_connect(_child_config["socket"]), _child_config["max_events"],
               "forkserver" if _forkserver else "fork")
    except OSError:
        pass  # the supervisor is gone: this process goes unrecorded


def _start(fd: int, max_events: int, method: str) -> Writer:
    global _writer
    _writer = Writer(fd, max_events, method)
    _writer.start()
    return _writer


def start(fd: int, max_events: int, child_config: dict[str, Any] | None = None) -> Writer:
    """Record the program's own process into ``fd``; with ``child_config``,
    every process it starts records too (see ``CHILD_ENV``)."""
    global _child_config
    _child_config = child_config
    os.register_at_fork(after_in_child=_after_fork_in_child)
    return _start(fd, max_events, "root")


def start_child(config: dict[str, Any], forkserver: bool = False) -> Writer:
    """Record a spawned interpreter (``concviz.child``) into a new stream."""
    global _child_config, _forkserver
    _child_config = config
    _forkserver = forkserver
    _use_ids_of(os.getpid())
    os.register_at_fork(after_in_child=_after_fork_in_child)
    return _start(_connect(config["socket"]), config["max_events"], "spawn")


def stop() -> None:
    if _writer is not None:
        _writer.close()


def writer() -> Writer | None:
    return _writer
