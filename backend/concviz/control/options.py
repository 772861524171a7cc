"""Controlled mode on the command line: the options of ``concviz run`` and
``concviz explore``, read into the settings the child takes
(``concviz.control.install``)."""

from __future__ import annotations

import argparse
from typing import Any

from concviz.control import schedule as schedule_file

MAX_SEED = 2**63 - 1


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected an integer between 0 and {MAX_SEED}, got {text!r}")
    return value


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected an integer between 1 and 100, got {text!r}")
    return value


def add_run_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("controlled mode (threads take turns at recorded operations)")
    group.add_argument("--control", metavar="STRATEGY",
                       help="schedule the threads: random, pct, step (a person, from the page) or "
                            "replay:FILE (a schedule saved with --schedule-out)")
    add_strategy_options(group)


def add_strategy_options(group: Any) -> None:
    group.add_argument("--seed", type=_seed, default=None, metavar="N",
                       help="seed of the random and pct strategies (default 0)")
    group.add_argument("--pct-depth", type=_depth, default=3, metavar="D",
                       help="pct: the number of priority changes plus one (default 3)")
    group.add_argument("--schedule-out", metavar="FILE", help="save the run's schedule to FILE")


def control_settings(strategy: str | None, seed: int | None, pct_depth: int) -> dict[str, Any] | None:
    """The child's settings for ``--control STRATEGY``; ValueError with a
    message for the user when the option is wrong."""
    if strategy is None:
        if seed is not None:
            raise ValueError("--seed applies to controlled mode: add --control random or --control pct")
        return None
    name, _, argument = strategy.partition(":")
    if name in ("random", "pct") and not argument:
        return {"strategy": name, "seed": seed or 0, "pct_depth": pct_depth}
    if name == "step" and not argument:
        return {"strategy": "step"}
    if name == "replay":
        if not argument:
            raise ValueError("expected --control replay:FILE (a schedule saved with --schedule-out)")
        try:
            doc = schedule_file.read(argument)
        except schedule_file.ScheduleError as error:
            raise ValueError(str(error)) from None
        return {"strategy": "replay", "steps": doc["steps"], "seed": doc.get("seed") or 0, "then": "first"}
    raise ValueError(f"expected --control random, pct, step or replay:FILE, got {strategy!r}")


def save_schedule(path: str, spec: Any, end: dict[str, Any]) -> None:
    """Write the schedule of a finished run (``--schedule-out``); a run that
    was not controlled has none, which is said on stderr."""
    import sys

    schedule = end["summary"].get("schedule")
    if schedule is None:
        print(f"concviz: no schedule to save in {path}: the run was not in controlled mode "
              f"(--control)", file=sys.stderr)
        return
    control = spec.control or {}
    doc = schedule_file.document(schedule, spec.target, spec.params, spec.watch, control.get("seed"))
    schedule_file.write(path, doc)


def describe(schedule: dict[str, Any] | None) -> list[str]:
    """The summary lines of a controlled run (none for a free run)."""
    if schedule is None:
        return []
    lines = [f"  controlled ({schedule['strategy']}): {len(schedule['steps']):,} choices at "
             f"{schedule['points']:,} schedule points; threads switched only at recorded operations"]
    if schedule.get("logical_s"):
        lines.append(f"    {schedule['logical_s']:g} s of sleeps and timeouts passed in logical time")
    if schedule.get("loans"):
        lines.append(f"    {schedule['loans']} real waits were let go (sockets, pipes...): a replay may differ")
    if schedule.get("diverged") is not None:
        lines.append(f"    the replay stopped matching at choice {schedule['diverged']}: the program took "
                     f"another path (it read the clock, a file, the network?)")
    return lines
