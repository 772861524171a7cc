"""The offline HTML export in a real Chromium: opened from file:// with the network blocked,
it draws the run's lanes, explains it and plays it, and asks the network for nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from .conftest import ARTIFACTS
from .pages import TIMEOUT_MS, run_from_page

pytestmark = pytest.mark.e2e

# How many different colours the timeline's canvas holds: a blank canvas has one or two.
DRAWN_COLOURS = """() => {
  const c = document.querySelector('canvas.timeline-canvas');
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < data.length; i += 4 * 7) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
  return seen.size;
}"""


@pytest.fixture(scope="module")
def race_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 100-thread race, recorded and exported by the real command line."""
    tmp = tmp_path_factory.mktemp("export")
    cli = [sys.executable, "-m", "concviz.cli"]
    subprocess.run([*cli, "run", "-q", "-o", str(tmp / "race.jsonl"), "race"], check=True, timeout=120,
                   capture_output=True)
    done = subprocess.run([*cli, "export", str(tmp / "race.jsonl"), "--html", str(tmp / "race.html")], timeout=120,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return tmp / "race.html"


def open_offline(browser: Browser, path: Path) -> tuple[Page, list[str], list[str]]:
    """The page at file://path in a context with no network; every request and console complaint it made."""
    context = browser.new_context(viewport={"width": 1600, "height": 900}, offline=True)
    requests: list[str] = []
    complaints: list[str] = []
    context.on("request", lambda r: requests.append(r.url))

    def refuse(route: Route, request: Request) -> None:
        route.abort() if request.url != path.as_uri() else route.continue_()

    context.route("**/*", refuse)
    page = context.new_page()
    page.on("console", lambda m: complaints.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: complaints.append(str(e)))
    page.goto(path.as_uri())
    return page, requests, complaints


def test_the_exported_race_opens_offline_draws_its_lanes_and_plays(browser: Browser, race_page: Path) -> None:
    assert race_page.stat().st_size < 2_000_000 / 4
    page, requests, complaints = open_offline(browser, race_page)
    canvas = page.locator("canvas.timeline-canvas")
    expect(canvas).to_have_attribute("data-lanes", "101", timeout=TIMEOUT_MS)
    expect(page.locator("section.banner")).to_contain_text("updates lost")
    expect(page.locator(".run-title")).to_contain_text("Race condition")
    expect(page.locator(".source-panel")).to_contain_text("race.py")
    expect(page.locator("a.sweeps-link")).to_be_hidden()  # sweeps need the server
    assert page.evaluate(DRAWN_COLOURS) > 5, "the lanes are drawn"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "export-offline-race.png"))
    scrub = page.locator("input.scrub")
    page.keyboard.press("Home")
    expect(scrub).to_have_value("0")
    page.keyboard.press(" ")
    expect(scrub).not_to_have_value("0", timeout=10_000)
    assert requests == [race_page.as_uri()], f"requests beyond the file itself: {requests}"
    assert not complaints, f"the page complained: {complaints}"
    page.context.close()


def test_the_run_page_exports_a_page_that_opens_offline(
        page: Page, server: str, browser: Browser, tmp_path: Path) -> None:
    run_from_page(page, server, "semaphore", threads=4, work=0.01)
    expect(page.locator("section.banner")).to_contain_text("Finished", timeout=TIMEOUT_MS)
    expect(page.get_by_role("link", name="Export Perfetto")).to_have_attribute(
        "href", re.compile(r"/api/runs/[0-9a-f]+/export\?format=chrome"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Export HTML").click()
    saved = tmp_path / download.value.suggested_filename
    assert re.fullmatch(r"semaphore-[0-9a-f]+\.html", saved.name)
    download.value.save_as(saved)
    offline, requests, complaints = open_offline(browser, saved)
    expect(offline.locator("canvas.timeline-canvas")).to_have_attribute("data-lanes", "5", timeout=TIMEOUT_MS)
    expect(offline.locator(".objects .badge.permits").first).to_be_visible()
    assert requests == [saved.as_uri()] and not complaints, (requests, complaints)
    offline.context.close()


def test_the_exported_page_steps_through_its_tour_offline(browser: Browser, race_page: Path) -> None:
    """The race's tour travels in the page: → / ← step it in presenter mode from file://."""
    page, requests, complaints = open_offline(browser, race_page)
    page.set_viewport_size({"width": 1280, "height": 720})
    bar = page.locator(".tour-bar")
    expect(bar).to_contain_text("How a race loses updates", timeout=TIMEOUT_MS)
    page.keyboard.press("p")
    page.keyboard.press("ArrowRight")
    expect(bar.locator(".tour-count")).to_have_text(re.compile(r"^1 / \d+$"))
    first = bar.locator(".tour-note").inner_text()
    page.keyboard.press("ArrowRight")
    expect(bar.locator(".tour-count")).to_have_text(re.compile(r"^2 / \d+$"))
    assert bar.locator(".tour-note").inner_text() != first
    page.keyboard.press("ArrowLeft")
    expect(bar.locator(".tour-count")).to_have_text(re.compile(r"^1 / \d+$"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "export-offline-race-tour.png"))
    assert requests == [race_page.as_uri()], f"requests beyond the file itself: {requests}"
    assert not complaints, f"the page complained: {complaints}"
    page.context.close()
