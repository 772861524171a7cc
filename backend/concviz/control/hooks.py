"""Where controlled mode meets the program: the raw lock, thread start and
end, join, sleep and watched variables.

Every blocking primitive of ``threading`` and ``queue`` (Lock, RLock,
Condition, Event, Semaphore, Barrier, Queue) waits, in the end, on a raw
lock from ``_thread.allocate_lock``. Controlled mode replaces that factory
(and the names the standard library and the instrumentation keep of it) by
``ControlledLock``: a real lock that never blocks a controlled thread for
real. An acquire is a schedule point; when the lock is taken the thread
waits *in the scheduler* until it is free. The recorded primitives above it
are untouched and record exactly what they record in a free run.

Neighbours: ``scheduler`` decides; ``concviz.instrument`` records.
"""

from __future__ import annotations

import _thread
import queue
import threading
import time
from typing import Any

from concviz import _watch, recorder  # type: ignore[attr-defined]
from concviz.control.scheduler import Outcome, Scheduler
from concviz.instrument import locks, queues, sleep, threads
from concviz.instrument._support import Patch

_real_allocate = _thread.allocate_lock
_scheduler: Scheduler | None = None


def _fresh_check(blocking: Any, timeout: Any) -> None:
    """Raise what the real lock raises for these arguments (a fresh lock never blocks)."""
    probe = _real_allocate()
    if probe.acquire(blocking, timeout):
        probe.release()


class ControlledLock:
    """``_thread.lock`` whose blocking acquire waits in the scheduler."""

    __slots__ = ("__weakref__", "_real")

    def __init__(self) -> None:
        self._real = _real_allocate()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        real = self._real
        if timeout != -1 or blocking is not True:
            _fresh_check(blocking, timeout)
        s = _scheduler
        me = s.actor() if s is not None else None
        if me is None:
            return bool(real.acquire(blocking, timeout))
        assert s is not None
        if s.block(me, "acquire" if blocking else "try", None, None) is Outcome.OFF:
            return bool(real.acquire(blocking, timeout))
        if real.acquire(False):
            return True
        if not blocking:
            return False
        deadline = None if timeout == -1 else s.now + timeout
        free = real.locked
        while True:
            outcome = s.block(me, "acquire", lambda: not free(), deadline, "waits for a lock", real)
            if outcome is Outcome.OFF:
                return bool(real.acquire(True, timeout))
            if real.acquire(False):
                return True
            if outcome is Outcome.TIMED_OUT:
                return False

    def release(self) -> None:
        self._real.release()
        s = _scheduler
        if s is not None:
            s.released(self._real)

    def locked(self) -> bool:
        return bool(self._real.locked())

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _at_fork_reinit(self) -> None:
        self._real._at_fork_reinit()  # type: ignore[attr-defined]

    acquire_lock = acquire
    release_lock = release
    locked_lock = locked

    def __repr__(self) -> str:
        return f"<{'locked' if self._real.locked() else 'unlocked'} _thread.lock object at {id(self):#x}>"


def _allocate_lock() -> ControlledLock:
    return ControlledLock()


class ControlledRLock(threading._PyRLock):  # type: ignore[name-defined]
    """``_thread.RLock``: the pure-Python RLock (built on threading's raw lock,
    which is controlled), showing itself as the C one does."""

    def __repr__(self) -> str:
        state = "locked" if self._count else "unlocked"
        return f"<{state} _thread.RLock object owner={self._owner or 0} count={self._count} at {id(self):#x}>"


def _rlock(*args: Any, **kwargs: Any) -> Any:
    return ControlledRLock(*args, **kwargs)


def _starter(original: Any) -> Any:
    """Wrap a function that starts an OS thread (``_thread.start_new_thread``
    and threading's names for it) so that the new thread is an actor."""

    def start(function: Any, *args: Any, **kwargs: Any) -> Any:
        s = _scheduler
        if s is None or s.actor() is None:
            return original(function, *args, **kwargs)
        owner = getattr(function, "__self__", None)
        thread = owner if isinstance(owner, threading.Thread) else None
        daemon = thread.daemon if thread is not None else True
        actor = s.new_actor(daemon, thread)

        def begin(*a: Any, **k: Any) -> Any:
            controlled = s.begin(actor)
            try:
                return function(*a, **k)
            finally:
                if controlled:
                    s.finish(actor)

        try:
            return original(begin, *args, **kwargs)
        except BaseException:
            s.finish(actor)
            raise

    start.__name__ = getattr(original, "__name__", "start_new_thread")
    return start


def _join(original: Any) -> Any:
    def join(thread: Any, timeout: float | None = None) -> None:
        s = _scheduler
        me = s.actor() if s is not None else None
        target = _actor_of(thread)
        if me is None or target is None or thread is threading.current_thread():
            return original(thread, timeout)
        assert s is not None
        deadline = None if timeout is None else s.now + max(timeout, 0)
        from concviz.control.scheduler import State

        outcome = s.block(me, "join", lambda: target.state is State.FINISHED, deadline,
                          f"joins thread {target.tid if target.tid is not None else target.index}")
        if outcome is Outcome.TIMED_OUT:
            return None  # still alive, as a real timed-out join leaves it
        return original(thread, timeout)  # the thread has ended: only its last breath is waited for

    return join


def _actor_of(thread: Any) -> Any:
    s = _scheduler
    if s is None:
        return None
    for actor in s.actors:
        if actor.thread is thread:
            return actor
    return None


def _sleep(original: Any) -> Any:
    def controlled_sleep(*args: Any, **kwargs: Any) -> None:
        s = _scheduler
        me = s.actor() if s is not None else None
        if (me is None or kwargs or len(args) != 1 or type(args[0]) not in (int, float, bool)
                or not 0 <= args[0] * 1e9 < 2**63):
            return original(*args, **kwargs)  # raises what the original raises
        seconds = float(args[0])
        assert s is not None
        if s.sleep(me, seconds) is Outcome.OFF:
            return original(seconds)
        return None

    return controlled_sleep


def _shifted(original: Any) -> Any:
    """A clock that has also seen the logical time jumped over: timeouts
    computed from it (``threading.Semaphore``, ``queue.Queue.get``, a
    program timing itself) see the sleeps and waits that took no real time."""

    def clock() -> float:
        s = _scheduler
        return float(original()) + (s.now if s is not None else 0.0)

    clock.__name__ = original.__name__
    return clock


def watch_helpers() -> dict[str, Any]:
    """The globals of a rewritten main file, for controlled mode: a read is
    followed by a schedule point, a write preceded by one (so that the value
    stored is the one recorded), and ``x += 1`` stays one step, as it is one
    under CPython."""
    from concviz.instrument import watch as watching

    append = recorder.append

    def point(kind: str) -> None:
        s = _scheduler
        me = s.actor() if s is not None else None
        if me is not None and s is not None:
            s.point(me, kind)

    def read_then_point(event: tuple[Any, ...]) -> None:
        append(event)
        point("read")

    def point_then_write(event: tuple[Any, ...]) -> None:
        point("write")
        append((recorder.ns(), *event[1:]))

    return {
        watching.READ: _watch.Watch(read_then_point, recorder.ns, recorder.ident, _watch.READ),
        watching.WRITE: _watch.Watch(point_then_write, recorder.ns, recorder.ident, _watch.WRITE),
        watching.UPDATE: _watch.Watch(append, recorder.ns, recorder.ident, _watch.UPDATE),
    }


_patch = Patch()


def install(scheduler: Scheduler) -> None:
    global _scheduler
    _scheduler = scheduler
    _patch.set(_thread, "allocate_lock", _allocate_lock)
    _patch.set(_thread, "start_new_thread", _starter(_thread.start_new_thread))
    _patch.set(threading, "_allocate_lock", _allocate_lock)
    for name in ("_start_new_thread", "_start_joinable_thread"):
        if hasattr(threading, name):
            _patch.set(threading, name, _starter(getattr(threading, name)))
    if hasattr(_thread, "start_joinable_thread"):
        _patch.set(_thread, "start_joinable_thread", _starter(_thread.start_joinable_thread))
    # The recorded primitives' own references to the raw factories.
    _patch.set(locks, "_allocate_lock", _allocate_lock)
    _patch.set(locks, "_RealRLock", _rlock)
    _patch.set(threads, "_original_join", _join(threads._original_join))
    _patch.set(sleep, "_original_sleep", _sleep(sleep._original_sleep))
    # Every name the standard library's timeouts and ours read the clock by.
    clocks = {id(getattr(time, name)): name for name in ("monotonic", "time", "perf_counter")}
    for module in (threading, queue, queues):
        for name, value in list(vars(module).items()):
            if id(value) in clocks:
                _patch.set(module, name, _shifted(value))
    for name in clocks.values():
        _patch.set(time, name, _shifted(getattr(time, name)))


def uninstall() -> None:
    global _scheduler
    _patch.undo()
    _scheduler = None
