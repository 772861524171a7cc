"""The fold's handlers for coroutines (``concviz.analysis.fold`` registers
them in its ``_HANDLERS``): which coroutine runs on each thread, how often
each was switched to and away from."""

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


def _new(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    fold.coroutines[obj_id] = Coroutine(obj_id, args["name"], args["kind"], tid)  # type: ignore[arg-type,index]


def _name(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    coro = fold.coroutines.get(obj_id)  # type: ignore[arg-type]
    if coro is not None:
        coro.name = args["name"]


def _switch(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    coros = fold.coroutines
    target = coros.get(obj_id)  # type: ignore[arg-type]
    if target is not None:
        target.switches += 1
        target.thread = tid
    origin = coros.get(args["origin"])
    if origin is not None:
        origin.waits += 1
    fold.running_coroutine[tid] = obj_id  # type: ignore[assignment]


def _wait(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    coro = fold.coroutines.get(obj_id)  # type: ignore[arg-type]
    if coro is not None:
        coro.waited_on[args["what"]] = coro.waited_on.get(args["what"], 0) + 1


def _end(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    coro = fold.coroutines.get(obj_id)  # type: ignore[arg-type]
    if coro is not None:
        coro.ended = True
        coro.waits = max(0, coro.waits - 1)  # its last switch away was its end, not a wait


def summary(fold: Fold) -> dict[str, dict[str, Any]]:
    """``summary["coroutines"]``: name → kind, thread, switches, waits."""
    out: dict[str, dict[str, Any]] = {}
    for coro in fold.coroutines.values():
        name = coro.name
        n = 2
        while name in out:
            name = f"{coro.name}#{n}"
            n += 1
        out[name] = {"kind": coro.kind, "thread": coro.thread, "switches": coro.switches, "waits": coro.waits,
                     "waited_on": coro.waited_on}
    return out


HANDLERS: dict[str, Any] = {
    "coro.new": _new,
    "coro.name": _name,
    "coro.switch": _switch,
    "coro.wait": _wait,
    "coro.end": _end,
}
