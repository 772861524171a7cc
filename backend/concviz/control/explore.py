"""``concviz explore``: run a program under many schedules, stop at the first
that goes wrong, and save that schedule so that ``concviz run --control
replay:FILE`` shows it again.

Wrong is: a deadlock (no thread can move), a lost update of a watched
variable, an uncaught exception in any thread, a non-zero exit, or a run
that had to be stopped (time or event limit). Like a test runner, the
command exits 1 when it found something and 0 when nothing was found.

Neighbours: ``concviz.supervisor`` runs each try exactly as ``concviz run``
would; ``concviz.control`` schedules inside it.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from concviz.control import schedule as schedule_file
from concviz.supervisor import RunSpec, Supervisor
from concviz.translate import Lines

DEFAULT_OUT = "concviz-found.schedule.json"


@dataclass
class Finding:
    run: int
    """Which try (0-based) found it."""
    seed: int
    what: str
    """``deadlock``, ``lost update``, ``exception``, ``exit code``, ``timed_out`` ..."""
    detail: str
    end: dict[str, Any]


class _Watcher:
    """A sink that keeps nothing but the first uncaught exception of a thread."""

    def __init__(self) -> None:
        self.exception: str | None = None

    def header(self, line: bytes) -> None:
        pass

    def events(self, lines: Lines) -> None:
        if self.exception is not None:
            return
        for line in lines:
            if b'"thread.end"' in line and b'"error":null' not in line:
                import json

                self.exception = json.loads(line)["args"].get("error") or "an exception"
                return

    def end(self, line: bytes) -> None:
        pass


def judge(end: dict[str, Any], exception: str | None) -> tuple[str, str] | None:
    """What went wrong in a finished try, or None."""
    summary = end["summary"]
    if end["status"] == "deadlocked":
        cycle = (summary.get("deadlock") or {}).get("cycle") or []
        waits = "; ".join(f"{s.get('name', s.get('thread'))} waits for {s.get('waits_for')}" for s in cycle)
        return "deadlock", waits or "no thread can move"
    lost = sum(w.get("lost_updates", 0) for w in summary.get("watched", {}).values())
    if lost:
        names = ", ".join(f"{n}: {w['initial']!r} → {w['final']!r}" for n, w in summary["watched"].items()
                          if w.get("lost_updates"))
        return "lost update", f"{lost} updates lost ({names})"
    if exception is not None:
        return "exception", exception
    if end["status"] != "finished":
        return end["status"], end.get("error") or end["status"]
    if end["exit_code"] != 0:
        return "exit code", f"the program exited with {end['exit_code']}"
    return None


def explore(spec: RunSpec, strategy: str, runs: int, seed: int, pct_depth: int = 3,
            progress: Callable[[int, dict[str, Any]], None] | None = None,
            started: Callable[[Supervisor], None] | None = None) -> Iterator[Finding | None]:
    """Try ``runs`` schedules (seeds ``seed``, ``seed + 1`` ...); yield None after
    each clean try and a Finding (then stop) at the first that goes wrong."""
    steps_estimate = 1000
    with open(os.devnull, "wb") as devnull:
        for i in range(runs):
            control: dict[str, Any] = {"strategy": strategy, "seed": seed + i, "pct_depth": pct_depth,
                                       "pct_steps": steps_estimate}
            try_spec = dataclasses.replace(spec, control=control, stdout=devnull.fileno(),
                                           run_id=f"{spec.run_id}-{i}")
            watcher = _Watcher()
            supervisor = Supervisor(try_spec, watcher)
            if started is not None:
                started(supervisor)  # to stop it from another thread
            end = supervisor.run()
            schedule = end["summary"].get("schedule") or {}
            steps_estimate = max(len(schedule.get("steps", [])), 10)
            if progress is not None:
                progress(i, end)
            found = judge(end, watcher.exception)
            if found is not None:
                yield Finding(i, seed + i, found[0], found[1], end)
                return
            yield None


def save(path: str, spec: RunSpec, finding: Finding) -> None:
    schedule = finding.end["summary"].get("schedule") or {}
    doc = schedule_file.document(schedule, spec.target, spec.params, spec.watch, finding.seed)
    doc["found"] = {"what": finding.what, "detail": finding.detail, "status": finding.end["status"]}
    schedule_file.write(path, doc)


def run_command(spec: RunSpec, strategy: str, runs: int, seed: int, pct_depth: int, out: str | None,
                say: Callable[[str], None]) -> int:
    started = time.monotonic()
    tried = 0
    for result in explore(spec, strategy, runs, seed, pct_depth):
        tried += 1
        if result is None:
            continue
        path = out or DEFAULT_OUT
        save(path, spec, result)
        steps = len((result.end["summary"].get("schedule") or {}).get("steps", []))
        article = "an" if result.what[0] in "aeiou" else "a"
        say(f"concviz: found {article} {result.what} in try {result.run + 1} of {runs} (seed {result.seed}, "
            f"{steps} choices): {result.detail}")
        say(f"  schedule saved to {path}; see it again with: concviz run --control replay:{path} "
            f"{_options(spec)}{spec.target}")
        return 1
    rate = tried / max(time.monotonic() - started, 1e-9)
    say(f"concviz: nothing found in {tried} {strategy} schedules ({rate:.1f} runs/s)")
    return 0


def _options(spec: RunSpec) -> str:
    params = "".join(f"--param {k}={v} " for k, v in spec.params.items())
    watch = "".join(f"--watch {w} " for w in spec.watch)
    return params + watch
