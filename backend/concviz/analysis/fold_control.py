"""Controlled mode in the fold: the schedule, the pending choice, a stuck end.

Neighbours: ``concviz.control`` records these kinds; the supervisor ends a
controlled run on ``control.stuck``; the server answers a step against the
last ``control.pause``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concviz.analysis.fold import Fold


@dataclass
class Control:
    schedule: dict[str, Any] | None = None
    pause: dict[str, Any] | None = None
    """The choice a person is asked to make now (None: the program is running)."""
    stuck: dict[str, Any] | None = None


def _pause(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    fold.control.pause = args


def _schedule(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    fold.control.schedule = args


def _stuck(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    fold.control.stuck = args
    fold.control.pause = None


def answered(fold: Fold) -> None:
    """The pending choice was made: the program runs again."""
    fold.control.pause = None


def summary(fold: Fold) -> dict[str, Any] | None:
    """``schedule`` of the summary: None for a run not in controlled mode."""
    schedule = fold.control.schedule
    if schedule is None:
        return None
    out = dict(schedule)
    if fold.control.stuck is not None:
        out["stuck"] = fold.control.stuck
    return out


HANDLERS: dict[str, Any] = {
    "control.pause": _pause,
    "control.schedule": _schedule,
    "control.stuck": _stuck,
}
