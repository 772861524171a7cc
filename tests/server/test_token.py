"""A server reachable from other machines: the token, --allow-host, and the per-client limits."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from concviz.cli import build_parser

from .helpers import ROOT, handshake, poll, raw_request, status_of, watch

TOKEN = "s3cret-token-for-tests-0123456789"


class Exposed:
    """``concviz serve --host 0.0.0.0`` in a child process; tests talk to it on 127.0.0.1."""

    def __init__(self, tmp: Path, scenario_dir: Path, env: dict[str, str], args: list[str]) -> None:
        tmp.mkdir(parents=True, exist_ok=True)
        self.log_path = tmp / "serve.log"
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "concviz.cli", "serve", "--host", "0.0.0.0", "--port", "0",
                 "--data-dir", str(tmp / "data"), *args],
                stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                env=dict(env, CONCVIZ_SCENARIOS=str(scenario_dir), PYTHONUNBUFFERED="1"))
        if not poll(lambda: "serving on http://0.0.0.0:" in self.log(), timeout=20):
            self.stop()
            pytest.fail(f"the server did not start; its log:\n{self.log()}")
        text = self.log()
        self.port = int(text[text.index("serving on http://0.0.0.0:"):].split(":")[2].split("/")[0])
        self.url = f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def exposed(tmp_path: Path, scenario_dir: Path) -> Iterator[Callable[..., Exposed]]:
    made: list[Exposed] = []

    def make(*args: str, env: dict[str, str] | None = None) -> Exposed:
        base = {k: v for k, v in os.environ.items() if k != "CONCVIZ_TOKEN"}
        made.append(Exposed(tmp_path / f"s{len(made)}", scenario_dir, base | (env or {}), list(args)))
        return made[-1]

    yield make
    for server in made:
        server.stop()


def _bearer(token: str = TOKEN) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_http_needs_the_token(exposed: Callable[..., Exposed]) -> None:
    server = exposed("--token", TOKEN)
    missing = httpx.get(f"{server.url}/api/runs", timeout=10)
    assert missing.status_code == 401
    assert "token" in missing.json()["detail"] and missing.headers["www-authenticate"].startswith("Bearer")
    wrong = httpx.get(f"{server.url}/api/runs", headers=_bearer("nope"), timeout=10)
    assert wrong.status_code == 403
    assert httpx.get(f"{server.url}/api/runs?token=nope", timeout=10).status_code == 403
    assert httpx.get(f"{server.url}/api/runs", headers=_bearer(), timeout=10).status_code == 200
    # Every route, the page and the static files included.
    for path in ("/", "/favicon.ico", "/static/dist/app.js", "/api/health", "/api/scenarios"):
        assert httpx.get(f"{server.url}{path}", timeout=10).status_code == 401, path
    posted = httpx.post(f"{server.url}/api/runs", json={"scenario": "race"}, timeout=10)
    assert posted.status_code == 401


def test_a_browser_exchanges_the_token_once_for_a_strict_cookie(exposed: Callable[..., Exposed]) -> None:
    server = exposed("--token", TOKEN)
    with httpx.Client(base_url=server.url, timeout=10) as browser:
        first = browser.get(f"/runs/abc?token={TOKEN}&x=1")
        assert first.status_code == 303
        assert first.headers["location"] == "/runs/abc?x=1"  # the token leaves the address bar
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        assert TOKEN not in cookie
        assert browser.get("/").status_code == 200
        assert browser.get("/api/runs").status_code == 200
    forged = httpx.get(f"{server.url}/", cookies={"concviz-token": "0" * 64}, timeout=10)
    assert forged.status_code == 401


def test_websocket_handshakes_need_the_token(exposed: Callable[..., Exposed]) -> None:
    server = exposed("--token", TOKEN)
    started = httpx.post(f"{server.url}/api/runs", json={"scenario": "race", "params": {"threads": 1}},
                         headers=_bearer(), timeout=10)
    assert started.status_code == 201, started.text
    run_id = started.json()["id"]
    ws_url = f"ws://127.0.0.1:{server.port}"
    with pytest.raises(InvalidStatus) as missing:
        connect(f"{ws_url}/ws/runs/{run_id}", open_timeout=10)
    assert missing.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as wrong:
        connect(f"{ws_url}/ws/runs/{run_id}", additional_headers=_bearer("nope"), open_timeout=10)
    assert wrong.value.response.status_code == 403
    assert status_of(raw_request(server.port, handshake(f"/ws/runs/{run_id}?token=nope",
                                                         f"127.0.0.1:{server.port}"), timeout=5)) == 403
    seen = watch(ws_url, run_id, additional_headers=_bearer())
    assert seen.end is not None and seen.close_code == 1000
    with httpx.Client(base_url=server.url, timeout=10) as browser:
        browser.get(f"/?token={TOKEN}")
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    by_cookie = watch(ws_url, run_id, additional_headers={"cookie": cookie})
    assert by_cookie.seqs == seen.seqs
    assert "without completing handshake" not in server.log()


def test_the_token_is_never_logged(exposed: Callable[..., Exposed]) -> None:
    server = exposed("--token", TOKEN)
    httpx.get(f"{server.url}/?token={TOKEN}", timeout=10)
    httpx.get(f"{server.url}/api/runs?token={TOKEN}", timeout=10)
    httpx.get(f"{server.url}/api/runs?token=wrong-{TOKEN}", timeout=10)
    httpx.get(f"{server.url}/api/runs", headers=_bearer(), timeout=10)
    raw_request(server.port, handshake(f"/ws/runs/0123456789ab?token={TOKEN}", f"127.0.0.1:{server.port}"),
                timeout=3)
    raw_request(server.port, b"GET /api/health?token=" + TOKEN.encode() +
                b" HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert poll(lambda: server.log().count("/api/runs") >= 3, timeout=10)
    server.stop()
    log = server.log()
    assert TOKEN not in log
    assert "token=" not in log


def test_a_token_is_generated_and_printed_once_as_a_url(exposed: Callable[..., Exposed]) -> None:
    server = exposed()
    assert poll(lambda: "?token=" in server.log(), timeout=10)
    log = server.log()
    assert log.count("?token=") == 1
    url = log[log.index("concviz: open http://"):].split()[2]
    token = url.split("?token=")[1]
    assert len(token) >= 24
    assert httpx.get(f"{server.url}/api/runs", headers=_bearer(token), timeout=10).status_code == 200
    assert httpx.get(f"{server.url}/api/runs", timeout=10).status_code == 401


def test_the_token_can_come_from_the_environment(exposed: Callable[..., Exposed]) -> None:
    server = exposed(env={"CONCVIZ_TOKEN": TOKEN})
    assert "?token=" not in server.log()
    assert httpx.get(f"{server.url}/api/runs", headers=_bearer(), timeout=10).status_code == 200
    assert httpx.get(f"{server.url}/api/runs", timeout=10).status_code == 401


def test_allow_host_extends_the_host_check(exposed: Callable[..., Exposed]) -> None:
    server = exposed("--token", TOKEN, "--allow-host", "lab.example", "--allow-host", "pc7.lab.example")
    for host in ("lab.example", f"pc7.lab.example:{server.port}", "LAB.example"):
        request = (f"GET /api/health HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n"
                   "Connection: close\r\n\r\n").encode()
        assert status_of(raw_request(server.port, request)) == 200, host
    bad = (f"GET /api/health HTTP/1.1\r\nHost: other.example\r\nAuthorization: Bearer {TOKEN}\r\n"
           "Connection: close\r\n\r\n").encode()
    assert status_of(raw_request(server.port, bad)) == 400


def test_loopback_needs_no_token(tmp_path: Path, scenario_dir: Path) -> None:
    from .helpers import Server

    server = Server(tmp_path / "data", tmp_path / "server.log", scenario_dir).start()
    try:
        assert server.get("/api/runs").status_code == 200
        assert server.get("/").status_code == 200
        run_id = server.start_run("race", threads=1)
        assert watch(server.ws_url, run_id).end is not None
        assert "?token=" not in server.log() and "needs its token" not in server.log()
    finally:
        server.stop()


# --- per-client limits ------------------------------------------------------------------------------------


def test_requests_per_second_are_limited_per_client(exposed: Callable[..., Exposed],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    server = exposed("--token", TOKEN)
    statuses = []
    with httpx.Client(base_url=server.url, headers=_bearer(), timeout=10) as client:
        for _ in range(200):
            response = client.get("/api/health")
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert int(response.headers["retry-after"]) >= 1
                assert "too many requests" in response.json()["detail"]
                break
    assert statuses[-1] == 429 and statuses.count(200) >= 20


def test_concurrent_runs_are_limited_per_client(exposed: Callable[..., Exposed]) -> None:
    server = exposed("--token", TOKEN)
    ids: list[str] = []
    try:
        for _ in range(2):
            response = httpx.post(f"{server.url}/api/runs", headers=_bearer(), timeout=10,
                                  json={"scenario": "linger", "params": {"seconds": 30}})
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
        third = httpx.post(f"{server.url}/api/runs", headers=_bearer(), timeout=10,
                           json={"scenario": "linger", "params": {"seconds": 30}})
        assert third.status_code == 429
        assert third.headers["retry-after"] == "5"
        assert "too many runs from 127.0.0.1" in third.json()["detail"]
    finally:
        for run_id in ids:
            httpx.post(f"{server.url}/api/runs/{run_id}/stop", headers=_bearer(), timeout=10)
        for run_id in ids:
            def ended(run_id: str = run_id) -> bool:
                r = httpx.get(f"{server.url}/api/runs/{run_id}", headers=_bearer(), timeout=10).json()
                return r["status"] not in ("pending", "running")
            assert poll(ended, timeout=30)


def test_websocket_viewers_are_limited_per_client(exposed: Callable[..., Exposed]) -> None:
    server = exposed("--token", TOKEN)
    response = httpx.post(f"{server.url}/api/runs", headers=_bearer(), timeout=10,
                          json={"scenario": "linger", "params": {"seconds": 30}})
    run_id = response.json()["id"]
    ws_url = f"ws://127.0.0.1:{server.port}/ws/runs/{run_id}"
    try:
        with contextlib.ExitStack() as stack:
            for _ in range(16):
                stack.enter_context(connect(ws_url, additional_headers=_bearer(), open_timeout=10))
                time.sleep(0.06)  # stay under the request rate (20 a second)
            with pytest.raises(InvalidStatus) as refused:
                connect(ws_url, additional_headers=_bearer(), open_timeout=10)
            assert refused.value.response.status_code == 429
            assert b"too many WebSocket viewers from 127.0.0.1" in refused.value.response.body
            assert refused.value.response.headers["retry-after"] == "5"
    finally:
        httpx.post(f"{server.url}/api/runs/{run_id}/stop", headers=_bearer(), timeout=10)


def test_cli_serve_takes_token_and_allow_host() -> None:
    ns = build_parser().parse_args(["serve", "--token", "t", "--allow-host", "a", "--allow-host", "b.example"])
    assert ns.token == "t" and ns.allow_hosts == ["a", "b.example"]


