"""Hostile or broken clients: query strings, bodies cut short, refused handshakes, stalled
viewers, idle and half-sent connections, and the favicon."""

from __future__ import annotations

import os
import socket
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from concviz.server import api, control, explorations, lecture, sweeps

from .helpers import Server, handshake, poll, raw_request, status_of

HUGE = "1" * 4301  # one digit more than Python's int() converts


def _open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


# --- query strings ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_4301_digit_limit_is_a_short_400_not_a_500(api: httpx.AsyncClient) -> None:
    response = await api.get(f"/api/runs?limit={HUGE}")
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert "'limit'" in detail and len(detail) < 300


@pytest.mark.asyncio
@pytest.mark.parametrize(("query", "words"), [
    ("limit=5&limit=6", "more than once"),
    ("bogus=1", "unknown query parameter 'bogus'"),
    ("limit=%EF%BC%95", "'limit'"),  # a full-width digit: isdigit() but not ASCII
    ("limit=" + "0" * 300, "characters long"),
])
async def test_run_list_query_is_strict(api: httpx.AsyncClient, query: str, words: str) -> None:
    response = await api.get(f"/api/runs?{query}")
    assert response.status_code == 400, response.text
    assert words in response.json()["detail"]


@pytest.mark.asyncio
async def test_every_api_route_refuses_unknown_and_huge_query_parameters(make_app: Callable[..., Any]) -> None:
    p = await make_app(raise_errors=False)
    checked = 0
    routes = [r for m in (api, control, explorations, lecture, sweeps) for r in m.router.routes]
    for route in routes:
        path: str = getattr(route, "path", "")
        methods = getattr(route, "methods", None) or set()
        assert path.startswith("/api/"), path
        url = path.replace("{run_id}", "0123456789ab").replace("{exploration_id}", "0123456789ab")
        url = url.replace("{sweep_id}", "0123456789ab")
        for method in sorted(methods - {"HEAD"}):
            for query in ("bogus=1", f"format={HUGE}", f"limit={HUGE}"):
                response = await p.client.request(method, f"{url}?{query}")
                assert response.status_code == 400, (method, url, query, response.text)
                assert len(response.json()["detail"]) < 400
                checked += 1
    assert checked >= 45


@pytest.mark.asyncio
@pytest.mark.parametrize("query", ["a=0123456789ab&b=../../etc", "a=0123456789ab", f"a=x&b={HUGE}"])
async def test_compare_takes_two_run_ids(api: httpx.AsyncClient, query: str) -> None:
    response = await api.get(f"/api/compare?{query}")
    assert response.status_code == 400, response.text
    assert len(response.json()["detail"]) < 400


@pytest.mark.asyncio
async def test_export_format_is_checked(api: httpx.AsyncClient) -> None:
    response = await api.get(f"/api/runs/0123456789ab/export?format={HUGE}")
    assert response.status_code == 400
    assert "'format'" in response.json()["detail"]


def test_websocket_query_parameters_are_refused_in_the_handshake(server: Server) -> None:
    run_id = server.start_run("race", threads=1)
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{server.ws_url}/ws/runs/{run_id}?bogus={HUGE}", open_timeout=10)
    assert refused.value.response.status_code == 400
    assert b"unknown query parameter" in refused.value.response.body


# --- expected client behaviour logs one line at most --------------------------------------------------


def test_client_leaving_in_the_middle_of_a_body_logs_one_line(make_server: Callable[..., Server]) -> None:
    server = make_server()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"scenario\": ")
        time.sleep(0.2)  # let the handler start reading the body (any time works; this makes it likely)
    assert poll(lambda: "went away during POST /api/runs" in server.log(), timeout=10), server.log()
    assert server.get("/api/health").status_code == 200
    log = server.log()
    assert "Traceback" not in log
    assert "Exception in ASGI application" not in log
    assert "unexpected error" not in log
    assert log.count("went away") == 1


def test_refused_handshakes_keep_their_status_and_log_no_handshake_error(server: Server) -> None:
    run_id = server.start_run("race", threads=1)
    bad = f"evil.example:{server.port}"
    for _ in range(3):
        assert status_of(raw_request(server.port, handshake(f"/ws/runs/{run_id}", bad))) == 400
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{server.ws_url}/ws/runs/{run_id}", origin=Origin("http://evil.example"), open_timeout=10)
        assert refused.value.response.status_code == 403
    assert server.get("/api/health").status_code == 200
    assert "without completing handshake" not in server.log()
    assert "Traceback" not in server.log()


# --- stalled viewers ------------------------------------------------------------------------------------


def _stalled_viewer(server: Server, run_id: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    sock.sendall(handshake(f"/ws/runs/{run_id}", f"127.0.0.1:{server.port}"))
    return sock


def _frames(data: bytes) -> list[tuple[int, bytes]]:
    """(opcode, payload) of the server's (unmasked) frames in ``data``, after the HTTP response."""
    data = data[data.index(b"\r\n\r\n") + 4 :]
    out = []
    i = 0
    while i + 2 <= len(data):
        opcode, length = data[i] & 0x0F, data[i + 1] & 0x7F
        i += 2
        if length == 126:
            (length,) = struct.unpack(">H", data[i : i + 2])
            i += 2
        elif length == 127:
            (length,) = struct.unpack(">Q", data[i : i + 8])
            i += 8
        if i + length > len(data):
            break
        out.append((opcode, data[i : i + length]))
        i += length
    return out


def _server_sockets(pid: int, port: int) -> int:
    import psutil

    return sum(1 for c in psutil.Process(pid).net_connections("tcp")
               if c.laddr and c.laddr.port == port and c.raddr)


def test_a_dropped_viewer_that_reads_again_gets_its_4008(make_server: Callable[..., Server]) -> None:
    server = make_server(max_lag=2000, close_grace=30.0)
    run_id = server.start_run("busy", threads=2, iterations=200_000)
    sock = _stalled_viewer(server, run_id)
    try:
        assert poll(lambda: "dropped: more than 2000 events behind" in server.log(), timeout=60), server.log()
        data = bytearray()
        sock.settimeout(10)
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            data += chunk
            frames = _frames(bytes(data))
            if frames and frames[-1][0] == 8:
                break
        opcode, payload = _frames(bytes(data))[-1]
        assert opcode == 8 and struct.unpack(">H", payload[:2])[0] == 4008
        assert b"too slow" in payload
    finally:
        sock.close()
        server.post(f"/api/runs/{run_id}/stop")


def test_a_dropped_viewer_that_never_reads_is_cut_after_the_grace(make_server: Callable[..., Server]) -> None:
    server = make_server(max_lag=2000, close_grace=1.0)
    run_id = server.start_run("busy", threads=2, iterations=200_000)
    assert server.proc is not None
    sock = _stalled_viewer(server, run_id)
    try:
        assert poll(lambda: "dropped: more than 2000 events behind" in server.log(), timeout=60), server.log()
        dropped = time.monotonic()
        assert poll(lambda: _server_sockets(server.proc.pid, server.port) == 0,  # type: ignore[union-attr]
                    timeout=10), "the stalled viewer's connection is still open"
        print(f"stalled viewer cut {time.monotonic() - dropped:.2f} s after its drop (grace 1 s)")
    finally:
        sock.close()
        server.post(f"/api/runs/{run_id}/stop")


# --- idle and half-sent connections ------------------------------------------------------------------------


def test_idle_and_half_sent_connections_are_closed_in_time(make_server: Callable[..., Server]) -> None:
    server = make_server(request_timeout=2.0, keep_alive_timeout=1.0)
    assert server.proc is not None
    pid = server.proc.pid
    assert poll(lambda: _server_sockets(pid, server.port) == 0, timeout=5)
    before = _open_fds(pid)
    socks = []
    kinds = [b"", b"GET /api/hea", b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ",
             b"POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: 100\r\n\r\n{\"sce",
             b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"]  # answered, then idle keep-alive
    started = time.monotonic()
    for i in range(150):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s.sendall(kinds[i % len(kinds)]) if kinds[i % len(kinds)] else None
        socks.append(s)
    try:
        assert poll(lambda: _open_fds(pid) >= before + 100, timeout=5)
        peak = _open_fds(pid)
        assert poll(lambda: _open_fds(pid) <= before + 2, timeout=10), (before, _open_fds(pid))
        took = time.monotonic() - started
        print(f"150 idle/half-sent connections: server fds {before} -> {peak} -> {_open_fds(pid)} "
              f"in {took:.1f} s (request timeout 2 s, keep-alive 1 s)")
        assert took < 2.0 + 3.0
        answers = {}
        for i, s in enumerate(socks[:10]):
            s.settimeout(5)
            answers[i % len(kinds)] = s.recv(65536)
        assert answers[0] == b""  # sent nothing: just closed
        assert status_of(answers[1]) == 408 and status_of(answers[2]) == 408
        assert status_of(answers[3]) == 408
        assert status_of(answers[4]) == 200
    finally:
        for s in socks:
            s.close()
    assert server.get("/api/health").status_code == 200
    assert "Traceback" not in server.log()


# --- the page -------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_favicon_is_served(api: httpx.AsyncClient) -> None:
    for path in ("/favicon.ico", "/favicon.svg"):
        response = await api.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.content.startswith(b"<svg")
    page = await api.get("/")
    assert 'rel="icon"' in page.text


def test_cli_serve_takes_the_timeouts(tmp_path: Path) -> None:
    from concviz.cli import build_parser

    ns = build_parser().parse_args(["serve", "--keep-alive-timeout", "3", "--request-timeout", "7"])
    assert (ns.keep_alive_timeout, ns.request_timeout) == (3.0, 7.0)
