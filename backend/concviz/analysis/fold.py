"""The state of a run after a prefix of its events: a fold.

``Fold.feed(event)`` for each event in ``seq`` order keeps, for every
synchronisation object, its holders and its waiters in request order, and
for every thread what it is waiting for. The supervisor folds the live run
(to find deadlocks as they form) and ``concviz.analysis.summary`` reads the
result. The front end has its own fold of the same events for display
(``frontend/src/model``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from concviz.analysis import fold_control, fold_coroutines, fold_io, fold_processes
from concviz.analysis.lost_updates import Watched

LOCK_TYPES = frozenset({"Lock", "RLock"})
_SEMAPHORE_TYPES = frozenset({"Semaphore", "BoundedSemaphore"})
# Waits that only another thread of the program can end (not a socket, a
# select, a sleep: the outside world or the clock ends those).
_THREAD_ONLY_WAITS = frozenset({"lock", "join", "event", "cond", "barrier", "queue", "process", "pipe", "pool"})
HOLDABLE = frozenset({"Lock", "RLock", "Semaphore", "BoundedSemaphore"})
# Kinds whose handlers read ``args`` only when the object is an RLock (its
# depth): a caller that decodes args itself may pass ``NO_ARGS`` for any other
# object (``Fold.rlocks``), which spares a decode for most events of a busy run.
RLOCK_ONLY_ARGS = frozenset({"lock.acquire", "lock.release", "lock.fail"})
NO_ARGS: dict[str, Any] = {}


@dataclass(slots=True)
class Obj:
    id: int
    type: str
    name: str
    value: int | None = None
    holders: dict[int, int] = field(default_factory=dict)
    """thread → depth (RLock), count (semaphore) or 1 (Lock)."""
    waiters: dict[int, int] = field(default_factory=dict)
    """thread → seq of its request; dicts keep insertion (= request) order."""
    acquisitions: int = 0
    max_holders: int = 0
    max_waiters: int = 0


@dataclass(slots=True)
class Wait:
    """What a thread is blocked on: an object, or (``join``) another thread."""

    what: str  # "lock", "event", "cond", "barrier", "join", "sleep"; "queue", "socket", "select" (fold_io)
    target: int  # object id, or thread id for "join"
    timeout: float | None
    file: str | None
    line: int | None
    seq: int


@dataclass(slots=True)
class Thread:
    tid: int
    name: str
    alive: bool = True
    waiting: list[Wait] = field(default_factory=list)
    """A stack: a condition wait can contain a lock wait."""
    file: str | None = None
    line: int | None = None


class Fold:
    def __init__(self) -> None:
        self.objects: dict[int, Obj] = {}
        self.rlocks: set[int] = set()
        """Ids of the RLocks among ``objects`` (see ``RLOCK_ONLY_ARGS``)."""
        self.threads: dict[int, Thread] = {0: Thread(0, "MainThread")}
        self.events = 0
        self.last_t = 0
        self.program_end: dict[str, Any] | None = None
        self.limit: dict[str, Any] | None = None
        self.watched = Watched()
        """Watched variables' reads and writes, for the lost-update analysis."""
        # Queues, sockets and select (concviz.analysis.fold_io).
        self.queues: dict[int, fold_io.QueueStats] = {}
        self.selects: dict[int, fold_io.SelectStats] = {}
        self.sockets = fold_io.SocketStats()
        # Processes, pipes and CPU samples (concviz.analysis.fold_processes).
        self.processes = fold_processes.Processes()
        # Coroutines (concviz.analysis.fold_coroutines).
        self.coroutines: dict[int, fold_coroutines.Coroutine] = {}
        # Controlled mode (concviz.analysis.fold_control).
        self.control = fold_control.Control()
        self.running_coroutine: dict[int, int] = {}
        """thread → the coroutine running on it. While it is not empty, the
        actor of an event is not always its thread: callers that dispatch
        ``handlers`` themselves pass ``fold_coroutines.actor(fold, tid, kind)``."""

    def thread(self, tid: int) -> Thread:
        th = self.threads.get(tid)
        if th is None:
            th = self.threads[tid] = Thread(tid, f"thread-{tid}")
        return th

    kinds: frozenset[str]
    handlers: dict[str, Any]
    """kind → handler(fold, seq, tid, obj, args), for callers that dispatch themselves."""
    """The kinds that change the state (others need not be fed)."""

    def feed(self, ev: dict[str, Any]) -> None:
        """Fold one event given as a trace line's object."""
        self.events += 1
        self.last_t = ev["t"]
        if ev["kind"] in _HANDLERS:
            self.feed_event(ev["seq"], ev["t"], ev["tid"], ev["kind"], ev["obj"], ev["args"])

    def feed_event(self, seq: int, t: int, tid: int, kind: str, obj: int | None, args: dict[str, Any]) -> None:
        """Fold one event; ``kind`` must be one of ``Fold.kinds``. The caller
        keeps ``events`` and ``last_t`` (it sees every event, not only these)."""
        if self.running_coroutine:
            tid = fold_coroutines.actor(self, tid, kind)
        _HANDLERS[kind](self, seq, tid, obj, args)

    # --- handlers, one per kind that changes state --------------------------

    def _thread_new(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        self.thread(args["thread"]).name = args["name"]

    def _thread_begin(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        th = self.thread(args["thread"])
        th.name = args["name"]
        th.alive = True
        fold_processes.thread_begun(self, args["thread"])

    def _thread_end(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        th = self.thread(args["thread"])
        th.alive = False
        th.waiting.clear()

    def _obj_new(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        self.objects[obj_id] = Obj(obj_id, args["type"], args["name"], args.get("value"))  # type: ignore[index,arg-type]
        if args["type"] == "RLock":
            self.rlocks.add(obj_id)  # type: ignore[arg-type]
        else:
            self.rlocks.discard(obj_id)

    def _push(self, seq: int, tid: int, args: dict[str, Any], what: str, target: int) -> None:
        th = self.thread(tid)
        th.waiting.append(Wait(what, target, args.get("timeout"), args.get("file"), args.get("line"), seq))
        if args.get("line") is not None:
            th.file, th.line = args.get("file"), args.get("line")

    def _pop(self, tid: int, what: str) -> None:
        waiting = self.thread(tid).waiting
        for i in range(len(waiting) - 1, -1, -1):
            if waiting[i].what == what:
                del waiting[i]
                return

    def _lock_block(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        obj = self.objects.get(obj_id)  # type: ignore[arg-type]
        if obj is None:
            return
        obj.waiters[tid] = seq
        obj.max_waiters = max(obj.max_waiters, len(obj.waiters))
        self._push(seq, tid, args, "lock", obj.id)

    def _lock_acquire(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        # The hottest handler of a busy run: plain attribute work, no helper calls.
        obj = self.objects.get(obj_id)  # type: ignore[arg-type]
        if obj is None:
            return
        if obj.waiters and obj.waiters.pop(tid, None) is not None:
            self._pop(tid, "lock")
        holders = obj.holders
        kind = obj.type
        if kind == "RLock":
            depth = args.get("depth")
            holders[tid] = depth or 1
            if depth == 1:
                obj.acquisitions += 1
        else:
            holders[tid] = holders.get(tid, 0) + 1
            obj.acquisitions += 1
        count = len(holders) if kind in LOCK_TYPES else sum(holders.values())
        if count > obj.max_holders:
            obj.max_holders = count

    def _lock_fail(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        obj = self.objects.get(obj_id)  # type: ignore[arg-type]
        if obj is not None and obj.waiters.pop(tid, None) is not None:
            self._pop(tid, "lock")

    def _lock_release(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        obj = self.objects.get(obj_id)  # type: ignore[arg-type]
        if obj is None:
            return
        if obj.type == "RLock":
            if args.get("depth"):
                obj.holders[tid] = args["depth"]
            else:
                obj.holders.pop(tid, None)
            return
        # A Lock may be released by a thread that does not hold it, and a
        # semaphore by anyone: take it from the releaser if it holds, else
        # from the longest holder.
        holders = obj.holders
        holder = tid if tid in holders else next(iter(holders), None)
        if holder is None:
            return
        count = holders[holder]
        if count <= 1:
            del holders[holder]
        else:
            holders[holder] = count - 1

    def _waiter(what: str) -> Any:  # type: ignore[misc]
        def begin(self: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
            obj = self.objects.get(obj_id)  # type: ignore[arg-type]
            if obj is not None:
                obj.waiters[tid] = seq
                obj.max_waiters = max(obj.max_waiters, len(obj.waiters))
            self._push(seq, tid, args, what, obj_id)  # type: ignore[arg-type]

        def end(self: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
            obj = self.objects.get(obj_id)  # type: ignore[arg-type]
            if obj is not None:
                obj.waiters.pop(tid, None)
            self._pop(tid, what)

        return begin, end

    _event_wait, _event_wake = _waiter("event")
    _cond_wait, _cond_wake = _waiter("cond")
    _barrier_wait, _barrier_pass = _waiter("barrier")

    def _join(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        self._push(seq, tid, args, "join", args["thread"])

    def _joined(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        self._pop(tid, "join")

    def _sleep(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        th = self.thread(tid)
        th.file, th.line = args.get("file"), args.get("line")

    def _line(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        th = self.thread(tid)
        th.file, th.line = args["file"], args["line"]

    def _var_read(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        self.watched.feed(seq, tid, "var.read", args)

    def _var_write(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        self.watched.feed(seq, tid, "var.write", args)

    def _program_end(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        self.program_end = args

    def _limit(self, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
        self.limit = args

    # --- questions -------------------------------------------------------------

    def deadlock(self, final: bool = False) -> list[dict[str, Any]] | None:
        """A cycle in the wait-for graph that nothing can break, or None.

        Edges: a thread waiting without a timeout for a Lock or RLock points to
        its holders; a thread joining another without a timeout points to it.
        Every recorded holder really holds (acquire is recorded after the real
        acquire, release before the real release), so the cycle is real. It is
        final when no thread outside it can break it: an RLock can only be
        released by its owner, but a plain Lock by any thread — so a cycle
        through a Lock counts only once every other live thread is itself
        stuck (waiting without a timeout on something only threads can give),
        or the main thread has returned and the interpreter waits for the rest.
        ``final``: the program is over (its process ended, and nothing else
        will run: gevent's hub, finding every greenlet waiting, raised
        ``LoopExit`` into the main one), so every cycle counts.
        """
        edges: dict[int, list[int]] = {}
        for th in self.threads.values():
            if not th.alive or not th.waiting:
                continue
            wait = th.waiting[-1]
            if wait.timeout is not None:
                continue
            if wait.what == "lock":
                obj = self.objects.get(wait.target)
                # A semaphore can be released by anyone, so its holders are
                # in a cycle only once nothing else will run.
                if obj is not None and (obj.type in LOCK_TYPES or (final and obj.type in _SEMAPHORE_TYPES)):
                    edges[th.tid] = list(obj.holders)
            elif wait.what == "join":
                target = self.threads.get(wait.target)
                if target is not None and target.alive:
                    edges[th.tid] = [target.tid]
        cycle = _find_cycle(edges)
        if cycle is None:
            return None
        through_plain_lock = any(
            (w := self.threads[tid].waiting[-1]).what == "lock" and self.objects[w.target].type != "RLock"
            for tid in cycle
        )
        others = (th for th in self.threads.values() if th.tid not in cycle)
        if through_plain_lock and not final and not all(self._stuck(th) for th in others):
            return None
        return [self._describe(tid) for tid in cycle]

    def _stuck(self, th: Thread) -> bool:
        """Whether ``th`` can never release anything by itself: ended, or
        waiting without a timeout for something only another thread can give."""
        if not th.alive or self.processes.of_helper(th.tid):
            return True
        coroutine_stuck = fold_coroutines.stuck(self, th.tid)
        if coroutine_stuck or (coroutine_stuck is None and fold_coroutines.hosts_coroutines(self, th.tid)):
            return True  # a thread that hosts coroutines acts through them
        if th.tid == 0 and self.program_end is not None and not th.waiting:
            return True  # the interpreter is waiting for the other threads
        if not th.waiting:
            return False
        wait = th.waiting[-1]
        return wait.timeout is None and wait.what in _THREAD_ONLY_WAITS

    def _describe(self, tid: int) -> dict[str, Any]:
        th = self.threads[tid]
        wait = th.waiting[-1]
        if wait.what == "join":
            waits_for = f"join({self.threads[wait.target].name})"
        else:
            waits_for = self.objects[wait.target].name
        holds = [o.name for o in self.objects.values() if tid in o.holders]
        described = {"thread": tid, "name": th.name, "holds": holds, "waits_for": waits_for,
                     "file": wait.file, "line": wait.line}
        coro = self.coroutines.get(-tid)
        if coro is not None:  # a coroutine actor: its thread, and itself
            described |= {"thread": coro.thread, "coroutine": coro.id}
        return described


def _find_cycle(edges: dict[int, list[int]]) -> list[int] | None:
    """The first cycle found by depth-first search, as the list of its nodes."""
    state: dict[int, int] = {}  # 1 on the stack, 2 done
    for start in sorted(edges):
        if state.get(start):
            continue
        stack: list[tuple[int, int]] = [(start, 0)]
        path: list[int] = [start]
        state[start] = 1
        while stack:
            node, i = stack[-1]
            nexts = edges.get(node, [])
            if i >= len(nexts):
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            stack[-1] = (node, i + 1)
            nxt = nexts[i]
            if state.get(nxt) == 1:
                return path[path.index(nxt):]
            if not state.get(nxt) and nxt in edges:
                state[nxt] = 1
                stack.append((nxt, 0))
                path.append(nxt)
    return None


_HANDLERS: dict[str, Any] = {
    "thread.new": Fold._thread_new,
    "thread.begin": Fold._thread_begin,
    "thread.end": Fold._thread_end,
    "thread.join": Fold._join,
    "thread.joined": Fold._joined,
    "obj.new": Fold._obj_new,
    "lock.block": Fold._lock_block,
    "lock.acquire": Fold._lock_acquire,
    "lock.fail": Fold._lock_fail,
    "lock.release": Fold._lock_release,
    "event.wait": Fold._event_wait,
    "event.wake": Fold._event_wake,
    "cond.wait": Fold._cond_wait,
    "cond.wake": Fold._cond_wake,
    "barrier.wait": Fold._barrier_wait,
    "barrier.pass": Fold._barrier_pass,
    "barrier.broken": Fold._barrier_pass,
    "sleep.begin": Fold._sleep,
    "line": Fold._line,
    "var.read": Fold._var_read,
    "var.write": Fold._var_write,
    "program.end": Fold._program_end,
    "limit": Fold._limit,
}
_HANDLERS.update(fold_io.HANDLERS)
_HANDLERS.update(fold_processes.HANDLERS)
_HANDLERS.update(fold_coroutines.HANDLERS)
_HANDLERS.update(fold_control.HANDLERS)
Fold.kinds = frozenset(_HANDLERS)
Fold.handlers = _HANDLERS
