"""The fold's handlers for coroutines (``concviz.analysis.fold`` registers
them in its ``_HANDLERS``): which coroutine runs on each thread, how often
each was switched to and away from.

The actor rule. An event's ``tid`` is the OS thread that recorded it; the
*actor* of a synchronisation event is the coroutine running on that thread at
that moment, if any, else the thread. Two greenlets of one thread can
contend for one lock, an asyncio task holds an ``asyncio.Lock`` while the
loop's thread runs others, and a deadlock can join two tasks: the fold keeps
holders, waiters and waits per actor. A coroutine's actor key is ``-id``
(thread ids are never negative), with an entry in ``Fold.threads`` named
after the coroutine; the trace itself keeps the thread in ``tid``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concviz.analysis.fold import Fold


@dataclass(slots=True)
class Coroutine:
    id: int
    name: str
    kind: str
    thread: int
    switches: int = 0
    """Times it was switched to."""
    waits: int = 0
    """Times it was switched away from before its end."""
    ended: bool = False
    waited_on: dict[str, int] = field(default_factory=dict)
    """What it waited for (task, gather, sleep, future), how often."""
    awaiting: str | None = None
    """What it waits for now (the last ``coro.wait`` since it last ran)."""
    loop: bool = False
    """A scheduler, not one of its coroutines: asyncio's event loop (what
    runs between task steps) or gevent's hub. It acts only for the others."""
    since: int | None = None
    """When it was last switched to (ns), while it runs."""
    longest_run: int = 0
    """Its longest stretch from a switch to it to the next switch away (ns)."""
    blocking_runs: int = 0
    """Stretches of ``BLOCKING_NS`` or more in a scheduler's coroutine (see ``blocks_its_loop``)."""


HOST_KINDS = frozenset({
    "thread.new", "thread.start", "thread.begin", "thread.end", "coro.new", "coro.name", "coro.switch",
    "coro.end", "coro.wait", "cpu", "process.begin", "process.name", "process.start", "process.exit",
    "process.gone"})
"""Kinds whose ``tid`` is the thread as such, never a coroutine running on it."""
# Waits after which only another coroutine can resume a coroutine.
_COROUTINE_ONLY_WAITS = frozenset({"task", "gather", "join"})

BLOCKING_NS = 100_000_000
"""A gevent greenlet or asyncio task that runs this long without switching
away blocks its hub or loop: nothing else on its thread runs meanwhile, no
timer fires, no socket is served. 0.1 s is gevent's own ``max_blocking_time``
and asyncio's ``slow_callback_duration``."""


def blocks_its_loop(coro: Coroutine) -> bool:
    """Whether ``coro`` is one of the coroutines a scheduler (gevent's hub,
    asyncio's loop) takes turns with, not the scheduler itself."""
    return coro.kind in ("gevent", "asyncio") and not coro.loop


def actor(fold: Fold, tid: int, kind: str) -> int:
    """The actor of an event of ``kind`` recorded by thread ``tid`` (see the
    module's docstring). Callers check ``fold.running_coroutine`` first: a
    program without coroutines never gets here."""
    cid = fold.running_coroutine.get(tid)
    if cid is None or kind in HOST_KINDS:
        return tid
    key = -cid
    if key not in fold.threads:
        coro = fold.coroutines.get(cid)
        fold.thread(key).name = coro.name if coro is not None else f"coroutine-{cid}"
    return key


def hosts_coroutines(fold: Fold, tid: int) -> bool:
    """Whether the thread ``tid`` runs coroutines (its coroutines are the actors, not it)."""
    return fold.running_coroutine.get(tid) is not None


def stuck(fold: Fold, key: int) -> bool | None:
    """Whether the coroutine actor ``key`` can never move by itself (ended,
    or suspended awaiting another coroutine); None when ``key`` is a thread."""
    if key >= 0:
        return None
    coro = fold.coroutines.get(-key)
    if coro is None:
        return None
    return coro.ended or coro.loop or coro.awaiting in _COROUTINE_ONLY_WAITS


def _new(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    coro = fold.coroutines[obj_id] = Coroutine(obj_id, args["name"], args["kind"], tid)  # type: ignore[arg-type,index]
    kind, name = args["kind"], args["name"]
    coro.loop = args.get("file") is None and (kind, name) in (("asyncio", "event loop"), ("gevent", "Hub"))


def _name(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    coro = fold.coroutines.get(obj_id)  # type: ignore[arg-type]
    if coro is not None:
        coro.name = args["name"]
        actor_entry = fold.threads.get(-coro.id)
        if actor_entry is not None:
            actor_entry.name = coro.name


def _switch(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    coros = fold.coroutines
    now = fold.last_t
    target = coros.get(obj_id)  # type: ignore[arg-type]
    if target is not None:
        target.switches += 1
        target.thread = tid
        target.awaiting = None
        target.since = now
    origin = coros.get(args["origin"])
    if origin is not None:
        origin.waits += 1
        if origin.since is not None:
            run = now - origin.since
            origin.since = None
            origin.longest_run = max(origin.longest_run, run)
            if run >= BLOCKING_NS and blocks_its_loop(origin):
                origin.blocking_runs += 1
    fold.running_coroutine[tid] = obj_id  # type: ignore[assignment]


def _wait(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    coro = fold.coroutines.get(obj_id)  # type: ignore[arg-type]
    if coro is not None:
        coro.waited_on[args["what"]] = coro.waited_on.get(args["what"], 0) + 1
        coro.awaiting = args["what"]


def _end(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    coro = fold.coroutines.get(obj_id)  # type: ignore[arg-type]
    if coro is not None:
        coro.ended = True
        coro.since = None
        coro.waits = max(0, coro.waits - 1)  # its last switch away was its end, not a wait
        actor_entry = fold.threads.get(-coro.id)
        if actor_entry is not None:
            actor_entry.alive = False
            actor_entry.waiting.clear()


def summary(fold: Fold) -> dict[str, dict[str, Any]]:
    """``summary["coroutines"]``: name → kind, thread, switches, waits, what
    it waited on, its longest run without switching away (ms) and how many
    of its runs blocked its hub or loop (``BLOCKING_NS`` or longer)."""
    out: dict[str, dict[str, Any]] = {}
    suffix: dict[str, int] = {}  # name → the next #n to try (a program can make 100,000 greenlets of one function)
    for coro in fold.coroutines.values():
        name = coro.name
        if name in out:
            n = suffix.get(coro.name, 2)
            while (name := f"{coro.name}#{n}") in out:
                n += 1
            suffix[coro.name] = n + 1
        out[name] = {"kind": coro.kind, "thread": coro.thread, "switches": coro.switches, "waits": coro.waits,
                     "waited_on": coro.waited_on, "longest_run_ms": round(coro.longest_run / 1e6, 3),
                     "blocking_runs": coro.blocking_runs}
    return out


HANDLERS: dict[str, Any] = {
    "coro.new": _new,
    "coro.name": _name,
    "coro.switch": _switch,
    "coro.wait": _wait,
    "coro.end": _end,
}
