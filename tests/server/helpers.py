"""Helpers for the server tests: a real server process, viewers, raw sockets, /proc."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20.0


# --- a real server -------------------------------------------------------------------------------


@dataclass
class Server:
    data_dir: Path
    log_path: Path
    scenario_dir: Path
    settings: dict[str, Any] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> Server:
        call = f"serve(host='127.0.0.1', port=0, data_dir={str(self.data_dir)!r}, **{self.settings!r})"
        code = f"import sys; from concviz.server.app import serve; sys.exit({call})"
        env = dict(os.environ, CONCVIZ_SCENARIOS=str(self.scenario_dir), PYTHONUNBUFFERED="1")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=subprocess.STDOUT,
                                         env=env, cwd=ROOT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            marker = text.rfind("serving on http://127.0.0.1:")
            if marker >= 0:
                self.port = int(text[marker:].split(":")[2].split("/")[0])
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        if self.port:
            with contextlib.suppress(httpx.HTTPError):
                if poll(lambda: self.get("/api/health").status_code == 200, timeout=START_TIMEOUT):
                    return self
        self.stop()
        pytest.fail(f"the server did not start; its log:\n{self.log_path.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=10, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return httpx.post(self.url + path, json=body, timeout=10, **kwargs)

    def start_run(self, scenario: str, **params: Any) -> str:
        """Start a run, waiting while the server is at its limit of runs at once.

        Tests share a server per module, and earlier tests' runs may still be ending on a
        loaded machine; the limit itself is tested by posting directly.
        """
        answers: list[httpx.Response] = []

        def started() -> bool:
            answers.append(self.post("/api/runs", {"scenario": scenario, "params": params}))
            return answers[-1].status_code != 429

        poll(started, timeout=60, interval=0.25)
        response = answers[-1]
        assert response.status_code == 201, response.text
        run_id: str = response.json()["id"]
        return run_id

    def wait_ended(self, run_id: str, timeout: float = 60.0) -> dict[str, Any]:
        record: dict[str, Any] = {}

        def ended() -> bool:
            record.update(self.get(f"/api/runs/{run_id}").json())
            return record["status"] not in ("pending", "running")

        assert poll(ended, timeout=timeout), f"run {run_id} did not end: {record}"
        return record

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


# --- viewers -----------------------------------------------------------------------------------------


@dataclass
class Watched:
    header: dict[str, Any] | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    end: dict[str, Any] | None = None
    others: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str = ""

    @property
    def seqs(self) -> list[int]:
        return [e["seq"] for e in self.events]


def watch(url: str, run_id: str, until_events: int | None = None, **kwargs: Any) -> Watched:
    """Everything a viewer of the run receives (or the first ``until_events`` events)."""
    out = Watched()
    ws = connect(f"{url}/ws/runs/{run_id}", max_size=None, open_timeout=10, close_timeout=5, **kwargs)
    with ws, contextlib.suppress(ConnectionClosed):  # a close other than 1000: the code tells
        for message in ws:
            data = json.loads(message)
            if data["type"] == "header":
                out.header = data
            elif data["type"] == "events":
                out.events.extend(data["events"])
                if until_events is not None and len(out.events) >= until_events:
                    break
            elif data["type"] == "end":
                out.end = data
            else:
                out.others.append(data)
    out.close_code = ws.close_code
    out.close_reason = ws.close_reason or ""
    return out


def raw_request(port: int, request: bytes, timeout: float = 10.0) -> bytes:
    """Send bytes as they are over a plain socket; return everything until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def handshake(path: str, host: str, origin: str | None = None) -> bytes:
    key = base64.b64encode(os.urandom(16))
    lines = [b"GET " + path.encode() + b" HTTP/1.1", b"Host: " + host.encode(), b"Upgrade: websocket",
             b"Connection: Upgrade", b"Sec-WebSocket-Key: " + key, b"Sec-WebSocket-Version: 13"]
    if origin is not None:
        lines.append(b"Origin: " + origin.encode())
    return b"\r\n".join(lines) + b"\r\n\r\n"


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


# --- waiting and processes ------------------------------------------------------------------------------


def poll(condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Check ``condition`` until it holds or ``timeout`` passes (a deadline, not a sleep to sync)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def session_members(sid: int) -> list[int]:
    """Live processes (not zombies) whose session id is ``sid``."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and fields[0] != "Z" and int(fields[3]) == sid:
                out.append(int(entry))
    return out


def run_child(server: Server, timeout: float = 30.0) -> int:
    """The pid of the server's (only) run child, once it has started; it leads its own session."""
    assert server.proc is not None
    parent = server.proc.pid
    found: list[int] = []

    def started() -> bool:
        found[:] = runner_children(parent)
        return bool(found)

    assert poll(started, timeout=timeout), "no run child appeared"
    return found[0]


def runner_children(parent: int) -> list[int]:
    """The run children (``python -m concviz.runner``) of the server process ``parent``."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is None or int(fields[1]) != parent:
                continue
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if b"concviz.runner" in cmdline:
                out.append(int(entry))
    return out
