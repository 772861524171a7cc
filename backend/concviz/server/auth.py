"""Token authentication for a server reachable from other machines, as Jupyter does it.

``concviz serve --host 0.0.0.0`` (any non-loopback address) requires a token
(``--token``, ``$CONCVIZ_TOKEN``, or one generated and printed once as a
URL). Every HTTP request and WebSocket handshake must carry it:

* a browser opens the printed URL once: ``?token=…`` is exchanged for an
  HttpOnly, SameSite=Strict cookie and a redirect to the same address
  without the token (so that it stays out of the history and of Referer);
* other clients send ``Authorization: Bearer …`` (or ``?token=…``).

No token → 401, a wrong one → 403. Tokens are compared in constant time
(``hmac.compare_digest``). The cookie holds an HMAC of the token, not the
token. ``?token=`` is removed from the request before anything else sees
it — the uvicorn access log prints the very scope it passed in, so the
token never reaches a log. Runs after ``security.LocalOnly`` (Host, Origin).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode

from concviz.server.security import Scope, respond

log = logging.getLogger("concviz.server")

COOKIE = "concviz-token"
QUERY = "token"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def cookie_value(token: str) -> str:
    return hmac.new(token.encode(), b"concviz session cookie", hashlib.sha256).hexdigest()


def _take_token(scope: Scope) -> str | None:
    """``?token=`` of the request (the last one), removed from the scope's query string in place."""
    raw: bytes = scope.get("query_string", b"")
    if b"token" not in raw:
        return None
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    found = [v for k, v in pairs if k == QUERY]
    if not found:
        return None
    scope["query_string"] = urlencode([(k, v) for k, v in pairs if k != QUERY]).encode("latin-1")
    return found[-1]


def _cookies(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                out.setdefault(key, val)
    return out


class TokenAuth:
    """ASGI middleware: the rules above. ``token=None`` lets everything through."""

    def __init__(self, app: Any, token: str | None = None) -> None:
        self.app = app
        self.token = token.encode() if token else None
        self.cookie = cookie_value(token).encode() if token else None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if self.token is None or kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = _take_token(scope)
        if given is not None:
            if not hmac.compare_digest(given.encode(), self.token):
                await self._refuse(scope, receive, send, 403, "wrong token")
                return
            if kind == "http" and scope["method"] in ("GET", "HEAD"):
                await self._exchange(scope, send)
                return
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        bearer = [v for k, v in headers if k == b"authorization"]
        if bearer:
            scheme, _, value = bearer[0].partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(value.strip(), self.token):
                await self._refuse(scope, receive, send, 403, "wrong token in the Authorization header")
                return
            await self.app(scope, receive, send)
            return
        cookie = _cookies(headers).get(COOKIE)
        if cookie is not None and hmac.compare_digest(cookie.encode("latin-1"), self.cookie or b""):
            await self.app(scope, receive, send)
            return
        await self._refuse(scope, receive, send, 401, (
            "this server needs its token: open the address `concviz serve` printed (it ends in ?token=...) "
            "or send the header 'Authorization: Bearer TOKEN'"))

    async def _exchange(self, scope: Scope, send: Any) -> None:
        """The token, presented once: a cookie, and the same address without the token."""
        query = scope.get("query_string", b"")
        location = scope.get("root_path", "") + scope["path"] + ("?" + query.decode("latin-1") if query else "")
        assert self.cookie is not None
        cookie = f"{COOKIE}={self.cookie.decode()}; Path=/; HttpOnly; SameSite=Strict"
        await send({"type": "http.response.start", "status": 303, "headers": [
            (b"location", location.encode("latin-1")), (b"set-cookie", cookie.encode()),
            (b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer"),
            (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    async def _refuse(self, scope: Scope, receive: Any, send: Any, status: int, detail: str) -> None:
        client = (scope.get("client") or ("?",))[0]
        log.warning("refused %s %s from %s: %s", scope["type"], scope.get("path"), client, detail)
        extra = [(b"www-authenticate", b'Bearer realm="concviz"')] if status == 401 else []
        await respond(scope, receive, send, status, detail, extra)
