"""The REST API: scenarios, runs, traces, health.

A run record is ``{id, scenario, params, status, exit_code, created_at,
finished_at, events, summary, error}``; times are seconds since the epoch,
``status`` follows ``concviz.supervisor.Status``, ``summary`` and ``error``
come from the trace's end line (null while the run goes); ``GET /runs/{id}``
adds the run's guided tour (``tour``, ``tour_source``, ``tour_error``: see
``concviz.tours``). Errors are JSON:
``{"detail": "message"}``, or for a request with bad fields 422
``{"detail": [{"loc": ["body", "params", "gap"], "msg": "...", "type": ...}]}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from typing import Any

import msgspec
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response, StreamingResponse

from concviz import export, scenarios, tours
from concviz.export.source import parse_lines
from concviz.server.control import parse_control
from concviz.server.hub import Viewer
from concviz.server.limits import TooMany, client_of
from concviz.server.runs import RunManager
from concviz.server.store import UNFINISHED
from concviz.server.streaming import Overflowed, follow
from concviz.server.validation import BadRequest, accepts, choice, integer, parse_json, run_request
from concviz.server.ws import valid_run_id

log = logging.getLogger("concviz.server")
router = APIRouter(prefix="/api")

MAX_LIST = 1000


class JSON(Response):
    """JSON via msgspec: fast, and a NaN a program left in a summary becomes null, not a 500."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return msgspec.json.encode(content)


def _manager(request: Request) -> RunManager:
    manager: RunManager = request.app.state.manager
    return manager


def _no_run(run_id: str) -> HTTPException:
    return HTTPException(404, f"no run with id {run_id!r}")


@router.get("/health")
async def health(request: Request) -> JSON:
    manager = _manager(request)
    return JSON({"ok": True, "runs": manager.running, "viewers": manager.viewers})


@router.get("/scenarios")
def list_scenarios() -> JSON:
    out = []
    for path in sorted(scenarios.scenarios_dir().glob("*.py")):
        try:
            out.append(scenarios.find(path.stem).as_json())
        except scenarios.ScenarioError:
            continue  # not a scenario name (a helper module such as _common.py)
        except (SyntaxError, ValueError, OSError):
            log.exception("scenario file %s cannot be read; leaving it out", path.name)
    return JSON(out)


async def read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise BadRequest(400, f"invalid Content-Length {length!r}")
        if int(length) > limit:
            raise BadRequest(413, f"the request body is {int(length)} bytes; the most accepted is {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BadRequest(413, f"the request body is over {limit} bytes, the most accepted")
    return bytes(body)


@router.post("/runs", status_code=201)
async def start_run(request: Request) -> JSON:
    manager = _manager(request)
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type != "application/json":
        raise BadRequest(415, f"expected Content-Type application/json, got {content_type or 'none'!r}")
    data = parse_json(await read_body(request, manager.settings.max_body))
    scenario, values = await asyncio.to_thread(run_request, data)
    control = parse_control(data.get("control"))
    client = client_of(request.scope)
    limit = manager.settings.client_runs
    if limit and manager.runs_of(client) >= limit:
        raise TooMany(f"too many runs from {client}: {limit} going at once is the most; "
                      "wait for one to end or stop one", retry_after=5)
    run = manager.reserve(scenario, values, control)
    run.client = client
    try:
        await asyncio.wrap_future(manager.store.insert_run(run.record()))
    except Exception:
        manager.abandon(run, "the run could not be stored")
        raise
    manager.launch(run)
    log.info("run %s started: %s %s", run.id, run.scenario, run.params)
    return JSON(run.record(), status_code=201, headers={"location": f"/api/runs/{run.id}"})


@router.get("/runs")
@accepts(limit=integer(1, MAX_LIST))
async def list_runs(request: Request) -> JSON:
    manager = _manager(request)
    limit: int = request.state.query.get("limit", manager.settings.list_limit)
    stored = await asyncio.to_thread(manager.store.list_runs, limit)
    live = {run.id: run.record() for run in manager.live_runs()}
    records = [live.pop(r["id"], r) for r in stored]
    records.extend(live.values())  # reserved but not yet committed to the store
    records.sort(key=lambda r: r["created_at"], reverse=True)
    return JSON(records[:limit])


async def _record(manager: RunManager, run_id: str) -> dict[str, Any]:
    if valid_run_id(run_id):
        run = manager.live(run_id)
        if run is not None:
            return run.record()
        record = await asyncio.to_thread(manager.store.get_run, run_id)
        if record is not None:
            return record
    raise _no_run(run_id)


@router.get("/runs/{run_id}")
async def get_run(request: Request, run_id: str) -> JSON:
    """The run's record with its guided tour (``concviz.tours.tour_fields``), as the page and the embed load it."""
    manager = _manager(request)
    record = await _record(manager, run_id)
    stored = record["tour"] if "tour" in record else await asyncio.to_thread(manager.store.get_tour, run_id)
    return JSON(record | await asyncio.to_thread(tours.tour_fields, stored, record["scenario"]))


@router.post("/runs/{run_id}/stop", status_code=202)
async def stop_run(request: Request, run_id: str) -> JSON:
    manager = _manager(request)
    run = manager.live(run_id) if valid_run_id(run_id) else None
    if run is None or run.ended:
        record = await _record(manager, run_id)
        raise HTTPException(409, f"run {run_id} has already ended ({record['status']})")
    run.stop()
    log.info("run %s: stop requested", run_id)
    return JSON(run.record(), status_code=202)


@router.get("/runs/{run_id}/trace")
async def get_trace(request: Request, run_id: str) -> StreamingResponse:
    """The trace as JSON Lines, as ``concviz run -o`` writes it; a live run is followed to its end."""
    manager = _manager(request)
    record = await _record(manager, run_id)

    async def lines() -> AsyncGenerator[bytes, None]:
        viewer = Viewer(manager.settings.max_lag)
        try:
            async with contextlib.aclosing(follow(manager, run_id, viewer)) as batches:
                async for batch in batches:
                    yield b"".join(b"\n".join(lines) + b"\n" for _, lines in batch)
        except Overflowed:
            log.warning("trace download of run %s cut: the client fell too far behind", run_id)

    filename = f"{record['scenario']}-{run_id}.jsonl"
    return StreamingResponse(lines(), media_type="application/x-ndjson",
                             headers={"content-disposition": f'attachment; filename="{filename}"'})


@router.get("/runs/{run_id}/export")
@accepts(format=choice(*export.FORMATS))
async def export_run(request: Request, run_id: str) -> Response:
    """An ended run as ``concviz export`` writes it (``format`` html or chrome), as an attachment."""
    manager = _manager(request)
    fmt: str = request.state.query.get("format", "html")
    record = await _record(manager, run_id)
    if record["status"] in UNFINISHED:
        raise HTTPException(409, f"run {run_id} is still {record['status']}; export it once it has ended")
    lines: list[bytes] = []
    try:
        async with contextlib.aclosing(follow(manager, run_id, Viewer(manager.settings.max_lag))) as batches:
            async for batch in batches:
                lines.extend(line for _, item_lines in batch for line in item_lines)
    except Overflowed:
        raise HTTPException(503, f"run {run_id} is being stored; try again in a moment")
    try:
        trace = parse_lines(lines, f"run {run_id}")
        trace.tour = await asyncio.to_thread(manager.store.get_tour, run_id)  # the HTML export carries it
        body = await asyncio.to_thread(export.render, trace, fmt)
    except export.ExportError as error:  # a trace the store mangled, a viewer not built
        raise HTTPException(500, str(error))
    kind = export.FORMATS[fmt]
    return Response(body, media_type=kind.media_type, headers={
        "content-disposition": f'attachment; filename="{record["scenario"]}-{run_id}{kind.suffix}"',
        "x-content-type-options": "nosniff"})
