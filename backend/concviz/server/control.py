"""Controlled mode over HTTP: the ``control`` field of ``POST /api/runs`` and
``POST /api/runs/{id}/step``, a person's choice in step mode.

``control`` is ``{"strategy": "random"|"pct"|"step"|"replay", "seed": N,
"pct_depth": D, "schedule": ENCODED | "steps": [...], "then": "step"|"first"}``:
``replay`` follows a schedule (the encoded form of a share link, see
``concviz.control.schedule.encode``, or the list itself) and then goes on with
``then`` — "undo" in the page is a replay of all choices but the last, then
``step``. A step is ``{"thread": INDEX}`` (one of the threads of the pending
``control.pause`` that can move) or ``{"finish": "random"}``.

Neighbours: ``concviz.control`` runs in the child; ``runs`` holds the
supervisor whose pipe carries the choice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from concviz.analysis import fold_control
from concviz.control import schedule as schedule_file
from concviz.control.options import MAX_SEED
from concviz.server.validation import BadRequest, Invalid, parse_json
from concviz.server.ws import valid_run_id

log = logging.getLogger("concviz.server")
router = APIRouter(prefix="/api")

STRATEGIES = ("random", "pct", "step", "replay")
FIELDS = ("strategy", "seed", "pct_depth", "schedule", "steps", "then")
MAX_STEP_BODY = 1024


def _error(field: str, msg: str) -> dict[str, Any]:
    return {"loc": ["body", "control", field], "msg": msg, "type": "value_error"}


def _integer(value: Any, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def parse_control(value: Any) -> dict[str, Any] | None:
    """The child's control settings for a run request's ``control`` field
    (None: the threads run free); ``Invalid`` with every problem."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Invalid([{"loc": ["body", "control"], "type": "value_error",
                        "msg": 'expected an object like {"strategy": "random", "seed": 1}'}])
    errors = [_error(key, f"unknown field '{key}' (expected {', '.join(FIELDS)})") for key in value
              if key not in FIELDS]
    strategy = value.get("strategy")
    if strategy not in STRATEGIES:
        errors.append(_error("strategy", f"expected one of {', '.join(STRATEGIES)}, got {strategy!r}"))
    seed = value.get("seed", 0)
    if not _integer(seed, 0, MAX_SEED):
        errors.append(_error("seed", f"expected an integer between 0 and {MAX_SEED}, got {seed!r}"))
    depth = value.get("pct_depth", 3)
    if not _integer(depth, 1, 100):
        errors.append(_error("pct_depth", f"expected an integer between 1 and 100, got {depth!r}"))
    then = value.get("then", "first")
    if then not in ("step", "first", "random"):
        errors.append(_error("then", f"expected step, first or random, got {then!r}"))
    steps: list[int] = []
    if strategy == "replay":
        try:
            if "schedule" in value and isinstance(value["schedule"], str):
                steps = schedule_file.decode(value["schedule"])
            elif "steps" in value:
                steps = schedule_file.check_steps(value["steps"])
            else:
                errors.append(_error("schedule", "a replay needs the schedule (encoded) or its steps"))
        except schedule_file.ScheduleError as error:
            errors.append(_error("schedule", str(error)))
    if errors:
        raise Invalid(errors)
    control: dict[str, Any] = {"strategy": strategy, "seed": seed, "pct_depth": depth}
    if strategy == "replay":
        control.update(steps=steps, then=then)
    return control


async def _run(request: Request, run_id: str) -> Any:
    manager = request.app.state.manager
    run = manager.live(run_id) if valid_run_id(run_id) else None
    if run is not None:
        return run
    if valid_run_id(run_id) and await asyncio.to_thread(manager.store.get_run, run_id) is not None:
        raise HTTPException(409, f"run {run_id} has ended")
    raise HTTPException(404, f"no run with id {run_id!r}")


@router.post("/runs/{run_id}/step")
async def step(request: Request, run_id: str) -> dict[str, Any]:
    """Let one thread of a run in step mode take its step (or finish the run at random)."""
    run = await _run(request, run_id)
    data = parse_json(await _read(request))
    if not isinstance(data, dict) or not (set(data) <= {"thread", "finish", "seed"}) or not data:
        raise BadRequest(400, 'expected {"thread": INDEX} or {"finish": "random"}')
    control = run.spec.control or {}
    if "step" not in (control.get("strategy"), control.get("then")):
        raise HTTPException(409, f"run {run_id} is not in step mode")
    if run.ended:
        raise HTTPException(409, f"run {run_id} has ended ({run.status})")
    fold = run.supervisor.fold
    pause = fold.control.pause
    if pause is None:
        raise HTTPException(409, "the program is running; wait for it to pause at its next choice")
    if "finish" in data:
        if data["finish"] != "random" or not _integer(data.get("seed", 0), 0, MAX_SEED):
            raise BadRequest(400, 'expected {"finish": "random"} (with an optional integer "seed")')
        message: dict[str, Any] = {"finish": "random", "seed": data.get("seed", 0)}
    else:
        index = data.get("thread")
        threads = {t["index"]: t for t in pause["threads"]}
        if type(index) is not int or index not in threads:
            raise HTTPException(404, f"no thread {index!r} in this run (threads: "
                                     f"{', '.join(map(str, sorted(threads)))})")
        if not threads[index]["can_move"]:
            raise HTTPException(409, f"thread {index} cannot move: it {threads[index]['reason']}")
        message = {"thread": index}
    fold_control.answered(fold)
    try:
        await asyncio.to_thread(run.supervisor.steer, message)
    except OSError:
        raise HTTPException(409, f"run {run_id} has ended")
    return {"decision": pause["decision"], **message}


async def _read(request: Request) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_STEP_BODY:
            raise BadRequest(413, f"the request body is over {MAX_STEP_BODY} bytes")
    return bytes(body)
