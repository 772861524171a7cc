"""Fixtures for the server tests: an in-process app, real server processes, scenarios.

Real servers listen on 127.0.0.1 on a port the OS picks (``serve(port=0)``
prints it); their log is dumped when they fail to start. They run the real
scenarios, copied into a temporary scenario directory with two test-only
ones: ``busy`` (many events fast) and ``linger`` (runs until stopped, with a
grandchild process).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from concviz.server.app import close, create_app

from .helpers import ROOT, Server

BUSY = '''"""Busy: threads taking and releasing a lock as fast as they can (test scenario)."""

import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("threads", 2, min=1, max=8),
    Param("iterations", 1000, min=1, max=1_000_000),
    Param("pause", 0.0, min=0.0, max=1.0, help="a sleep every 500 iterations (s): a steadier pace than a reader's"),
]
LINES = False
P = read_params(PARAMS)
lock = threading.Lock()


def work():
    for i in range(P.iterations):
        lock.acquire()
        lock.release()
        if P.pause and i % 500 == 499:
            time.sleep(P.pause)


threads = [threading.Thread(target=work) for _ in range(P.threads)]
for t in threads:
    t.start()
for t in threads:
    t.join()
'''

LINGER = '''"""Linger: threads that sleep until the run is stopped, and a grandchild process (test scenario)."""

import subprocess
import threading
import time

from concviz.params import Param, read_params

PARAMS = [Param("threads", 3, min=1, max=10), Param("seconds", 50.0, min=0.0, max=100.0)]
LINES = False
P = read_params(PARAMS)
grandchild = subprocess.Popen(["sleep", str(P.seconds)])
print("grandchild", grandchild.pid, flush=True)


def nap():
    for _ in range(int(P.seconds * 10)):
        time.sleep(0.1)


threads = [threading.Thread(target=nap) for _ in range(P.threads)]
for t in threads:
    t.start()
for t in threads:
    t.join()
grandchild.kill()
'''


@pytest.fixture(scope="session")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("scenarios")
    for path in (ROOT / "scenarios").iterdir():
        if path.is_file():
            shutil.copy(path, directory / path.name)
    (directory / "busy.py").write_text(BUSY)
    (directory / "linger.py").write_text(LINGER)
    return directory


@pytest.fixture
def scenarios_env(scenario_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONCVIZ_SCENARIOS", str(scenario_dir))
    return scenario_dir


# --- in process ------------------------------------------------------------------------------

BASE = "http://127.0.0.1:8000"


@dataclass
class InProcess:
    app: Any
    client: httpx.AsyncClient


@pytest_asyncio.fixture
async def make_app(tmp_path: Path, scenarios_env: Path) -> AsyncIterator[Callable[..., Any]]:
    """``await make_app(**settings)`` → an app and a client talking to it without a socket."""
    made: list[InProcess] = []

    async def make(raise_errors: bool = True, **settings: Any) -> InProcess:
        app = create_app(tmp_path / f"data{len(made)}", **settings)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_errors)
        client = httpx.AsyncClient(transport=transport, base_url=BASE)
        made.append(InProcess(app, client))
        return made[-1]

    yield make
    for p in made:
        await p.client.aclose()
        close(p.app)


@pytest_asyncio.fixture
async def api(make_app: Callable[..., Any]) -> httpx.AsyncClient:
    p: InProcess = await make_app()
    return p.client


@pytest.fixture
def make_server(tmp_path: Path, scenario_dir: Path) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def make(data_dir: Path | None = None, **settings: Any) -> Server:
        n = len(servers)
        server = Server(data_dir or tmp_path / f"data{n}", tmp_path / f"server{n}.log", scenario_dir, settings)
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, scenario_dir: Path) -> Iterator[Server]:
    """One real server shared by a module's tests."""
    tmp = tmp_path_factory.mktemp("server")
    s = Server(tmp / "data", tmp / "server.log", scenario_dir).start()
    yield s
    s.stop()


