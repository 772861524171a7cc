"""The controlled mode inside the child: the scheduler installed, its strategy, its end.

``concviz.control.install`` and its siblings are the way in; this module is
imported only by a controlled run's child (the parent and the CLI never need
the scheduler or the instrumentation it hooks into).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from concviz import recorder
from concviz.control import hooks
from concviz.control.scheduler import Lender, Scheduler, State, flush, user_place
from concviz.control.step import Step
from concviz.control.strategies import FirstReady, Pct, RandomWalk, Replay, Strategy

STRATEGIES = ("random", "pct", "step", "replay")
PATIENCE_S = 10.0
"""How long nothing may reach a schedule point before the run is ended."""
HANG_EXIT = 124

_scheduler: Scheduler | None = None


def _emit(kind: str, args: dict[str, Any]) -> None:
    recorder.append((recorder.ns(), recorder.ident(), kind, None, args))


def _strategy(config: dict[str, Any], pause: Any, places: Any) -> Strategy:
    name = config["strategy"]
    seed = int(config.get("seed") or 0)
    if name == "random":
        return RandomWalk(seed)
    if name == "pct":
        return Pct(seed, int(config.get("pct_depth", 3)), int(config.get("pct_steps", 1000)))
    if name == "step":
        return Step(int(config["fd"]), pause, places)
    if name == "replay":
        then_name = config.get("then", "first")
        then: Strategy = (Step(int(config["fd"]), pause, places) if then_name == "step"
                          else RandomWalk(seed) if then_name == "random" else FirstReady())
        return Replay(config.get("steps", []), then)
    raise ValueError(f"unknown strategy {name!r}")


def install(config: dict[str, Any]) -> Scheduler:
    """Take control of the program's threads (the calling thread is the main one)."""
    global _scheduler

    def pause(decision: int) -> None:
        assert _scheduler is not None
        _emit("control.pause", {"decision": decision, "steps": list(_scheduler.decisions),
                                 "threads": _scheduler.parked()})
        flush()

    def places() -> dict[int, str | None]:
        assert _scheduler is not None
        return {a.index: user_place(a.ident)[0] for a in _scheduler.actors}

    scheduler = _scheduler = Scheduler(_strategy(config, pause, places), _emit)
    hooks.install(scheduler)
    scheduler.adopt_main(threading.main_thread())
    os.register_at_fork(after_in_child=_forked)
    Lender(scheduler, float(config.get("patience_s", PATIENCE_S)), _hang).start()
    return scheduler


def _forked() -> None:
    # A forked process has one thread and nobody to take turns with.
    if _scheduler is not None:
        _scheduler.off = True


def _hang(message: str) -> None:
    s = _scheduler
    if s is None or s.ended:
        return
    s.ended = True
    _emit("control.schedule", s.schedule())
    _emit("control.stuck", {"threads": s.parked(), "message": message})
    flush()
    print(f"concviz: {message}", file=sys.stderr, flush=True)


def main_done() -> None:
    """The program's main code has returned: let its other non-daemon threads
    finish under control (as Python waits for them), then run free."""
    s = _scheduler
    if s is None:
        return
    me = s.actor()
    if me is not None:
        others = [a for a in s.actors if a is not me and not a.daemon]
        s.exiting = True
        s.block(me, "exit", lambda: all(a.state is State.FINISHED for a in others), None,
                "waits for the other threads to end")
    s.stop()


def uninstall() -> None:
    """Let every thread run free and put the originals back (for tests that
    take control inside their own process)."""
    global _scheduler
    s = _scheduler
    if s is not None:
        s.stop()
    hooks.uninstall()
    _scheduler = None


def logical_now() -> float | None:
    """Controlled mode's clock (seconds of sleeps and timeouts jumped over),
    or None when the threads run free."""
    return None if _scheduler is None else _scheduler.now
