"""``/ws/runs/{id}``: a run's trace to one viewer — history first, then the live tail.

Server → client, all text frames holding JSON:

* ``{"type":"header", ...}`` — the trace's header line as is;
* ``{"type":"events","events":[...]}`` — up to ``Settings.batch_events``
  events each, as many as were pending (adaptive batching);
* ``{"type":"end", ...}`` — the end line as is; then the server closes with 1000;
* ``{"type":"error","message":...}`` — an answer to a bad client message;
  ``{"type":"pong"}`` answers ``{"type":"ping"}``.

Refused in the handshake (an HTTP answer with ``{"detail": ...}``): 429 with
``Retry-After`` when there are too many viewers (in all, of this run, or of
this client), 400 for a query string. Close codes: 1000 after the end; 4404
no such run; 4008 the viewer was too slow (a message took longer than
``Settings.send_timeout`` to go out, or it fell ``Settings.max_lag`` events
behind) — reconnect to catch up from the start. A stalled viewer is only
ever dropped: the run and the other viewers never wait for it; its close is
queued behind what it has not read, and its connection is cut
``Settings.close_grace`` seconds later if it still does not read
(``transport.RefusingWebSocket``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import msgspec
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

from concviz.server.hub import Viewer
from concviz.server.limits import ClientCounts, TooMany, client_of
from concviz.server.runs import Run, RunManager
from concviz.server.streaming import Overflowed, follow, messages
from concviz.server.validation import BadRequest, parse_query

log = logging.getLogger("concviz.server")
router = APIRouter()

CLOSE_NORMAL = 1000
CLOSE_NO_RUN = 4404
CLOSE_TOO_SLOW = 4008

UNKNOWN_MESSAGE = 'unknown message; a viewer may only send {"type": "ping"}'

_encode = msgspec.json.Encoder().encode


class SendTimeout(Exception):
    pass


def valid_run_id(run_id: str) -> bool:
    return 0 < len(run_id) <= 32 and run_id.isascii() and run_id.isalnum()


async def _send(ws: WebSocket, data: bytes, timeout: float, viewer: Viewer | None = None) -> None:
    if viewer is not None and viewer.overflowed:
        raise Overflowed
    try:
        async with asyncio.timeout(timeout) as deadline:
            if viewer is not None:
                viewer.send_deadline = deadline
            await ws.send_text(data.decode("utf-8", "replace"))
    except TimeoutError:
        if viewer is not None and viewer.overflowed:
            raise Overflowed
        raise SendTimeout
    finally:
        if viewer is not None:
            viewer.send_deadline = None


async def _close(ws: WebSocket, code: int, reason: str) -> None:
    # The close frame waits behind everything queued for a stalled client:
    # give up after a moment; the server then drops the connection.
    with contextlib.suppress(TimeoutError, WebSocketDisconnect, RuntimeError, OSError):
        async with asyncio.timeout(1.0):
            await ws.close(code, reason[:120])


async def _read_client(ws: WebSocket, viewer: Viewer, timeout: float) -> None:
    """Answer the client's messages; tell the viewer when the client is gone."""
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                text = (message.get("bytes") or b"").decode("utf-8", "replace")
            try:
                data = json.loads(text)
            except (ValueError, RecursionError) as error:
                reply = {"type": "error", "message": f"invalid JSON: {error}"}
            else:
                if isinstance(data, dict) and data.get("type") == "ping":
                    reply = {"type": "pong"}
                else:
                    reply = {"type": "error", "message": UNKNOWN_MESSAGE}
            await _send(ws, _encode(reply), timeout)
    except (WebSocketDisconnect, SendTimeout, RuntimeError, OSError):
        return
    finally:
        viewer.close()


async def _refuse(websocket: WebSocket, status: int, detail: str, retry_after: int | None = None) -> None:
    """Refuse the handshake with an HTTP response (the client sees the status and the message)."""
    headers = {"retry-after": str(retry_after)} if retry_after is not None else None
    log.info("refused a viewer of %s: %s", websocket.url.path, detail)
    await websocket.send_denial_response(JSONResponse({"detail": detail}, status, headers=headers))


@router.websocket("/ws/runs/{run_id}")
async def watch_run(websocket: WebSocket, run_id: str) -> None:
    manager: RunManager = websocket.app.state.manager
    settings = manager.settings
    try:
        parse_query(websocket.scope.get("query_string", b""), {})
    except BadRequest as error:
        await _refuse(websocket, 400, error.detail)
        return
    live = manager.live(run_id) if valid_run_id(run_id) else None
    # Limits are checked and taken with no await in between: two handshakes cannot both take the last place.
    if manager.viewers >= settings.max_viewers:
        await _refuse(websocket, 429, f"too many viewers ({settings.max_viewers}); try again later", 5)
        return
    if live is not None and live.viewers >= settings.max_viewers_per_run:
        await _refuse(websocket, 429, f"too many viewers of this run ({settings.max_viewers_per_run}); "
                                      "try again later", 5)
        return
    client = client_of(websocket.scope)
    per_client: ClientCounts = websocket.app.state.client_viewers
    try:
        per_client.take(client)
    except TooMany as error:
        await _refuse(websocket, 429, error.detail, error.retry_after)
        return
    manager.viewers += 1
    if live is not None:
        live.viewers += 1
    try:
        await _watch(websocket, manager, run_id, live)
    finally:
        manager.viewers -= 1
        if live is not None:
            live.viewers -= 1
        per_client.give_back(client)


async def _watch(websocket: WebSocket, manager: RunManager, run_id: str, live: Run | None) -> None:
    settings = manager.settings
    await websocket.accept()
    exists = live is not None or (valid_run_id(run_id)
                                  and await asyncio.to_thread(manager.store.get_run, run_id) is not None)
    if not exists:
        await _close(websocket, CLOSE_NO_RUN, f"no run with id {run_id!r}")
        return
    viewer = Viewer(settings.max_lag)
    reader = asyncio.create_task(_read_client(websocket, viewer, settings.send_timeout))
    try:
        async with contextlib.aclosing(follow(manager, run_id, viewer)) as batches:
            async for batch in batches:
                for data in messages(batch, settings.batch_events, settings.batch_bytes):
                    await _send(websocket, data, settings.send_timeout, viewer)
        if not viewer.closed:
            await _close(websocket, CLOSE_NORMAL, "end of the run")
    except Overflowed:
        log.warning("viewer of run %s dropped: more than %d events behind", run_id, settings.max_lag)
        await _close(websocket, CLOSE_TOO_SLOW,
                     f"too slow: more than {settings.max_lag} events behind; reconnect to catch up")
    except SendTimeout:
        log.warning("viewer of run %s dropped: a message took over %g s", run_id, settings.send_timeout)
        await _close(websocket, CLOSE_TOO_SLOW,
                     f"too slow: a message took over {settings.send_timeout:g} s; reconnect to catch up")
    except (WebSocketDisconnect, OSError):
        pass
    finally:
        reader.cancel()
        await asyncio.wait([reader])
