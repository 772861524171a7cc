"""The scheduler of controlled mode: one of the program's threads runs at a time.

Every thread the program starts is an *actor* with a baton (a real lock it
waits on). At each schedule point (``point``, ``block``, ``sleep``, a thread's
start or end) the running actor says what it is about to do and what it is
waiting for, and the scheduler picks the next actor among those that can move
(``Strategy.choose`` when there are several), hands it the baton, and waits
for its own. Waits take logical time: a sleeping or timed-out actor moves only
when nobody else can, and the logical clock jumps to its wake time.

A real wait the scheduler cannot see (a socket, a pipe, a C extension's own
lock) is noticed by the ``Lender``: the running actor is asleep in the kernel
and not using the CPU, so it is *lent out* — the scheduler goes on with the
others, and the actor rejoins at its next point. Runs with real I/O are then
not replayable exactly; the schedule says how many loans happened.

Neighbours: ``hooks`` puts the points into the primitives; ``strategies``
choose; the supervisor reads the ``control.*`` events.
"""

from __future__ import annotations

import _thread
import enum
import linecache
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from concviz import recorder
from concviz.control.strategies import Strategy


class State(enum.Enum):
    RUNNING = "running"
    PARKED = "parked"
    LENT = "lent"
    FINISHED = "finished"


class Outcome(enum.Enum):
    READY = "ready"
    TIMED_OUT = "timed out"
    OFF = "off"
    """Controlled mode ended (the program finished): do the real thing."""


# The real ones: controlled mode replaces these in ``_thread`` (``hooks``).
_allocate_lock = _thread.allocate_lock
_start_new_thread = _thread.start_new_thread


def _never() -> bool:
    return False


def _index(actor: Actor) -> int:
    return actor.index


class Actor:
    """One thread of the program, as the scheduler sees it."""

    __slots__ = ("baton", "cond", "daemon", "deadline", "ident", "index", "lock", "native", "reason", "state",
                 "thread", "what")

    def __init__(self, index: int, daemon: bool, thread: Any) -> None:
        self.index = index
        self.baton = _allocate_lock()
        self.baton.acquire()
        self.ident = 0
        self.native = 0
        self.daemon = daemon
        self.thread = thread
        self.state = State.PARKED
        self.what = "start"
        self.reason: str | None = None
        self.cond: Callable[[], bool] | None = None
        self.deadline: float | None = None
        self.lock: Any = None
        """The real lock it waits for, if that is what it waits for."""

    @property
    def tid(self) -> int | None:
        """The thread's lane in the trace, where it has a ``Thread`` object."""
        return getattr(self.thread, "_concviz_tid", None)


class Scheduler:
    def __init__(self, strategy: Strategy, emit: Callable[[str, dict[str, Any]], None]) -> None:
        self.strategy = strategy
        self.emit = emit
        self._lock = _allocate_lock()  # the scheduler's state: actors and the lender meet here
        self.actors: list[Actor] = []
        self.by_ident: dict[int, Actor] = {}
        self.current: Actor | None = None
        self.now = 0.0
        """Logical time, in seconds: the sum of the sleeps that were jumped over."""
        self.off = False
        self.decisions: list[int] = []
        self.points = 0
        self.loans = 0
        self.ended = False
        self.exiting = False
        self.lent = 0
        """Actors out in a real wait (``Lender``)."""
        self._ready: set[Actor] = set()
        self._lock_waiters: dict[int, list[Actor]] = {}
        self._watchers: list[Actor] = []
        """The main code has returned and waits for the other threads (``main_done``)."""

    # --- actors ------------------------------------------------------------------

    def adopt_main(self, thread: Any) -> Actor:
        actor = self._new_actor(daemon=False, thread=thread)
        self._bind(actor)
        actor.state = State.RUNNING
        self.current = actor
        return actor

    def new_actor(self, daemon: bool, thread: Any) -> Actor:
        """A thread about to start: it can be scheduled from now on (to begin)."""
        with self._lock:
            actor = self._new_actor(daemon, thread)
            self._ready.add(actor)
            return actor

    def _new_actor(self, daemon: bool, thread: Any) -> Actor:
        actor = Actor(len(self.actors), daemon, thread)
        self.actors.append(actor)
        self.strategy.started(actor.index)
        return actor

    def _bind(self, actor: Actor) -> None:
        actor.ident = _thread.get_ident()
        actor.native = _thread.get_native_id()
        self.by_ident[actor.ident] = actor

    def begin(self, actor: Actor) -> bool:
        """In the new thread, before it runs anything: wait to be scheduled.
        False: controlled mode is over, run free."""
        self._bind(actor)
        actor.baton.acquire()
        return not self.off

    def actor(self) -> Actor | None:
        """The calling thread's actor, or None when it is not controlled."""
        if self.off:
            return None
        return self.by_ident.get(_thread.get_ident())

    # --- schedule points ---------------------------------------------------------

    def point(self, me: Actor, what: str) -> None:
        """``me`` is about to do ``what``: anyone who can move may go first."""
        self.block(me, what, None, None)

    def block(self, me: Actor, what: str, cond: Callable[[], bool] | None, deadline: float | None,
              reason: str | None = None, lock: Any = None) -> Outcome:
        """Wait (as ``me``) until ``cond()`` holds or the logical clock reaches
        ``deadline``; ``cond`` None means "can move now". With ``lock`` (a real
        lock), ``cond`` is "``lock`` is free" and a release wakes ``me``
        without anyone asking every waiter (``released``)."""
        self._lock.acquire()
        if self.off:
            self._lock.release()
            return Outcome.OFF
        self.points += 1
        if me.state is State.LENT:
            self.loans += 1  # back from a real wait: queue up like everyone else
            self.lent -= 1
        me.state, me.what, me.cond, me.deadline, me.reason = State.PARKED, what, cond, deadline, reason
        self._park(me, lock)
        if self.current is me or self.current is None:
            self._hand_over(me)
        else:
            self._lock.release()
        me.baton.acquire()
        if self.off:
            return Outcome.OFF
        if cond is None or cond() or deadline is None or deadline > self.now:
            return Outcome.READY  # (a waiter woken for a lock someone took first just asks again)
        return Outcome.TIMED_OUT

    def sleep(self, me: Actor, seconds: float) -> Outcome:
        return self.block(me, "sleep", _never, self.now + seconds, f"sleeps {seconds:g} s")

    def released(self, lock: Any) -> None:
        """``lock`` was released: whoever waits for it may move."""
        if id(lock) in self._lock_waiters:
            with self._lock:
                for actor in self._lock_waiters.pop(id(lock), ()):
                    actor.lock = None
                    self._ready.add(actor)

    def finish(self, me: Actor) -> None:
        """``me`` has ended: the next actor goes on, nobody waits for this one."""
        with self._lock:
            me.state = State.FINISHED
            self.by_ident.pop(me.ident, None)
            self._unpark(me)
            if self.off or (self.current is not me and self.current is not None):
                return
            self._hand_over(None, locked=True)

    def lend(self, actor: Actor) -> None:
        """``actor`` is out in a real wait (the lock is held): go on without it."""
        actor.state = State.LENT
        self.lent += 1
        self._hand_over(None, locked=True)

    # --- who can move ----------------------------------------------------------------
    #
    # A parked actor is in ``_ready`` (it can move), in ``_lock_waiters`` (until
    # that lock's release), or in ``_watchers`` (a condition to ask, a
    # deadline to reach); an actor waiting for a lock with a timeout is in
    # the last two. Asking every actor at every point would make a run with
    # a thousand threads quadratic.

    def _park(self, actor: Actor, lock: Any) -> None:
        if actor.cond is None:
            self._ready.add(actor)
            return
        if lock is not None:
            if not lock.locked():
                self._ready.add(actor)
                return
            self._lock_waiters.setdefault(id(lock), []).append(actor)
            actor.lock = lock
            if actor.deadline is None:
                return
        self._watchers.append(actor)

    def _unpark(self, actor: Actor) -> None:
        self._ready.discard(actor)
        if actor in self._watchers:
            self._watchers.remove(actor)
        lock = actor.lock
        if lock is not None:
            waiters = self._lock_waiters.get(id(lock))
            if waiters is not None and actor in waiters:
                waiters.remove(actor)
                if not waiters:
                    del self._lock_waiters[id(lock)]
            actor.lock = None

    def _can_move(self, actor: Actor) -> bool:
        if actor.state is not State.PARKED:
            return False
        if actor in self._ready:
            return True
        if actor.lock is not None:
            return not actor.lock.locked() or (actor.deadline is not None and actor.deadline <= self.now)
        return (actor.cond is not None and actor.cond()) or (actor.deadline is not None and actor.deadline <= self.now)

    # --- the decision ----------------------------------------------------------------

    def _hand_over(self, me: Actor | None, locked: bool = False, jump: bool = False) -> None:
        """Pick the next actor and wake it. Called with the lock held; releases
        it unless ``locked`` (the caller's ``with`` does). The logical clock
        jumps to the next wake time only when no actor is out in a real wait
        (it may come back first), or when ``jump`` says it has been long enough."""
        try:
            chosen = self._choose(jump or not self.lent)
            self.current = chosen
            if chosen is not None:
                self._unpark(chosen)
                chosen.state = State.RUNNING
                chosen.baton.release()
            elif not self.lent:
                self._stuck()
        finally:
            if not locked:
                self._lock.release()

    def _enabled(self) -> list[Actor]:
        now = self.now
        enabled = set(self._ready)
        enabled.update(a for a in self._watchers if (a.cond is not None and a.lock is None and a.cond())
                       or (a.deadline is not None and a.deadline <= now))
        return sorted(enabled, key=_index)

    def _choose(self, jump: bool) -> Actor | None:
        enabled = self._enabled()
        if not enabled:
            timed = [a.deadline for a in self._watchers if a.deadline is not None]
            if not jump or not timed:
                return None
            self.now = max(self.now, min(timed))
            enabled = self._enabled()
            if not enabled:
                return None
        if len(enabled) == 1:
            return enabled[0]
        index = self.strategy.choose([a.index for a in enabled], len(self.decisions))
        self.decisions.append(index)
        return self.actors[index]

    # --- endings -------------------------------------------------------------------------

    def _stuck(self) -> None:
        """Nobody can move and nobody will: every live thread waits for another."""
        if self.ended:
            return
        self.ended = True
        waiting = [self.describe(a) for a in self.actors if a.state is State.PARKED]
        self.emit("control.schedule", self.schedule())
        self.emit("control.stuck", {"threads": waiting})
        flush()

    def stop(self) -> None:
        """Controlled mode is over (the program's main code returned): every
        parked actor runs free from here, and the schedule is written."""
        with self._lock:
            if self.off:
                return
            self.off = True
            if not self.ended:
                self.ended = True
                self.emit("control.schedule", self.schedule())
            for actor in self.actors:
                if actor.state is State.PARKED and actor.baton.locked():
                    actor.baton.release()

    def schedule(self) -> dict[str, Any]:
        diverged = getattr(self.strategy, "diverged", None)
        return {"strategy": self.strategy.name, "steps": list(self.decisions), "points": self.points,
                "threads": [a.tid for a in self.actors], "diverged": diverged, "loans": self.loans,
                "logical_s": round(self.now, 9)}

    # --- what each actor is doing ----------------------------------------------------

    def describe(self, actor: Actor) -> dict[str, Any]:
        """``{index, thread, what, file, line, text, can_move, reason}`` for the page."""
        file, line = user_place(actor.ident)
        text = linecache.getline(file, line).strip() if file and line else ""
        can_move = self._can_move(actor)
        reason = None
        if not can_move:
            reason = actor.reason or ("finished" if actor.state is State.FINISHED else "waits")
        return {"index": actor.index, "thread": actor.tid, "what": actor.what, "file": file, "line": line,
                "text": text, "can_move": can_move, "reason": reason}

    def parked(self) -> list[dict[str, Any]]:
        return [self.describe(a) for a in self.actors if a.state in (State.PARKED, State.RUNNING)]


def user_place(ident: int) -> tuple[str | None, int | None]:
    """Where in the program's own code the thread ``ident`` stands."""
    from concviz.instrument._support import is_user_file

    frame = sys._current_frames().get(ident)
    while frame is not None:
        if is_user_file(frame.f_code.co_filename):
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back
    return None, None


def flush() -> None:
    writer = recorder.writer()
    if writer is not None:
        writer.flush()


EXIT_GRACE_S = 0.5
LEND_AFTER_S = 0.05
JUMP_AFTER_S = 0.1
BUSY_SHARE = 0.3


class Lender:
    """Notices the running actor asleep in a real wait the scheduler cannot
    see, and lends it out so that the others go on (see the module's doc);
    ends the run with a clear message when nothing has moved for ``patience_s``."""

    PERIOD_S = 0.02

    def __init__(self, scheduler: Scheduler, patience_s: float, on_hang: Callable[[str], None]) -> None:
        self.scheduler = scheduler
        self.patience_s = patience_s
        self.on_hang = on_hang
        self._window: tuple[Actor, float, int] | None = None

    def start(self) -> None:
        recorder.own_threads.add(_start_new_thread(self._loop, ()))

    def _loop(self) -> None:
        last_points, last_change = -1, time.monotonic()
        last_alive, cpu_before = last_change, 0
        while not self.scheduler.off:
            time.sleep(self.PERIOD_S)
            s = self.scheduler
            if s.points != last_points or getattr(s.strategy, "asking", False):
                last_points, last_change = s.points, time.monotonic()
                last_alive = last_change
            # A thread computing for long between points is working, not stuck.
            cpu = sum(_kernel_state(a.native)[1] for a in list(s.actors)
                      if a.state in (State.RUNNING, State.LENT) and a.native)
            if cpu - cpu_before > BUSY_SHARE * self.PERIOD_S * 1e9:
                last_alive = time.monotonic()
            cpu_before = cpu
            self._lend_if_waiting()
            quiet_s = time.monotonic() - last_change
            if s.current is None and quiet_s > JUMP_AFTER_S:
                # Idle, with someone out in a real wait: the sleepers need not
                # wait for it any longer.
                with s._lock:
                    if s.current is None and not s.off and not s.ended:
                        s._hand_over(None, locked=True, jump=True)
            if s.exiting and s.current is None and quiet_s > EXIT_GRACE_S:
                # Python's exit would join the threads still out in real
                # waits (an executor's workers): they run free from here.
                s.stop()
                return
            if time.monotonic() - last_alive > self.patience_s and not s.off and not s.ended:
                self.on_hang(self._hang_message())
                return

    def _lend_if_waiting(self) -> None:
        """Lend the running actor out when it has spent the last ``LEND_AFTER_S``
        mostly asleep in the kernel (a real wait, or a loop polling one)."""
        s = self.scheduler
        actor = s.current
        if actor is None or actor.state is not State.RUNNING or not actor.native:
            self._window = None
            return
        state, on_cpu = _kernel_state(actor.native)
        now = time.monotonic()
        if state not in ("S", "D") or on_cpu < 0:
            self._window = None
            return
        if self._window is None or self._window[0] is not actor:
            self._window = (actor, now, on_cpu)
            return
        _, since, cpu_since = self._window
        if now - since < LEND_AFTER_S:
            return
        self._window = None
        if (on_cpu - cpu_since) / 1e9 > BUSY_SHARE * (now - since):
            return  # it computes between short waits: not waiting
        with s._lock:
            if s.current is actor and actor.state is State.RUNNING:
                s.lend(actor)

    def _hang_message(self) -> str:
        s = self.scheduler
        lent = [a for a in s.actors if a.state in (State.LENT, State.RUNNING)]
        where = []
        for a in lent:
            file, line = user_place(a.ident)
            if file is None:  # no code of the program's on its stack: where it is, then
                frame = sys._current_frames().get(a.ident)
                file, line = (frame.f_code.co_filename, frame.f_lineno) if frame else (None, None)
            name = getattr(a.thread, "name", None) or f"thread {a.index}"
            where.append(f"{name} at {os.path.basename(file) if file else '?'}:{line or '?'}")
        return (f"controlled mode: no thread reached a schedule point for {self.patience_s:g} s; "
                f"{', '.join(where) or 'no thread'} is running or blocked outside concviz's control "
                f"(a wait it cannot drive, or a loop with no recorded operation)")


def _kernel_state(native: int) -> tuple[str, int]:
    """The thread's scheduler state letter and its time on a CPU (ns)."""
    pid = os.getpid()
    try:
        with open(f"/proc/{pid}/task/{native}/stat", "rb") as f:
            stat = f.read()
        with open(f"/proc/{pid}/task/{native}/schedstat", "rb") as f:
            on_cpu = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return "?", -1
    return stat[stat.rfind(b")") + 2:][:1].decode(), on_cpu
