"""Per-client limits on an exposed server: requests per second, live runs, WebSocket viewers.

A client is its IP address. ``RateLimit`` (ASGI middleware) gives each one
a token bucket of ``Settings.client_rate`` requests a second (bursts of
``client_burst``), counting HTTP requests and WebSocket handshakes alike;
``ClientCounts`` counts what a client holds (runs going, viewers
connected) for ``api`` and ``ws``. Over any limit: 429, ``Retry-After``
and a message that says which limit. Off (all zero) on a loopback server.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

from concviz.server.security import Scope, respond


def client_of(scope: Mapping[str, Any]) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "?"


class TooMany(Exception):
    """A per-client limit was hit: answered 429 with ``Retry-After: retry_after``."""

    def __init__(self, detail: str, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


class ClientCounts:
    """How many of something each client holds now (event loop only)."""

    def __init__(self, limit: int, what: str) -> None:
        self.limit = limit
        self.what = what
        self._held: Counter[str] = Counter()

    def take(self, client: str) -> None:
        if self.limit and self._held[client] >= self.limit:
            raise TooMany(f"too many {self.what} from {client}: {self.limit} at once is the most; "
                          f"end one and try again", retry_after=5)
        self._held[client] += 1

    def give_back(self, client: str) -> None:
        self._held[client] -= 1
        if self._held[client] <= 0:
            del self._held[client]


class RateLimit:
    def __init__(self, app: Any, rate: float = 0.0, burst: int = 0) -> None:
        self.app = app
        self.rate = rate
        self.burst = max(burst, 1)
        self._buckets: dict[str, tuple[float, float]] = {}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if self.rate <= 0 or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = client_of(scope)
        now = time.monotonic()
        tokens, last = self._buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            wait = max(1, math.ceil((1.0 - tokens) / self.rate))
            await respond(scope, receive, send, 429,
                          f"too many requests from {client}: at most {self.rate:g} a second; "
                          f"try again in {wait} s", [(b"retry-after", str(wait).encode())])
            return
        self._buckets[client] = (tokens - 1.0, now)
        if len(self._buckets) > 10_000:  # forget clients whose buckets have refilled
            full = [c for c, (t, s) in self._buckets.items() if t + (now - s) * self.rate >= self.burst]
            for c in full:
                del self._buckets[c]
        await self.app(scope, receive, send)
