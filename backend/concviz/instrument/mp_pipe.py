"""``multiprocessing.Pipe()``, recorded: each message sent on one end is
linked to the ``recv`` that takes it on the other, in whichever processes
they are.

The two ends are one object (``obj.new`` type ``Pipe``); events say which
end (0 or 1: the pair's order, ``(reader, writer)`` for a one-way pipe).
Messages of one direction arrive in the order they were sent, so numbering
them is enough to link them: the ends share four counters in shared memory
(messages sent by each end, received by each end), updated by whoever
sends or receives, in any process. The bytes on the pipe are exactly the
original's. A ``send`` is recorded before the bytes go, a ``recv`` after
they came. Ends travel to other processes like the originals (inherited by
fork, pickled with a duplicated descriptor for spawn).
"""

from __future__ import annotations

import sys
from multiprocessing import connection, context, reduction
from typing import Any

from concviz import recorder
from concviz.instrument._support import Patch, is_user_file, location, new_object
from concviz.instrument.mp_sync import describe_factory_caller
from concviz.instrument.queues import short_repr

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_dumps = reduction.ForkingPickler.dumps
_loads = reduction.ForkingPickler.loads
_Connection = connection.Connection

# counters: [sent by end 0, sent by end 1, received by end 0, received by end 1]
SENT, RECEIVED = 0, 2


class Connection(_Connection):
    """One end of a recorded pipe."""

    _cv_id: int
    _cv_end: int
    _cv_counts: Any

    def _cv_sent(self, nbytes: int, item: str) -> None:
        counts, end = self._cv_counts, self._cv_end
        n = counts[SENT + end]
        counts[SENT + end] = n + 1
        _append((_ns(), _ident(), "pipe.send", self._cv_id, {"end": end, "id": n, "item": item, "bytes": nbytes}))

    def _cv_received(self, nbytes: int, item: str) -> None:
        counts, end = self._cv_counts, self._cv_end
        n = counts[RECEIVED + end]
        counts[RECEIVED + end] = n + 1
        _append((_ns(), _ident(), "pipe.recv", self._cv_id, {"end": end, "id": n, "item": item, "bytes": nbytes}))

    def _cv_wait(self) -> bool:
        """Record a wait when nothing has arrived; whether it was recorded."""
        if self._poll(0.0):  # type: ignore[attr-defined]
            return False
        file, line = location(3)
        _append((_ns(), _ident(), "pipe.block", self._cv_id, {"end": self._cv_end, "file": file, "line": line}))
        return True

    def _cv_woke(self) -> None:
        _append((_ns(), _ident(), "pipe.wake", self._cv_id, {"end": self._cv_end}))

    def send(self, obj: Any) -> None:
        self._check_closed()  # type: ignore[attr-defined]
        self._check_writable()  # type: ignore[attr-defined]
        buf = _dumps(obj)
        self._cv_sent(len(buf), short_repr(obj))
        self._send_bytes(buf)  # type: ignore[attr-defined]

    def send_bytes(self, buf: Any, offset: int = 0, size: int | None = None) -> None:
        self._check_closed()  # type: ignore[attr-defined]
        self._check_writable()  # type: ignore[attr-defined]
        n = memoryview(buf).nbytes
        if 0 <= offset <= n and (size is None or 0 <= size <= n - offset):
            sent = n - offset if size is None else size
            self._cv_sent(sent, f"<{sent} bytes>")
        super().send_bytes(buf, offset, size)

    def recv(self) -> Any:
        self._check_closed()  # type: ignore[attr-defined]
        self._check_readable()  # type: ignore[attr-defined]
        waited = self._cv_wait()
        try:
            buf = self._recv_bytes()  # type: ignore[attr-defined]
        finally:
            if waited:
                self._cv_woke()
        obj = _loads(buf.getbuffer())
        self._cv_received(buf.getbuffer().nbytes, short_repr(obj))
        return obj

    def recv_bytes(self, maxlength: int | None = None) -> bytes:
        self._check_closed()  # type: ignore[attr-defined]
        self._check_readable()  # type: ignore[attr-defined]
        waited = self._cv_wait()
        try:
            data = super().recv_bytes(maxlength)
        finally:
            if waited:
                self._cv_woke()
        self._cv_received(len(data), f"<{len(data)} bytes>")
        return data

    def recv_bytes_into(self, buf: Any, offset: int = 0) -> int:
        self._check_closed()  # type: ignore[attr-defined]
        self._check_readable()  # type: ignore[attr-defined]
        waited = self._cv_wait()
        try:
            n = super().recv_bytes_into(buf, offset)
        finally:
            if waited:
                self._cv_woke()
        self._cv_received(n, f"<{n} bytes>")
        return n


def _reduce(conn: Connection) -> Any:
    if context.get_spawning_popen() is None:
        # Sent through another connection (not to a child being started): the
        # shared counters cannot go along, so the end goes as the original.
        return connection.reduce_connection(conn)  # type: ignore[attr-defined]
    return _rebuild, (reduction.DupFd(conn.fileno()), conn.readable, conn.writable,
                      conn._cv_id, conn._cv_end, conn._cv_counts)


def _rebuild(df: Any, readable: bool, writable: bool, obj: int, end: int, counts: Any) -> Connection:
    conn = Connection(df.detach(), readable, writable)
    conn._cv_id, conn._cv_end, conn._cv_counts = obj, end, counts
    return conn


reduction.register(Connection, _reduce)


def _recorded_pipe(original: Any) -> Any:
    def Pipe(self: Any, duplex: bool = True) -> tuple[Any, Any]:
        if not is_user_file(sys._getframe(1).f_code.co_filename):
            return original(self, duplex)
        ctx = self.get_context()
        obj = new_object("Pipe", None, described=describe_factory_caller())
        counts = ctx.RawArray("q", 4)
        ends = original(self, duplex)
        for end, conn in enumerate(ends):
            conn.__class__ = Connection
            conn._cv_id, conn._cv_end, conn._cv_counts = obj, end, counts
        return ends

    Pipe.__doc__ = original.__doc__
    return Pipe


_patch = Patch()


def install() -> None:
    from concviz.instrument.mp_sync import patch_factory

    patch_factory(_patch, "Pipe", _recorded_pipe)


def uninstall() -> None:
    _patch.undo()
