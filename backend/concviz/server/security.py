"""Local-only access, as Jupyter does it: check Host everywhere, Origin where it matters.

concviz runs programs on this machine, so the server answers only requests
meant for it:

* **Host** (HTTP and the WebSocket handshake) must be exactly one header
  naming ``localhost``, ``127.0.0.1`` or ``[::1]`` (any port), or a name
  given in ``Settings.extra_hosts`` (``serve`` adds the specific address it
  listens on). This defeats DNS rebinding: a foreign site whose name
  resolves to 127.0.0.1 still sends its own name as Host → 400.
* **Origin on WebSockets**: CORS does not apply to WebSockets, so a page on
  any site could open one. A browser always sends Origin on a WebSocket
  handshake; it must be the page's own, ``http://<the same host:port>`` (the
  request's Host). ``Origin: null`` (sandboxed frames, file: pages) and any
  foreign origin → 403. A handshake *without* Origin is allowed: browsers
  never omit it, so it comes from a non-browser client (the Python
  ``websockets`` library, curl), which could equally use the REST API or
  run programs itself; the Host check still applies to it.
* **Origin on state-changing HTTP requests** (POST, PUT, PATCH, DELETE), a
  CSRF guard: when Origin is present it must be the page's own, and when
  ``Sec-Fetch-Site`` is present it must be ``same-origin`` or ``none``; a
  request with neither header (curl, scripts) is allowed. ``POST /api/runs``
  also requires ``Content-Type: application/json``, which a cross-site HTML
  form cannot send.

Runs only ever start scenarios by name (``concviz.scenarios.find``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec

log = logging.getLogger("concviz.server")

Scope = dict[str, Any]
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SAME_SITE_FETCHES = frozenset({b"same-origin", b"none"})
_HOST = re.compile(r"^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::([0-9]{1,5}))?$")
_ORIGIN = re.compile(r"^(https?)://(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::([0-9]{1,5}))?$")
_DEFAULT_PORT = {"http": "80", "https": "443"}


def split_host(value: str) -> tuple[str, str | None] | None:
    """``(name, port)`` of a Host header value, lower-cased; None if malformed."""
    m = _HOST.match(value.strip().lower())
    return (m.group(1), m.group(2)) if m else None


def same_origin(origin: str, host: str, scheme: str) -> bool:
    """Whether ``origin`` is ``scheme://host`` (default ports made explicit)."""
    m = _ORIGIN.match(origin.strip().lower())
    parsed = split_host(host)
    if m is None or parsed is None:
        return False
    o_scheme, o_name, o_port = m.groups()
    name, port = parsed
    return (o_scheme == scheme and o_name == name
            and (o_port or _DEFAULT_PORT[o_scheme]) == (port or _DEFAULT_PORT[scheme]))


class LocalOnly:
    """ASGI middleware enforcing the rules above before anything else runs."""

    def __init__(self, app: Any, extra_hosts: tuple[str, ...] = ()) -> None:
        self.app = app
        self.hosts = LOCAL_NAMES | {h.lower() for h in extra_hosts}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, detail = refusal
        client = (scope.get("client") or ("?",))[0]
        log.warning("refused %s %s from %s: %s", kind, scope.get("path"), client, detail)
        await respond(scope, receive, send, status, detail)

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        hosts = [v for k, v in headers if k == b"host"]
        if len(hosts) != 1:
            return 400, f"expected one Host header, got {len(hosts)}"
        host = hosts[0].decode("latin-1")
        parsed = split_host(host)
        if parsed is None or parsed[0] not in self.hosts:
            return 400, (f"Host {host!r} is not allowed: concviz answers only to localhost, 127.0.0.1 "
                         "and [::1] (protection against DNS rebinding)")
        origins = [v.decode("latin-1") for k, v in headers if k == b"origin"]
        if len(origins) > 1:
            return 403, "expected at most one Origin header"
        secure = scope.get("scheme") in ("https", "wss")
        scheme = "https" if secure else "http"
        if scope["type"] == "websocket":
            if origins and not same_origin(origins[0], host, scheme):
                return 403, (f"Origin {origins[0]!r} is not allowed: WebSockets are accepted only from "
                             f"pages served by this server ({scheme}://{host})")
            return None
        if scope["method"] in SAFE_METHODS:
            return None
        if origins and not same_origin(origins[0], host, scheme):
            return 403, f"cross-origin request refused (Origin {origins[0]!r}, expected {scheme}://{host})"
        fetch_site = [v for k, v in headers if k == b"sec-fetch-site"]
        if fetch_site and fetch_site[0].lower() not in SAME_SITE_FETCHES:
            return 403, f"cross-site request refused (Sec-Fetch-Site: {fetch_site[0].decode('latin-1')})"
        return None


async def respond(scope: Scope, receive: Any, send: Any, status: int, detail: str,
                  headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Refuse an HTTP request, or a WebSocket handshake with an HTTP response (403 close without
    the ASGI denial-response extension)."""
    prefix = "http.response"
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        if "websocket.http.response" not in scope.get("extensions", {}):
            await send({"type": "websocket.close", "code": 1008, "reason": detail[:120]})
            return
        prefix = "websocket.http.response"
    body = msgspec.json.encode({"detail": detail})
    await send({"type": f"{prefix}.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]})
    await send({"type": f"{prefix}.body", "body": body})
