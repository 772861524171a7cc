"""Controlled mode: the program's threads take turns, and a strategy decides whose.

``install(config)`` (called by the runner before the program starts) puts a
scheduler between the program's threads: at every synchronisation point that
concviz records, exactly one thread moves, chosen by the strategy — ``random``,
``pct``, ``replay`` of a saved schedule, or ``step`` (a person, through the
page). The choices are the run's schedule (``control.schedule``); replaying it
gives the same interleaving and the same outcome.

Threads switch only at those points: a race between two plain statements
with no recorded operation between them cannot appear in this mode.

Modules: ``scheduler`` (actors, batons, logical time, the lender), ``hooks``
(where the points are), ``strategies`` and ``step`` (who moves), ``schedule``
(the file and link format), ``explore`` (many runs, looking for trouble).
"""

from __future__ import annotations

from typing import Any


def install(config: dict[str, Any]) -> Any:
    """Put the scheduler between the program's threads (``runtime.install``)."""
    from concviz.control import runtime

    return runtime.install(config)


def uninstall() -> None:
    from concviz.control import runtime

    runtime.uninstall()


def main_done() -> None:
    """The program's main thread is done (``runtime.main_done``)."""
    from concviz.control import runtime

    runtime.main_done()


def logical_now() -> float | None:
    """The scheduler's logical time, None when threads run free (``runtime.logical_now``)."""
    from concviz.control import runtime

    return runtime.logical_now()
