"""The lecture kit's API: a run's guided tour, and what the page needs to offer embed code.

* ``PUT /api/runs/{id}/tour`` stores the tour the lecturer built in the page
  (body: a tour, checked by ``concviz.tours.parse_tour``; or ``null`` to drop
  it, so that the scenario's own tour shows again). It changes state, so
  ``security.LocalOnly`` holds it to the same Origin rules as starting a run:
  the page itself may, an embedding slide deck may not.
* ``GET /api/embed`` lists the origins allowed to frame ``/embed/...``, for the
  "Copy embed code" dialog to say whether the snippet will work.

Reading a run's tour is part of ``GET /api/runs/{id}`` (``api.get_run``).
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from concviz import tours
from concviz.server.api import JSON, _manager, _record, read_body
from concviz.server.validation import BadRequest, Invalid, parse_json

router = APIRouter(prefix="/api")


@router.put("/runs/{run_id}/tour")
async def put_tour(request: Request, run_id: str) -> JSON:
    manager = _manager(request)
    record = await _record(manager, run_id)
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type != "application/json":
        raise BadRequest(415, f"expected Content-Type application/json, got {content_type or 'none'!r}")
    data = parse_json(await read_body(request, manager.settings.max_body))
    tour = None
    if data is not None:
        try:
            tour = tours.parse_tour(data)
        except tours.TourError as error:
            loc = ["body", *error.where.replace("[", ".").replace("]", "").split(".")[1:]]
            raise Invalid([{"loc": loc, "msg": str(error), "type": "value_error"}]) from None
    await asyncio.wrap_future(manager.store.set_tour(run_id, tour))
    fields = await asyncio.to_thread(tours.tour_fields, tour, record["scenario"])
    return JSON({"id": run_id, **fields})


@router.get("/embed")
async def embed_info(request: Request) -> JSON:
    origins: tuple[str, ...] = request.app.state.embed_origins
    return JSON({"origins": list(origins)})
