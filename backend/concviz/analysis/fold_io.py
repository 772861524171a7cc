"""The fold's handlers for queues, sockets and select (``concviz.analysis.fold``
registers them in its ``_HANDLERS``).

A thread blocked on a queue (put on a full one, get on an empty one, join),
in a socket call (accept, recv, send) or in a select is a waiter of that
object, like a thread blocked on a lock: ``Wait.what`` is ``queue``,
``socket`` or ``select``. None of these waits is an edge of the wait-for
graph: who would unblock them cannot be known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concviz.analysis.fold import Fold

QUEUE_TYPES = frozenset({"Queue", "LifoQueue", "PriorityQueue", "SimpleQueue", "JoinableQueue"})


@dataclass
class QueueStats:
    puts: int = 0
    gets: int = 0
    task_done: int = 0
    size: int = 0
    max_items: int = 0


@dataclass
class SelectStats:
    calls: int = 0
    max_ready: int = 0


@dataclass
class SocketStats:
    """The run's sockets, all together (``summary["sockets"]``)."""

    listening: int = 0
    accepted: int = 0
    connected: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    would_block: int = 0
    errors: int = 0
    closed: int = 0


def _queue(fold: Fold, obj_id: int | None) -> QueueStats:
    stats = fold.queues.get(obj_id)  # type: ignore[arg-type]
    if stats is None:
        stats = fold.queues[obj_id] = QueueStats()  # type: ignore[index]
    return stats


def _begin_wait(what: str) -> Any:
    def begin(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        obj = fold.objects.get(obj_id)  # type: ignore[arg-type]
        if obj is not None:
            obj.waiters[tid] = seq
            obj.max_waiters = max(obj.max_waiters, len(obj.waiters))
        fold._push(seq, tid, args, what, obj_id)  # type: ignore[arg-type]

    return begin


def _end_wait(what: str) -> Any:
    def end(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        obj = fold.objects.get(obj_id)  # type: ignore[arg-type]
        if obj is not None:
            obj.waiters.pop(tid, None)
        fold._pop(tid, what)

    return end


def _queue_put(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    stats = _queue(fold, obj_id)
    stats.puts += 1
    stats.size = args["size"]
    stats.max_items = max(stats.max_items, stats.size)


def _queue_get(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    stats = _queue(fold, obj_id)
    stats.gets += 1
    stats.size = args["size"]


def _queue_task_done(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    _queue(fold, obj_id).task_done += 1


_select_wait_end = _end_wait("select")


def _select_end(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    _select_wait_end(fold, seq, tid, obj_id, args)
    stats = fold.selects.get(obj_id)  # type: ignore[arg-type]
    if stats is None:
        stats = fold.selects[obj_id] = SelectStats()  # type: ignore[index]
    stats.calls += 1
    stats.max_ready = max(stats.max_ready, args["ready"])


def _count(field: str, amount: str | None = None) -> Any:
    def handler(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        setattr(fold.sockets, field, getattr(fold.sockets, field) + (args[amount] if amount else 1))

    return handler


HANDLERS: dict[str, Any] = {
    "queue.put": _queue_put,
    "queue.get": _queue_get,
    "queue.task_done": _queue_task_done,
    "queue.block": _begin_wait("queue"),
    "queue.wake": _end_wait("queue"),
    "queue.join": _begin_wait("queue"),
    "queue.joined": _end_wait("queue"),
    "sock.block": _begin_wait("socket"),
    "sock.wake": _end_wait("socket"),
    "sock.listen": _count("listening"),
    "sock.accept": _count("accepted"),
    "sock.connect": _count("connected"),
    "sock.send": _count("bytes_sent", "bytes"),
    "sock.recv": _count("bytes_received", "bytes"),
    "sock.would_block": _count("would_block"),
    "sock.error": _count("errors"),
    "sock.close": _count("closed"),
    "select.begin": _begin_wait("select"),
    "select.end": _select_end,
}
