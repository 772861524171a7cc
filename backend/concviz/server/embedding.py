"""Who may show concviz inside a frame: the embed routes for the lecturer's origins, nothing else.

A lecturer puts a run in a slide deck with an iframe of ``/embed/runs/{id}``
or ``/embed/?scenario=NAME``. Framing is what clickjacking needs, so it is
opt-in and narrow:

* ``/embed`` and ``/embed/...`` answer ``Content-Security-Policy:
  frame-ancestors 'self' ORIGIN...`` with the origins given to ``concviz
  serve --embed-origin`` (none by default: ``'self'`` only, so no other
  site's page can show them).
* Every other response says ``frame-ancestors 'self'`` and ``X-Frame-Options:
  SAMEORIGIN`` (for browsers that predate CSP): the full app, the API and the
  static files never render inside a foreign page.

Framing is the only thing an embed origin gets. The embedded page is served
by concviz, so its own requests (starting a run, its WebSocket) carry
concviz's origin and pass ``security.LocalOnly`` as the app's would; the
slide deck's page itself is a foreign origin there, and its POSTs are refused
like any other site's. The embedded page starts a run on load only when it
is really inside a frame (``App.embedScenario`` in ``ui/app.ts``), which the browser allows only for
these origins, so a link from anywhere else cannot start runs.
"""

from __future__ import annotations

import re
from typing import Any

_ORIGIN = re.compile(r"^(https?)://(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)"
                     r"(?::([0-9]{1,5}))?/?$")
_DEFAULT_PORT = {"http": 80, "https": 443}

Scope = dict[str, Any]


def normalise_origin(text: str) -> str:
    """``scheme://host[:port]`` in lower case, without a default port or a trailing slash.

    Anything else (a path, a wildcard, a quote, a space, another scheme) is
    refused: the value goes into a security header as it is.
    """
    value = text.strip().lower()
    m = _ORIGIN.match(value)
    if m is None:
        raise ValueError(f"expected an origin like https://slides.example.edu or http://localhost:8080 "
                         f"(scheme, host and optional port; no path, no wildcard), got {text!r}")
    scheme, host, port = m.group(1), m.group(2), m.group(6)
    if port is not None:
        number = int(port)
        if not 0 < number < 65536:
            raise ValueError(f"expected a port between 1 and 65535 in {text!r}, got {port}")
        if number == _DEFAULT_PORT[scheme]:
            port = None
    return f"{scheme}://{host}" + (f":{int(port)}" if port is not None else "")


def is_embed_path(path: str) -> bool:
    return path == "/embed" or path.startswith("/embed/")


class FramePolicy:
    """ASGI middleware adding the framing headers above to every HTTP response."""

    def __init__(self, app: Any, embed_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        origins = " ".join(normalise_origin(o) for o in embed_origins)
        self.embed_policy = f"frame-ancestors 'self' {origins}".strip().encode()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        embed = is_embed_path(scope.get("path", ""))

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if embed:
                    headers.append((b"content-security-policy", self.embed_policy))
                else:
                    headers.append((b"content-security-policy", b"frame-ancestors 'self'"))
                    headers.append((b"x-frame-options", b"SAMEORIGIN"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
