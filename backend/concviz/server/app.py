"""The FastAPI application (``create_app``) and ``concviz serve`` (``serve``).

Routes: ``api`` (REST under ``/api``), ``lecture`` (tours, embed settings),
``ws`` (``/ws/runs/{id}``), the page (``/``, ``/runs/{id}`` and the embeds
``/embed/runs/{id}`` and ``/embed/?scenario=NAME``, all from
``templates/index.html``: the front end reads its path) and the built front
end under ``/static``. ``security.LocalOnly`` wraps everything, and
``embedding.FramePolicy`` says who may frame what. No traceback
ever reaches a client: an unexpected error is logged here and answered 500
``{"detail": "internal server error"}``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.requests import ClientDisconnect

from concviz.server import api, control, explorations, lecture, sweeps, ws
from concviz.server.api import JSON
from concviz.server.auth import TokenAuth, new_token
from concviz.server.embedding import FramePolicy, normalise_origin
from concviz.server.limits import ClientCounts, RateLimit, TooMany
from concviz.server.runs import RunManager, TooManyRuns
from concviz.server.security import LOCAL_NAMES, LocalOnly
from concviz.server.settings import Settings
from concviz.server.store import Store
from concviz.server.transport import protocols
from concviz.server.validation import BadRequest, Invalid, strict_query

log = logging.getLogger("concviz.server")

PACKAGE = Path(__file__).resolve().parents[1]
STATIC = PACKAGE / "static"
ENTRY = STATIC / "dist" / "app.js"
DB_NAME = "concviz.sqlite3"
WILDCARDS = ("", "0.0.0.0", "::")
FAVICON = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
           b'<rect width="16" height="16" rx="3" fill="#1f2937"/>'
           b'<rect x="3" y="3" width="6" height="3" fill="#60a5fa"/><rect x="7" y="7" width="6" height="3" '
           b'fill="#f59e0b"/><rect x="3" y="11" width="8" height="2" fill="#34d399"/></svg>')


def default_data_dir() -> Path:
    return Path(os.environ.get("CONCVIZ_DATA") or "data")


class FrontEndFiles(StaticFiles):
    """Static files that may not be built yet: 404 (not a 500) while the folder is missing."""

    async def check_config(self) -> None:
        if self.directory is not None and not os.path.isdir(self.directory):
            raise HTTPException(404, "Not Found")
        await super().check_config()


def create_app(data_dir: str | Path, **overrides: Any) -> FastAPI:
    """The app, with its store opened (runs left unfinished marked interrupted) and run manager ready."""
    settings = Settings(**overrides)
    embed_origins = tuple(dict.fromkeys(normalise_origin(o) for o in settings.embed_origins))
    data = Path(data_dir)
    store = Store(data / DB_NAME)
    store.recover_interrupted()
    manager = RunManager(store, data, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(close, app)

    app = FastAPI(title="concviz", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json")
    app.state.manager = manager
    app.state.explorations = explorations.Explorations()
    app.state.settings = settings
    app.state.embed_origins = embed_origins
    app.state.client_viewers = ClientCounts(settings.client_viewers, "WebSocket viewers")
    strict = [Depends(strict_query)]  # every query parameter is declared and checked, as bodies are
    app.include_router(api.router, dependencies=strict)
    app.include_router(control.router, dependencies=strict)
    app.include_router(explorations.router, dependencies=strict)
    app.include_router(lecture.router, dependencies=strict)
    app.include_router(sweeps.router, dependencies=strict)
    app.include_router(ws.router)
    templates = Jinja2Templates(directory=PACKAGE / "templates")

    async def page(request: Request) -> HTMLResponse:
        response = templates.TemplateResponse(request, "index.html", {"built": ENTRY.is_file()})
        response.headers["x-content-type-options"] = "nosniff"
        response.headers["referrer-policy"] = "same-origin"
        return response

    app.add_api_route("/", page, methods=["GET"], response_class=HTMLResponse, include_in_schema=False)
    for path in ("/runs/{run_id}", "/embed", "/embed/", "/embed/runs/{run_id}"):
        app.add_api_route(path, page, methods=["GET"], response_class=HTMLResponse, include_in_schema=False)
    async def favicon() -> Response:
        return Response(FAVICON, media_type="image/svg+xml", headers={"cache-control": "max-age=86400"})

    for path in ("/favicon.ico", "/favicon.svg"):  # browsers ask for /favicon.ico on every page
        app.add_api_route(path, favicon, methods=["GET"], include_in_schema=False)
    app.mount("/static", FrontEndFiles(directory=STATIC, check_dir=False), name="static")

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, error: BadRequest) -> JSON:
        return JSON({"detail": error.detail}, status_code=error.status)

    @app.exception_handler(Invalid)
    async def invalid(request: Request, error: Invalid) -> JSON:
        return JSON({"detail": error.errors}, status_code=422)

    @app.exception_handler(TooMany)
    async def too_many_from_client(request: Request, error: TooMany) -> JSON:
        return JSON({"detail": error.detail}, status_code=429, headers={"retry-after": str(error.retry_after)})

    @app.exception_handler(TooManyRuns)
    async def too_many(request: Request, error: TooManyRuns) -> JSON:
        return JSON({"detail": str(error)}, status_code=429)

    @app.exception_handler(ClientDisconnect)
    async def gone(request: Request, error: ClientDisconnect) -> Response:
        # Expected client behaviour, not a server error: one line, no traceback.
        log.info("client %s went away during %s %s", _client(request.scope), request.method, request.url.path)
        return Response(status_code=400)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSON:
        return JSON({"detail": [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))[:200],
                                 "type": e.get("type", "value_error")} for e in error.errors()]},
                    status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSON:
        log.error("unexpected error in %s %s", request.method, request.url.path, exc_info=error)
        return JSON({"detail": "internal server error"}, status_code=500)

    app.add_middleware(LocalOnly, extra_hosts=settings.extra_hosts)
    app.add_middleware(RateLimit, rate=settings.client_rate, burst=settings.client_burst)
    app.add_middleware(FramePolicy, embed_origins=embed_origins)
    app.add_middleware(TokenAuth, token=settings.token)  # outermost: ?token= leaves the scope first
    return app


def _client(scope: Mapping[str, Any]) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "?"


def close(app: FastAPI) -> None:
    """Stop the live runs (recorded as interrupted) and close the store."""
    app.state.explorations.cancel_all()
    sweeps.shutdown(app)
    manager: RunManager = app.state.manager
    manager.shutdown()
    manager.store.close()


# --- concviz serve ---------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(
        host.strip("[]") or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(128)
    sock.set_inheritable(False)
    return sock


EXPOSED_LIMITS = {"client_runs": 2, "client_viewers": 16, "client_rate": 20.0}
"""Per-client limits ``serve`` applies when listening beyond this machine (unless given)."""


def _own_names() -> tuple[str, ...]:
    """This machine's host name and addresses, as a browser elsewhere may name it in Host."""
    names = {socket.gethostname(), socket.getfqdn()}
    try:
        import psutil

        for addresses in psutil.net_if_addrs().values():
            names.update(a.address.split("%")[0] for a in addresses
                         if a.family in (socket.AF_INET, socket.AF_INET6))
    except Exception:  # psutil missing or /proc unreadable: the names above and --allow-host
        pass
    return tuple(sorted(f"[{n}]" if ":" in n else n.lower() for n in names if n))


def serve(
    host: str = "127.0.0.1", port: int = 8000, data_dir: str | Path | None = None, **overrides: Any
) -> int:
    """Serve the web app until interrupted; prints ``concviz: serving on URL`` once listening.

    On a non-loopback address a token is required (``token=``, else ``$CONCVIZ_TOKEN``, else a
    new one, printed once in the URL) and the per-client limits apply.
    """
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    data = Path(data_dir) if data_dir else default_data_dir()
    name = host.strip("[]")
    shown = f"[{name}]" if ":" in name else name
    extra = tuple(overrides.pop("extra_hosts", ()))
    exposed = not _is_loopback(name)
    if host not in WILDCARDS and shown.lower() not in LOCAL_NAMES:
        extra += (shown,)
    if host in WILDCARDS:
        extra += _own_names()
    token = overrides.pop("token", None) or os.environ.get("CONCVIZ_TOKEN") or None
    generated = exposed and token is None
    if generated:
        token = new_token()
    if exposed:
        for key, value in EXPOSED_LIMITS.items():
            overrides.setdefault(key, value)
    try:
        sock = _bind(host, port)
    except OSError as error:
        print(f"concviz: error: cannot listen on {host}:{port}: {error.strerror or error}", file=sys.stderr)
        return 1
    try:
        app = create_app(data, extra_hosts=tuple(dict.fromkeys(extra)), token=token, **overrides)
    except (OSError, sqlite3.Error) as error:
        sock.close()
        print(f"concviz: error: cannot use the data directory {data}: {error}", file=sys.stderr)
        return 1
    settings: Settings = app.state.settings
    if exposed:
        print(f"concviz: listening on {host}, reachable from other machines: every request needs the token; "
              f"Host may name {', '.join(settings.extra_hosts) or 'localhost'} (add names with --allow-host)",
              file=sys.stderr)
    if app.state.embed_origins:
        print(f"concviz: pages of {', '.join(app.state.embed_origins)} may show /embed/... in an iframe",
              file=sys.stderr)
    http, ws = protocols(settings.request_timeout, settings.close_grace)
    config = uvicorn.Config(
        app, log_level="info", ws_max_size=settings.max_ws_message, ws_per_message_deflate=False,
        timeout_graceful_shutdown=3, server_header=False, proxy_headers=False, lifespan="on",
        http=http, ws=ws, timeout_keep_alive=settings.keep_alive_timeout,  # type: ignore[arg-type]
    )
    server = uvicorn.Server(config)
    bound_port = sock.getsockname()[1]
    print(f"concviz: serving on http://{shown}:{bound_port}/ (data in {data})", file=sys.stderr, flush=True)
    if generated:
        # Printed once, on the terminal only: never logged.
        at = next((n for n in settings.extra_hosts if n.replace(".", "").isdigit()), shown) \
            if host in WILDCARDS else shown
        print(f"concviz: open http://{at}:{bound_port}/?token={token}", file=sys.stderr, flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it shut down for
        pass
    return 0
