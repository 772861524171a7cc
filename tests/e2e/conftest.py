"""End-to-end fixtures: a real `concviz serve` on a free port and Debian's Chromium."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (ROOT / "backend" / "concviz" / "static" / "dist" / "app.js").exists():
        pytest.fail("the front end is not built: run `make build` (make test does it)")
    data = tmp_path_factory.mktemp("data")
    log = data / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "concviz.cli", "serve", "--port", "0", "--data-dir", str(data)],
                                stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    url = None
    deadline = time.monotonic() + 20
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        match = re.search(r"serving on (http://127\.0\.0\.1:\d+)/", log.read_text())
        if match:
            url = match.group(1)
        else:
            time.sleep(0.05)  # waiting for the server's own log line
    if url is None:
        proc.kill()
        proc.wait()
        pytest.fail(f"the server did not start; its log:\n{log.read_text()}")
    try:
        assert httpx.get(f"{url}/api/health").json()["ok"]
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture
def screenshot(page: Page) -> Callable[[str], Path]:
    """Save the page as artifacts/e2e/NAME.png (kept for people to look at)."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return take
