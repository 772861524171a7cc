"""HTTP for experiments: sweeps, deleting runs, comparing two runs (``concviz.experiments``).

* ``POST /api/sweeps`` ``{"scenario": "race", "params": {"gap": [0, 0.001] | "1e-4..1e-2:log5"},
  "repeat": 3}`` → 201 the sweep (as ``GET``). Every value is checked against
  its parameter's bounds and the number of runs against ``Settings.sweep_max_runs``
  before anything starts; errors are 422 ``{"detail": [{"loc": ["body", "params", "gap"], "msg": ...}]}``.
* ``GET /api/sweeps`` → the sweeps, newest first: ``{id, scenario, params, repeat, result, metric, state,
  done, total, eta_s, created_at, finished_at, error}`` (``metric``: ``result`` when the scenario declares
  one, else ``lost_updates``).
* ``GET /api/sweeps/{id}`` → the same with ``runs`` (``{run_id, params, status, exit_code, watched,
  outcome, trace}`` in planned order) and ``table`` (per value: statuses and, per metric, median, p10,
  p90 and a histogram whose bars name their runs).
* ``POST /api/sweeps/{id}/cancel`` → 202; ``DELETE /api/sweeps/{id}`` → 204 (its runs too).
* ``DELETE /api/runs/{id}`` → 204; 409 while the run goes.
* ``GET /api/compare?a=RUN&b=RUN`` → both runs' records and outcomes, and what differs
  (``concviz.experiments.compare``).

State changes go through ``security.LocalOnly`` like every route (it wraps the whole app).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import Response

from concviz import scenarios
from concviz.experiments import compare as compare_mod
from concviz.experiments import outcomes, retention, storage
from concviz.experiments.service import SweepService
from concviz.experiments.sweep import SweepErrors, plan
from concviz.server.api import JSON, read_body
from concviz.server.runs import RunManager
from concviz.server.store import UNFINISHED
from concviz.server.validation import BadRequest, Invalid, accepts, identifier, parse_json
from concviz.server.ws import valid_run_id

log = logging.getLogger("concviz.server")
router = APIRouter(prefix="/api")

SWEEP_FIELDS = ("scenario", "params", "repeat")
_SWEEP_ID = re.compile(r"^[0-9a-f]{1,32}$")
_make_lock = threading.Lock()


def service_of(app: FastAPI) -> SweepService:
    """The app's sweeps, made on first use (this cancels sweeps a previous server left going)."""
    with _make_lock:
        service: SweepService | None = getattr(app.state, "sweeps", None)
        if service is None:
            manager: RunManager = app.state.manager
            s = manager.settings
            service = SweepService(
                manager.store, jobs=s.sweep_jobs or None, scheduler=s.sweep_scheduler, prestart=s.sweep_prestart,
                policy=retention.Policy(max_runs=s.keep_runs, max_age_days=s.keep_days, max_bytes=s.keep_bytes),
                run_timeout=s.run_timeout, max_threads=s.max_threads,
                max_events=min(s.max_events, s.sweep_run_events), max_memory=s.max_memory)
            app.state.sweeps = service
        return service


def shutdown(app: FastAPI) -> None:
    """Stop the live sweeps, if any was ever made (``app.close``)."""
    service: SweepService | None = getattr(app.state, "sweeps", None)
    if service is not None:
        service.shutdown()


async def _service(request: Request) -> SweepService:
    from concviz.experiments.cluster import SchedulerError

    try:
        return await asyncio.to_thread(service_of, request.app)
    except SchedulerError as error:
        raise HTTPException(503, str(error))


def _error(loc: list[str | int], msg: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": "value_error"}


def _sweep_plan(data: Any, max_runs: int) -> Any:
    if not isinstance(data, dict):
        raise Invalid([_error(["body"], 'expected a JSON object like {"scenario": "race", "params": '
                                        '{"gap": [0, 0.001]}, "repeat": 3}')])
    errors = [_error(["body", key], f"unknown field '{key}' (expected scenario, params and repeat)")
              for key in data if key not in SWEEP_FIELDS]
    name = data.get("scenario")
    scenario = None
    if not isinstance(name, str):
        errors.append(_error(["body", "scenario"], "expected the name of a scenario (a string)"))
    else:
        try:
            scenario = scenarios.find(name)
        except scenarios.ScenarioError as error:
            errors.append(_error(["body", "scenario"], str(error)))
    given = data.get("params", {})
    if not isinstance(given, dict):
        errors.append(_error(["body", "params"], "expected an object: parameter name → list of values or range"))
    if errors or scenario is None:
        raise Invalid(errors)
    for key, value in given.items():
        if not isinstance(value, list | str):
            errors.append(_error(["body", "params", key], f"expected a list of values or a range like "
                                                          f"'1e-4..1e-2:log5' for '{key}'"))
    if errors:
        raise Invalid(errors)
    try:
        return plan(scenario, given, data.get("repeat", 1), max_runs)
    except SweepErrors as error:
        loc: dict[str, list[str | int]] = {"repeat": ["body", "repeat"], "runs": ["body", "params"],
                                           "scenario": ["body", "scenario"]}
        raise Invalid([_error(loc.get(e.name, ["body", "params", e.name]), str(e)) for e in error.errors])


def _no_sweep(sweep_id: str) -> HTTPException:
    return HTTPException(404, f"no sweep with id {sweep_id[:40]!r}")


@router.post("/sweeps", status_code=201)
async def start_sweep(request: Request) -> JSON:
    manager: RunManager = request.app.state.manager
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type != "application/json":
        raise BadRequest(415, f"expected Content-Type application/json, got {content_type or 'none'!r}")
    data = parse_json(await read_body(request, manager.settings.max_body))
    sweep_plan = await asyncio.to_thread(_sweep_plan, data, manager.settings.sweep_max_runs)
    service = await _service(request)
    sweep = await asyncio.to_thread(service.start, sweep_plan)
    body = await asyncio.to_thread(service.get, sweep["id"])
    return JSON(body, status_code=201, headers={"location": f"/api/sweeps/{sweep['id']}"})


@router.get("/sweeps")
async def list_sweeps(request: Request) -> JSON:
    service = await _service(request)
    return JSON(await asyncio.to_thread(service.list))


@router.get("/sweeps/{sweep_id}")
async def get_sweep(request: Request, sweep_id: str) -> JSON:
    service = await _service(request)
    sweep = await asyncio.to_thread(service.get, sweep_id) if _SWEEP_ID.match(sweep_id) else None
    if sweep is None:
        raise _no_sweep(sweep_id)
    return JSON(sweep)


@router.post("/sweeps/{sweep_id}/cancel", status_code=202)
async def cancel_sweep(request: Request, sweep_id: str) -> JSON:
    service = await _service(request)
    if not _SWEEP_ID.match(sweep_id):
        raise _no_sweep(sweep_id)
    if not await asyncio.to_thread(service.cancel, sweep_id):
        sweep = await asyncio.to_thread(service.get, sweep_id)
        if sweep is None:
            raise _no_sweep(sweep_id)
        raise HTTPException(409, f"sweep {sweep_id} has already ended ({sweep['state']})")
    log.info("sweep %s: cancel requested", sweep_id)
    return JSON(await asyncio.to_thread(service.get, sweep_id), status_code=202)


@router.delete("/sweeps/{sweep_id}", status_code=204)
async def delete_sweep(request: Request, sweep_id: str) -> Response:
    service = await _service(request)
    if not _SWEEP_ID.match(sweep_id) or not await asyncio.to_thread(service.delete, sweep_id):
        raise _no_sweep(sweep_id)
    log.info("sweep %s deleted", sweep_id)
    return Response(status_code=204)


@router.delete("/runs/{run_id}", status_code=204)
async def delete_run(request: Request, run_id: str) -> Response:
    manager: RunManager = request.app.state.manager
    if not valid_run_id(run_id):
        raise HTTPException(404, f"no run with id {run_id[:40]!r}")
    service = await _service(request)
    live = manager.live(run_id)
    if (live is not None and not live.ended) or service.is_live_run(run_id):
        raise HTTPException(409, f"run {run_id} is still going; stop it first")
    record = await asyncio.to_thread(manager.store.get_run, run_id)
    if record is None:
        raise HTTPException(404, f"no run with id {run_id!r}")
    if record["status"] in UNFINISHED:
        raise HTTPException(409, f"run {run_id} is still {record['status']}; stop it first")
    await asyncio.wrap_future(storage.delete_run(manager.store, run_id))
    try:
        os.unlink(manager.log_dir / f"{run_id}.log")
    except OSError:
        pass
    log.info("run %s deleted", run_id)
    return Response(status_code=204)


def _side(manager: RunManager, run_id: str) -> dict[str, Any]:
    record = manager.store.get_run(run_id) if valid_run_id(run_id) else None
    if record is None:
        raise HTTPException(404, f"no run with id {run_id[:40]!r}")
    if record["status"] in UNFINISHED:
        raise HTTPException(409, f"run {run_id} is still {record['status']}; compare it once it has ended")
    _, end_line = manager.store.trace_ends(run_id)
    end = compare_mod.end_of(end_line, record)
    try:
        result = outcomes.declared_result(scenarios.find(record["scenario"]).path)
    except (scenarios.ScenarioError, ValueError, SyntaxError, OSError):
        result = None  # a script, or a scenario since removed
    return {"record": record, "outcome": outcomes.outcome(end, result)}


@router.get("/compare")
@accepts(a=identifier, b=identifier)
async def compare_runs(request: Request) -> JSON:
    manager: RunManager = request.app.state.manager
    a, b = request.state.query.get("a"), request.state.query.get("b")
    if not a or not b:
        raise BadRequest(400, "expected two runs to compare: /api/compare?a=RUN&b=RUN")
    sides = await asyncio.to_thread(lambda: (_side(manager, a), _side(manager, b)))
    return JSON(compare_mod.compare(*sides))
