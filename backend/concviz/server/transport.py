"""uvicorn's HTTP and WebSocket protocols with the timeouts and refusals concviz needs.

``protocols(request_timeout, close_grace)`` gives the two classes ``serve``
hands to ``uvicorn.Config``:

* **HTTP**: uvicorn closes an idle keep-alive connection after
  ``timeout_keep_alive``, but never a connection that sends nothing, half a
  request line, half its headers or half its body. Here a request must
  arrive whole within ``request_timeout`` seconds of its first byte (or of
  the connection, for the first request): otherwise a half-sent request gets
  408 and the connection is closed; a connection that sent nothing is just
  closed. One log line each.
* **WebSocket**: a handshake refused with an HTTP response (the ASGI
  ``websocket.http.response`` extension: 400, 401, 403, 429 with a body)
  does not count as "completed" in uvicorn's sans-I/O protocol, which then
  logs "ASGI callable returned without completing handshake" for every
  refusal; the response has been sent, so mark it complete. A close sent to
  a client that has stopped reading would wait behind everything it has not
  read: queue it anyway (so that a client that wakes up reads its 4008) and
  drop the connection ``close_grace`` seconds later if it is still stalled.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

log = logging.getLogger("concviz.server")

TIMEOUT_RESPONSE = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                    b"connection: close\r\ncontent-length: %d\r\n\r\n%s")


class TimedHttp(HttpToolsProtocol):
    request_timeout = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_timer: asyncio.TimerHandle | None = None
        self._received = 0
        self._upgraded = False

    def _arm(self) -> None:
        if self._request_timer is None and not self._upgraded:
            self._request_timer = self.loop.call_later(self.request_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        idle = self.cycle is None or self.cycle.response_complete
        if idle:
            self._received = 0
            self._arm()  # bytes of a new request: it must now arrive whole in time
        self._received += len(data)
        super().data_received(data)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._upgraded = True
        self._disarm()
        super().handle_websocket_upgrade()

    def _timed_out(self) -> None:
        self._request_timer = None
        if self.transport.is_closing():
            return
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "?"
        if self._received == 0:
            log.info("closed a connection from %s that sent nothing for %g s", client, self.request_timeout)
            self.transport.close()
            return
        log.info("closed a connection from %s: its request did not arrive whole within %g s",
                 client, self.request_timeout)
        if self.cycle is None or not self.cycle.response_started:
            body = b'{"detail":"the request did not arrive whole within %g s"}' % self.request_timeout
            self.transport.write(TIMEOUT_RESPONSE % (len(body), body))
            if self.cycle is not None:  # the handler waiting for the body sees a disconnect
                self.cycle.disconnected = True
                self.cycle.message_event.set()
        self.transport.close()


class RefusingWebSocket(WebSocketsSansIOProtocol):
    close_grace = 5.0

    async def send(self, message: Any) -> None:
        kind = message["type"]
        if kind == "websocket.close" and self.handshake_complete and not self.close_sent:
            # A client that is not reading would keep the close waiting for room: put it behind
            # what the client has not read yet, and end the connection after the grace period.
            stalled = not self.writable.is_set()
            if stalled:
                self.writable.set()
            try:
                await super().send(message)
            finally:
                if stalled and not self.transport.is_closing() and self.transport.get_write_buffer_size() > 0:
                    self.writable.clear()
            if self.close_timer is not None:
                self.close_timer.cancel()
            self.close_timer = self.loop.call_later(self.close_grace, self._end)
            return
        await super().send(message)
        if kind == "websocket.http.response.body" and not message.get("more_body", False):
            self.handshake_complete = True  # the refusal has been sent in full

    def _end(self) -> None:
        """The grace period is over: close (abort, if the client has still not read everything)."""
        if self.transport.is_closing() and self.transport.get_write_buffer_size() == 0:
            return
        if self.transport.get_write_buffer_size() > 0:
            log.info("cut a WebSocket connection that read nothing for %g s after its close", self.close_grace)
            self.transport.abort()
        else:
            self.transport.close()


def protocols(request_timeout: float, close_grace: float) -> tuple[type[TimedHttp], type[RefusingWebSocket]]:
    http = type("TimedHttp", (TimedHttp,), {"request_timeout": request_timeout})
    ws = type("RefusingWebSocket", (RefusingWebSocket,), {"close_grace": close_grace})
    return http, ws
