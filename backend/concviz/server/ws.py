"""``/ws/runs/{id}``: a run's trace to one viewer — history first, then the live tail.

Server → client, all text frames holding JSON:

* ``{"type":"header", ...}`` — the trace's header line as is;
* ``{"type":"events","events":[...]}`` — up to ``Settings.batch_events``
  events each, as many as were pending (adaptive batching);
* ``{"type":"end", ...}`` — the end line as is; then the server closes with 1000;
* ``{"type":"error","message":...}`` — an answer to a bad client message;
  ``{"type":"pong"}`` answers ``{"type":"ping"}``.

Close codes: 1000 after the end; 4404 no such run; 1013 too many viewers;
4008 the viewer was too slow (a message took longer than
``Settings.send_timeout`` to go out, or it fell ``Settings.max_lag`` events
behind) — reconnect to catch up from the start. A stalled viewer is only
ever dropped: the run and the other viewers never wait for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import msgspec
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from concviz.server.hub import Viewer
from concviz.server.runs import RunManager
from concviz.server.streaming import Overflowed, follow, messages

log = logging.getLogger("concviz.server")
router = APIRouter()

CLOSE_NORMAL = 1000
CLOSE_TRY_LATER = 1013
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


@router.websocket("/ws/runs/{run_id}")
async def watch_run(websocket: WebSocket, run_id: str) -> None:
    manager: RunManager = websocket.app.state.manager
    settings = manager.settings
    await websocket.accept()
    live = manager.live(run_id) if valid_run_id(run_id) else None
    exists = live is not None or (valid_run_id(run_id)
                                  and await asyncio.to_thread(manager.store.get_run, run_id) is not None)
    if not exists:
        await _close(websocket, CLOSE_NO_RUN, f"no run with id {run_id!r}")
        return
    if manager.viewers >= settings.max_viewers:
        reason = f"too many viewers ({settings.max_viewers}); try again later"
        await _close(websocket, CLOSE_TRY_LATER, reason)
        return
    if live is not None and live.hub.viewer_count >= settings.max_viewers_per_run:
        await _close(websocket, CLOSE_TRY_LATER,
                     f"too many viewers of this run ({settings.max_viewers_per_run}); try again later")
        return
    manager.viewers += 1
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
        manager.viewers -= 1
        reader.cancel()
        await asyncio.wait([reader])
