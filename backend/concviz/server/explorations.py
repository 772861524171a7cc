"""Explorations started from the page: ``concviz explore`` on the server.

``POST /api/explorations {scenario, params, strategy, runs, seed}`` tries up
to ``runs`` schedules of a scenario, one child at a time, in a thread of its
own; ``GET /api/explorations/{id}`` tells how far it got and what it found;
``POST /api/explorations/{id}/cancel`` stops it. What it finds is stored as
an ordinary run that replays the schedule that went wrong (``found.run_id``),
so that the page opens it like any other run. Explorations live in memory:
the run they found is what outlasts a restart.

Neighbours: ``concviz.control.explore`` does the trying; ``runs`` stores and
launches the replay.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from concviz.control.explore import Finding, explore
from concviz.control.options import MAX_SEED
from concviz.server.runs import RunManager, argv_for
from concviz.server.validation import BadRequest, Invalid, parse_json, run_request
from concviz.supervisor import RunSpec, Supervisor

log = logging.getLogger("concviz.server")
router = APIRouter(prefix="/api")

MAX_RUNS = 1000
MAX_GOING = 2
KEPT = 50
FIELDS = ("scenario", "params", "strategy", "runs", "seed")


class Exploration:
    def __init__(self, manager: RunManager, scenario: Any, values: dict[str, Any], strategy: str, runs: int,
                 seed: int) -> None:
        settings = manager.settings
        self.manager = manager
        self.id = uuid.uuid4().hex[:12]
        self.scenario = scenario
        self.values = values
        self.strategy = strategy
        self.runs = runs
        self.seed = seed
        self.state = "running"
        self.tried = 0
        self.found: dict[str, Any] | None = None
        self.error: str | None = None
        self._cancelled = threading.Event()
        self._current: Supervisor | None = None
        self.spec = RunSpec(path=str(scenario.path), target=scenario.name, argv=argv_for(values), params=values,
                            watch=list(scenario.watch), lines=False, timeout=settings.run_timeout,
                            max_threads=settings.max_threads, max_events=settings.max_events,
                            max_memory=settings.max_memory)
        self.thread = threading.Thread(target=self._main, name=f"concviz-explore-{self.id}", daemon=True)

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "scenario": self.scenario.name, "params": self.values, "strategy": self.strategy,
                "seed": self.seed, "state": self.state, "tried": self.tried, "runs": self.runs,
                "found": self.found, "error": self.error}

    def cancel(self) -> None:
        self._cancelled.set()
        current = self._current
        if current is not None:
            current.stop()

    def _started(self, supervisor: Supervisor) -> None:
        self._current = supervisor
        if self._cancelled.is_set():
            supervisor.stop()

    def _main(self) -> None:
        try:
            for result in explore(self.spec, self.strategy, self.runs, self.seed, started=self._started):
                if self._cancelled.is_set():
                    self.state = "cancelled"
                    return
                self.tried += 1
                if result is not None:
                    self.found = self._keep(result)
                    self.state = "found"
                    return
            self.state = "clean"
        except Exception as error:
            log.exception("exploration %s failed", self.id)
            self.state, self.error = "failed", f"internal error: {type(error).__name__}"
        finally:
            self._current = None

    def _keep(self, finding: Finding) -> dict[str, Any]:
        """Store a run that replays what was found, and say where it is."""
        steps = (finding.end["summary"].get("schedule") or {}).get("steps", [])
        found = {"what": finding.what, "detail": finding.detail, "seed": finding.seed, "run_id": None}
        try:
            run = self.manager.reserve(self.scenario, self.values, {"strategy": "replay", "steps": steps,
                                                                    "then": "first", "seed": finding.seed})
        except Exception as error:  # the server is at its run limit: say so, keep the finding
            found["error"] = str(error)
            return found
        try:
            self.manager.store.insert_run(run.record()).result()
        except Exception:
            self.manager.abandon(run, "the run could not be stored")
            found["error"] = "the run could not be stored"
            return found
        self.manager.launch(run)
        found["run_id"] = run.id
        return found


class Explorations:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._all: dict[str, Exploration] = {}

    def add(self, exploration: Exploration) -> None:
        with self._lock:
            going = sum(1 for e in self._all.values() if e.state == "running")
            if going >= MAX_GOING:
                raise HTTPException(429, f"{going} explorations are going, the most at once; cancel one or wait")
            self._all[exploration.id] = exploration
            done = [k for k, e in self._all.items() if e.state != "running"]
            for key in done[: max(0, len(self._all) - KEPT)]:
                del self._all[key]
        exploration.thread.start()

    def get(self, exploration_id: str) -> Exploration:
        with self._lock:
            found = self._all.get(exploration_id)
        if found is None:
            raise HTTPException(404, f"no exploration with id {exploration_id[:40]!r}")
        return found

    def cancel_all(self) -> None:
        with self._lock:
            going = list(self._all.values())
        for exploration in going:
            exploration.cancel()
        for exploration in going:
            exploration.thread.join(5)


def _explorations(request: Request) -> Explorations:
    explorations: Explorations = request.app.state.explorations
    return explorations


def _parse(data: Any) -> tuple[Any, dict[str, Any], str, int, int]:
    if not isinstance(data, dict):
        raise BadRequest(400, 'expected a JSON object like {"scenario": "deadlock", "runs": 100}')
    errors = [{"loc": ["body", key], "msg": f"unknown field '{key}' (expected {', '.join(FIELDS)})",
               "type": "value_error"} for key in data if key not in FIELDS]
    strategy = data.get("strategy", "random")
    if strategy not in ("random", "pct"):
        errors.append({"loc": ["body", "strategy"], "msg": f"expected random or pct, got {strategy!r}",
                       "type": "value_error"})
    runs = data.get("runs", 100)
    if type(runs) is not int or not 1 <= runs <= MAX_RUNS:
        errors.append({"loc": ["body", "runs"], "msg": f"expected an integer between 1 and {MAX_RUNS}, got "
                                                         f"{runs!r}", "type": "value_error"})
    seed = data.get("seed", 0)
    if type(seed) is not int or not 0 <= seed <= MAX_SEED:
        errors.append({"loc": ["body", "seed"], "msg": f"expected an integer between 0 and {MAX_SEED}, got "
                                                         f"{seed!r}", "type": "value_error"})
    try:
        scenario, values = run_request({k: v for k, v in data.items() if k in ("scenario", "params")})
    except Invalid as invalid:
        errors = invalid.errors + errors
    if errors:
        raise Invalid(errors)
    return scenario, values, strategy, runs, seed


@router.post("/explorations", status_code=201)
async def start(request: Request) -> dict[str, Any]:
    manager: RunManager = request.app.state.manager
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > manager.settings.max_body:
            raise BadRequest(413, f"the request body is over {manager.settings.max_body} bytes")
    scenario, values, strategy, runs, seed = await asyncio.to_thread(_parse, parse_json(bytes(body)))
    exploration = Exploration(manager, scenario, values, strategy, runs, seed)
    _explorations(request).add(exploration)
    log.info("exploration %s started: %s %s, %d %s schedules", exploration.id, scenario.name, values, runs,
             strategy)
    return exploration.record()


@router.get("/explorations/{exploration_id}")
async def status(request: Request, exploration_id: str) -> dict[str, Any]:
    return _explorations(request).get(exploration_id).record()


@router.post("/explorations/{exploration_id}/cancel", status_code=202)
async def cancel(request: Request, exploration_id: str) -> dict[str, Any]:
    exploration = _explorations(request).get(exploration_id)
    exploration.cancel()
    return exploration.record()
