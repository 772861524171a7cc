"""Fixtures for the experiments tests: the real scenarios plus ``linger`` (runs until stopped, with a
grandchild process), a pool, an in-process app, and the processes of a run's session."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from concviz.experiments.pool import LocalPool
from concviz.server.app import close, create_app

ROOT = Path(__file__).resolve().parents[2]

LINGER = '''"""Linger: threads that sleep until the run is stopped, and a grandchild process (test scenario)."""

import subprocess
import threading
import time

from concviz.params import Param, read_params

PARAMS = [Param("threads", 2, min=1, max=10), Param("seconds", 50.0, min=0.0, max=100.0)]
LINES = False
P = read_params(PARAMS)
grandchild = subprocess.Popen(["sleep", str(P.seconds)])


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


WHOAMI = '''"""Whoami: the process the program ran in (test scenario; its result is its pid)."""

import os

from concviz.params import Param, read_params

PARAMS = [Param("n", 1, min=1, max=10)]
WATCH = ["pid"]
RESULT = "pid"
LINES = False
P = read_params(PARAMS)
pid = os.getpid()
'''


ESCAPE = '''"""Escape: a double-fork daemon and a process in a new session, outliving the program (test scenario)."""

import os
import signal
import subprocess
import time

from concviz.params import Param, read_params

PARAMS = [Param("n", 1, min=1, max=2)]
LINES = False
P = read_params(PARAMS)
daemon = subprocess.Popen(["sleep", "60"], start_new_session=True)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.write(w, b"x")
    while True:
        time.sleep(1)
os.read(r, 1)
print("escaped", pid, daemon.pid, flush=True)
'''


@pytest.fixture(scope="session")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("scenarios")
    for path in (ROOT / "scenarios").iterdir():
        if path.is_file():
            shutil.copy(path, directory / path.name)
    (directory / "linger.py").write_text(LINGER)
    (directory / "whoami.py").write_text(WHOAMI)
    (directory / "escape.py").write_text(ESCAPE)
    return directory


@pytest.fixture(autouse=True)
def scenarios_env(scenario_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONCVIZ_SCENARIOS", str(scenario_dir))
    return scenario_dir


@pytest.fixture(params=[False, True], ids=["fresh", "prestarted"])
def local_pool(request: pytest.FixtureRequest) -> Iterator[LocalPool]:
    """Two runs at once, each a fresh interpreter or forked from a pre-started one (``zygote``)."""
    pool = LocalPool(2, prestart=request.param)
    yield pool
    pool.close()
    if request.param:
        assert pool._zygote is None


BASE = "http://127.0.0.1:8000"


@pytest_asyncio.fixture
async def make_app(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """``await make_app(**settings)`` → (app, client) talking without a socket."""
    made: list[tuple[Any, httpx.AsyncClient]] = []

    async def make(**settings: Any) -> tuple[Any, httpx.AsyncClient]:
        app = create_app(tmp_path / f"data{len(made)}", **({"sweep_jobs": 2} | settings))
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
        made.append((app, client))
        return app, client

    yield make
    for app, client in made:
        await client.aclose()
        close(app)


def session_members(leaders: set[int]) -> list[str]:
    """Live processes (not zombies) in the sessions led by ``leaders`` (each run's child leads its own)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[3]) in leaders:
            found.append(f"{entry.name}: {stat[:80]}")
    return found
