"""Local-only access: Host on HTTP and WebSocket handshakes, Origin, the default bind address."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from concviz.cli import build_parser
from concviz.server.security import same_origin, split_host

from .helpers import ROOT, Server, handshake, poll, raw_request, status_of, watch

# --- the rules, as functions -----------------------------------------------------------------


@pytest.mark.parametrize(("host", "parsed"), [
    ("localhost", ("localhost", None)), ("LOCALHOST:8000", ("localhost", "8000")),
    ("127.0.0.1:1", ("127.0.0.1", "1")), ("[::1]:8000", ("[::1]", "8000")), ("[::1]", ("[::1]", None)),
    ("evil.example", ("evil.example", None)), ("a b", None), ("localhost:80:80", None), ("", None),
    ("localhost@evil.example", None),
])
def test_host_header_is_parsed_strictly(host: str, parsed: tuple[str, str | None] | None) -> None:
    assert split_host(host) == parsed


@pytest.mark.parametrize(("origin", "host", "same"), [
    ("http://localhost:8000", "localhost:8000", True),
    ("http://LOCALHOST:8000", "localhost:8000", True),
    ("http://localhost", "localhost:80", True),
    ("http://localhost:8001", "localhost:8000", False),
    ("https://localhost:8000", "localhost:8000", False),
    ("http://127.0.0.1:8000", "localhost:8000", False),
    ("http://evil.example:8000", "localhost:8000", False),
    ("null", "localhost:8000", False),
    ("http://localhost:8000/path", "localhost:8000", False),
    ("", "localhost:8000", False),
])
def test_origin_must_be_the_pages_own(origin: str, host: str, same: bool) -> None:
    assert same_origin(origin, host, "http") is same


def test_serve_listens_on_127_0_0_1_by_default() -> None:
    ns = build_parser().parse_args(["serve"])
    assert ns.host == "127.0.0.1"
    from concviz.server.app import serve

    assert serve.__defaults__ is not None and serve.__defaults__[0] == "127.0.0.1"


def _listening_addresses(port: int) -> set[str]:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # LISTEN
                found.add(address)
    return found


def test_concviz_serve_command_binds_only_the_loopback_address(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "concviz.cli", "serve", "--port", "0",
                                 "--data-dir", str(tmp_path / "data")], stdout=out, stderr=subprocess.STDOUT,
                                cwd=ROOT)
    try:
        assert poll(lambda: "serving on" in log.read_text(), timeout=20), log.read_text()
        text = log.read_text()
        url = text[text.index("serving on ") + len("serving on "):].split()[0]
        assert url.startswith("http://127.0.0.1:")
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else
        assert httpx.get(f"{url}api/health", timeout=10).json()["ok"] is True
    finally:
        proc.terminate()
        proc.wait(15)


# --- in process: HTTP --------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example",
                                  "localhost.evil.example", "0.0.0.0:8000", "192.168.1.5:8000"])
async def test_non_local_host_is_refused_400(api: httpx.AsyncClient, host: str) -> None:
    response = await api.get("/api/health", headers={"host": host})
    assert response.status_code == 400
    assert "is not allowed" in response.json()["detail"]


@pytest.mark.asyncio
@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000"])
async def test_local_host_names_are_accepted(api: httpx.AsyncClient, host: str) -> None:
    assert (await api.get("/api/health", headers={"host": host})).status_code == 200


@pytest.mark.asyncio
@pytest.mark.parametrize(("headers", "status"), [
    ({"origin": "http://evil.example"}, 403),
    ({"origin": "null"}, 403),
    ({"origin": "http://127.0.0.1:8001"}, 403),
    ({"sec-fetch-site": "cross-site"}, 403),
    ({"sec-fetch-site": "same-site"}, 403),
    ({"origin": "http://127.0.0.1:8000", "sec-fetch-site": "same-origin"}, 422),
    ({}, 422),
])
async def test_cross_origin_posts_are_refused(api: httpx.AsyncClient, headers: dict[str, str], status: int) -> None:
    # A refused request never reaches the handler; an accepted one fails validation (no such scenario).
    response = await api.post("/api/runs", json={"scenario": "nosuchthing"}, headers=headers)
    assert response.status_code == status, response.text
    response = await api.post("/api/runs/0123456789ab/stop", headers=headers)
    assert response.status_code == (403 if status == 403 else 404)


# --- a real server: raw sockets and a real WebSocket client ------------------------------------------------


def test_non_local_host_is_refused_400_on_http_over_a_raw_socket(server: Server) -> None:
    answer = raw_request(server.port, b"GET /api/health HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert status_of(answer) == 400
    assert b"is not allowed" in answer
    ok = raw_request(server.port, b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert status_of(ok) == 200


def test_two_host_headers_are_refused(server: Server) -> None:
    answer = raw_request(server.port, b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n"
                                      b"Connection: close\r\n\r\n")
    assert status_of(answer) == 400


@pytest.mark.parametrize("origin", [None, "http://evil.example"])
def test_non_local_host_is_refused_400_on_the_websocket_handshake(server: Server, origin: str | None) -> None:
    run_id = server.start_run("race", threads=1)
    bad = f"evil.example:{server.port}"
    answer = raw_request(server.port, handshake(f"/ws/runs/{run_id}", bad, origin or f"http://{bad}"))
    assert status_of(answer) == 400
    good = raw_request(server.port, handshake(f"/ws/runs/{run_id}", f"127.0.0.1:{server.port}"), timeout=2)
    assert status_of(good) == 101


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://localhost:1", "https://127.0.0.1"])
def test_websocket_from_a_foreign_origin_is_refused_403(server: Server, origin: str) -> None:
    run_id = server.start_run("race", threads=1)
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{server.ws_url}/ws/runs/{run_id}", origin=Origin(origin), open_timeout=10)
    assert refused.value.response.status_code == 403
    assert b"is not allowed" in refused.value.response.body
    assert server.get("/api/health").json()["ok"] is True


def test_websocket_from_the_pages_own_origin_or_without_origin_is_accepted(server: Server) -> None:
    run_id = server.start_run("race", threads=1)
    server.wait_ended(run_id)
    own = watch(server.ws_url, run_id, origin=f"http://127.0.0.1:{server.port}")
    without = watch(server.ws_url, run_id)
    assert own.end is not None and without.end is not None
    assert own.seqs == without.seqs
