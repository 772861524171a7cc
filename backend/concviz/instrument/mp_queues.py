"""``multiprocessing``'s ``Queue``, ``JoinableQueue`` and ``SimpleQueue``,
recorded: the item put in one process is linked to the get that takes it in
another.

They record the kinds of ``queue.Queue`` (``queue.put``, ``queue.get``,
``queue.block``...). Items go through a pipe, in the order the writers send
them, and come out in that order; so each recorded queue carries a small
table in shared memory (``_Link``): the sender writes the put's id into slot
``sent % RING`` (under the queue's write lock) before it sends, the receiver
reads slot ``received % RING`` (under the read lock) after it receives. The
bytes on the pipe are exactly the original's. A ``Queue``'s bytes are sent
by its feeder thread, in the order of the process's puts: each process keeps
the ids of its puts not yet sent.

``put`` is recorded before the item can be sent (so before any get of it);
``get`` after it is received. Queues made by ``multiprocessing`` itself (a
``Pool``'s task queues) stay the originals.
"""

from __future__ import annotations

import collections
import itertools
import os
import time
from multiprocessing import queues
from multiprocessing.reduction import ForkingPickler
from queue import Empty, Full
from typing import Any

from concviz import recorder
from concviz.instrument._support import Patch, describe, location, new_object
from concviz.instrument.mp_sync import ValueParam, install_factory
from concviz.instrument.queues import short_repr

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_loads = ForkingPickler.loads

RING = 4096
"""Items that can be in a pipe at once, at most (a pipe holds 64 KiB; an item is 15 bytes or more)."""

_item_ids = itertools.count(1)
_item_pid = 0


def _new_item_id() -> int:
    """An item id unique in the run: the process's pid, then a counter."""
    global _item_ids, _item_pid
    pid = os.getpid()
    if pid != _item_pid:  # a new process (fork): a counter of its own
        _item_pid, _item_ids = pid, itertools.count(1)
    return (pid << 30) | next(_item_ids)


class _Link:
    """The shared table that tells a receiver which put it received."""

    def __init__(self, ctx: Any) -> None:
        self.table = ctx.RawArray("q", RING + 2)  # [sent, received, ids...]

    def sent(self, item_id: int) -> None:
        table = self.table
        n = table[0]
        table[2 + n % RING] = item_id
        table[0] = n + 1

    def received(self) -> int | None:
        table = self.table
        n = table[1]
        table[1] = n + 1
        return table[2 + n % RING] or None

    def size(self) -> int:
        return max(0, self.table[0] - self.table[1])


def _block(obj: int, op: str, timeout: float | None) -> None:
    file, line = location(3)
    _append((_ns(), _ident(), "queue.block", obj, {"op": op, "timeout": timeout, "file": file, "line": line}))


class _QueueRecorded:
    """What ``Queue`` and ``JoinableQueue`` share."""

    _cv_id: int
    _cv_link: _Link
    _cv_unsent: collections.deque[int]
    _maxsize: int
    _sem: Any
    _closed: bool
    _notempty: Any
    _rlock: Any
    _thread: Any
    _buffer: collections.deque[Any]

    def _cv_register(self, type_name: str, value: int | None, depth: int, ctx: Any) -> None:
        self._cv_id = new_object(type_name, value, described=describe(depth + 1))
        self._cv_link = _Link(ctx)

    def _reset(self, after_fork: bool = False) -> None:
        super()._reset(after_fork)  # type: ignore[misc]
        self._cv_unsent = collections.deque()
        link, unsent, send = self._cv_link, self._cv_unsent, self._send_bytes  # type: ignore[has-type]

        # Called by the feeder thread, under the write lock, in put order.
        def send_bytes(buf: Any) -> None:
            link.sent(unsent.popleft() if unsent else 0)
            send(buf)

        self._send_bytes = send_bytes

    def __getstate__(self) -> Any:
        return (super().__getstate__(), self._cv_id, self._cv_link)

    def __setstate__(self, state: Any) -> None:
        self._cv_id, self._cv_link = state[1], state[2]
        super().__setstate__(state[0])  # type: ignore[misc]

    def _size(self) -> int:
        return int(self._maxsize - self._sem._semlock._get_value())

    def _cv_put(self, obj: Any, block: bool, timeout: float | None) -> int:
        """The recorded ``put`` up to the buffer; returns the item's id."""
        if self._closed:
            raise ValueError(f"Queue {self!r} is closed")
        me = self._cv_id
        if not self._sem.acquire(False):
            if not block:
                _append((_ns(), _ident(), "queue.fail", me, {"op": "put", "blocking": False}))
                raise Full
            _block(me, "put", timeout)
            ok = self._sem.acquire(True, timeout)
            _append((_ns(), _ident(), "queue.wake", me, {"op": "put", "ok": ok}))
            if not ok:
                _append((_ns(), _ident(), "queue.fail", me, {"op": "put", "blocking": True}))
                raise Full
        item_id = _new_item_id()
        _append((_ns(), _ident(), "queue.put", me, {"id": item_id, "item": short_repr(obj), "size": self._size()}))
        return item_id

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if self._closed:
            raise ValueError(f"Queue {self!r} is closed")
        me = self._cv_id
        if block and timeout is None:
            with self._rlock:
                waited = not self._poll()  # type: ignore[attr-defined]
                if waited:
                    _block(me, "get", None)
                res = self._recv_bytes()  # type: ignore[attr-defined]
                item_id = self._cv_link.received()
            self._sem.release()
            if waited:
                _append((_ns(), _ident(), "queue.wake", me, {"op": "get", "ok": True}))
        else:
            if block:
                deadline = time.monotonic() + timeout  # type: ignore[operator]
            if not self._rlock.acquire(block, timeout):
                self._cv_fail(block)
            try:
                if block:
                    remaining = deadline - time.monotonic()
                    if not self._poll():  # type: ignore[attr-defined]
                        _block(me, "get", timeout)
                        ok = self._poll(remaining)  # type: ignore[attr-defined]
                        _append((_ns(), _ident(), "queue.wake", me, {"op": "get", "ok": ok}))
                        if not ok:
                            self._cv_fail(True)
                elif not self._poll():  # type: ignore[attr-defined]
                    self._cv_fail(False)
                res = self._recv_bytes()  # type: ignore[attr-defined]
                item_id = self._cv_link.received()
                self._sem.release()
            finally:
                self._rlock.release()
        obj = _loads(res)
        _append((_ns(), _ident(), "queue.get", me, {"id": item_id, "item": short_repr(obj), "size": self._size()}))
        return obj

    def _cv_fail(self, blocking: bool) -> None:
        _append((_ns(), _ident(), "queue.fail", self._cv_id, {"op": "get", "blocking": blocking}))
        raise Empty


class Queue(_QueueRecorded, queues.Queue):
    """A recorded ``multiprocessing.Queue``."""

    def put(self, obj: Any, block: bool = True, timeout: float | None = None) -> None:
        item_id = self._cv_put(obj, block, timeout)
        with self._notempty:
            if self._thread is None:
                self._start_thread()  # type: ignore[attr-defined]
            self._cv_unsent.append(item_id)
            self._buffer.append(obj)
            self._notempty.notify()


class JoinableQueue(_QueueRecorded, queues.JoinableQueue):
    """A recorded ``multiprocessing.JoinableQueue``: also ``task_done`` and ``join``."""

    _cond: Any
    _unfinished_tasks: Any

    def put(self, obj: Any, block: bool = True, timeout: float | None = None) -> None:
        item_id = self._cv_put(obj, block, timeout)
        with self._notempty, self._cond:
            if self._thread is None:
                self._start_thread()  # type: ignore[attr-defined]
            self._cv_unsent.append(item_id)
            self._buffer.append(obj)
            self._unfinished_tasks.release()
            self._notempty.notify()

    def task_done(self) -> None:
        with self._cond:
            if not self._unfinished_tasks.acquire(False):
                raise ValueError("task_done() called too many times")
            left = int(self._unfinished_tasks._semlock._get_value())
            _append((_ns(), _ident(), "queue.task_done", self._cv_id, {"unfinished": left}))
            if self._unfinished_tasks._semlock._is_zero():
                self._cond.notify_all()

    def join(self) -> None:
        with self._cond:
            if not self._unfinished_tasks._semlock._is_zero():
                file, line = location(2)
                _append((_ns(), _ident(), "queue.join", self._cv_id, {
                    "unfinished": int(self._unfinished_tasks._semlock._get_value()), "file": file, "line": line}))
                self._cond.wait()
                _append((_ns(), _ident(), "queue.joined", self._cv_id, None))


class SimpleQueue(queues.SimpleQueue):
    """A recorded ``multiprocessing.SimpleQueue``."""

    _cv_id: int
    _cv_link: _Link
    _reader: Any
    _writer: Any
    _rlock: Any
    _wlock: Any

    _cv_register = _QueueRecorded._cv_register

    def __getstate__(self) -> Any:
        return (super().__getstate__(), self._cv_id, self._cv_link)

    def __setstate__(self, state: Any) -> None:
        self._cv_id, self._cv_link = state[1], state[2]
        super().__setstate__(state[0])

    def put(self, obj: Any) -> None:
        data = ForkingPickler.dumps(obj)
        item_id = _new_item_id()
        link = self._cv_link
        _append((_ns(), _ident(), "queue.put", self._cv_id,
                 {"id": item_id, "item": short_repr(obj), "size": link.size() + 1}))
        with self._wlock:
            link.sent(item_id)
            self._writer.send_bytes(data)

    def get(self) -> Any:
        with self._rlock:
            waited = not self._poll()  # type: ignore[attr-defined]
            if waited:
                _block(self._cv_id, "get", None)
            res = self._reader.recv_bytes()
            item_id = self._cv_link.received()
        if waited:
            _append((_ns(), _ident(), "queue.wake", self._cv_id, {"op": "get", "ok": True}))
        obj = _loads(res)
        _append((_ns(), _ident(), "queue.get", self._cv_id,
                 {"id": item_id, "item": short_repr(obj), "size": self._cv_link.size()}))
        return obj


_FACTORIES: dict[str, tuple[Any, ValueParam]] = {
    "Queue": (Queue, ("maxsize", 0)), "JoinableQueue": (JoinableQueue, ("maxsize", 0)),
    "SimpleQueue": (SimpleQueue, None),
}
_patch = Patch()


def install() -> None:
    for name, (recorded, value_param) in _FACTORIES.items():
        install_factory(_patch, name, recorded, value_param)


def uninstall() -> None:
    _patch.undo()
