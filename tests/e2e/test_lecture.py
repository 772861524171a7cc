"""The lecture kit in a real Chromium: embeds in frames of allowed and other origins,
presenter mode's text sizes at 1280×720, guided tours stepped with the keyboard,
stops added in the page, the embed code."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Frame, Page, expect

from .conftest import ARTIFACTS, ROOT
from .pages import TIMEOUT_MS

pytestmark = pytest.mark.e2e

PRESENTER_VIEWPORT = {"width": 1280, "height": 720}


# --- two slide-deck sites and a concviz that lets one of them embed it -----------------------------------


class _Deck(BaseHTTPRequestHandler):
    """GET /deck?src=URL: a page that shows URL in an iframe, as a slide would."""

    def do_GET(self) -> None:
        src = parse_qs(urlsplit(self.path).query).get("src", [""])[0]
        body = (f'<!doctype html><title>slides</title><h1>Slide 3</h1>'
                f'<iframe id="embed" src="{html.escape(src)}" width="1100" height="560"></iframe>').encode()
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def decks() -> Iterator[dict[str, str]]:
    """Origins of two deck sites on this machine: ``allowed`` (given to --embed-origin) and ``other``."""
    servers = {name: ThreadingHTTPServer(("127.0.0.1", 0), _Deck) for name in ("allowed", "other")}
    for s in servers.values():
        threading.Thread(target=s.serve_forever, daemon=True).start()
    yield {name: f"http://localhost:{s.server_address[1]}" for name, s in servers.items()}
    for s in servers.values():
        s.shutdown()
        s.server_close()


@pytest.fixture(scope="module")
def concviz(decks: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (ROOT / "backend" / "concviz" / "static" / "dist" / "app.js").exists():
        pytest.fail("the front end is not built: run `make build` (make test does it)")
    data = tmp_path_factory.mktemp("lecture-data")
    log = data / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "concviz.cli", "serve", "--port", "0", "--data-dir", str(data),
             "--embed-origin", decks["allowed"]],
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
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def stored_run(server: str, scenario: str, **params: float) -> str:
    """A finished run of ``scenario``, started over the API (no Origin: a script, not a page)."""
    response = httpx.post(f"{server}/api/runs", json={"scenario": scenario, "params": params}, timeout=10)
    assert response.status_code == 201, response.text
    run_id: str = response.json()["id"]
    deadline = time.monotonic() + 60
    while httpx.get(f"{server}/api/runs/{run_id}", timeout=10).json()["status"] in ("pending", "running"):
        assert time.monotonic() < deadline, f"run {run_id} did not end"
        time.sleep(0.05)  # polling the server for the end of a real run
    return run_id


@pytest.fixture(scope="module")
def runs(concviz: str) -> dict[str, str]:
    return {name: stored_run(concviz, name) for name in ("race", "deadlock")}


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """``open_page(width=, height=)``: a page in a fresh context; page errors fail the test."""
    contexts = []
    errors: list[str] = []

    def make(width: int = 1600, height: int = 900) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        pg = context.new_page()
        pg.on("pageerror", lambda e: errors.append(str(e)))
        return pg

    yield make
    for c in contexts:
        c.close()
    assert not errors, f"errors in the page: {errors}"


def deck_url(deck: str, src: str) -> str:
    return f"{deck}/deck?src={quote(src, safe='')}"


def embedded_frame(page: Page) -> Frame:
    handle = page.locator("#embed").element_handle()
    frame = handle.content_frame() if handle is not None else None
    assert frame is not None
    return frame


# --- embeds ------------------------------------------------------------------------------------------------


def test_a_page_of_an_allowed_origin_embeds_a_run_and_its_lanes_draw(
        open_page: Callable[..., Page], concviz: str, decks: dict[str, str], runs: dict[str, str]) -> None:
    page = open_page()
    page.goto(deck_url(decks["allowed"], f"{concviz}/embed/runs/{runs['race']}?panels=banner,controls"))
    frame = page.frame_locator("#embed")
    canvas = frame.locator("canvas.timeline-canvas")
    expect(canvas).to_have_attribute("data-lanes", "101", timeout=TIMEOUT_MS)
    expect(frame.locator("section.banner")).to_contain_text("updates lost")
    # An embed is minimal: no scenario list, no other runs, no panels it was not asked for.
    expect(frame.locator(".sidebar")).to_be_hidden()
    expect(frame.locator(".source-panel")).to_be_hidden()
    expect(frame.locator("a.open-full")).to_have_attribute("href", f"/runs/{runs['race']}")
    page.screenshot(path=str(shot("embed-allowed-origin")))


def test_a_page_of_another_origin_is_refused_by_the_browser(
        open_page: Callable[..., Page], concviz: str, decks: dict[str, str], runs: dict[str, str]) -> None:
    page = open_page()
    refusals: list[str] = []
    page.on("console", lambda m: refusals.append(m.text) if "frame-ancestors" in m.text else None)
    page.goto(deck_url(decks["other"], f"{concviz}/embed/runs/{runs['race']}"))
    expect(page.locator("h1")).to_have_text("Slide 3")
    frame = embedded_frame(page)
    deadline = time.monotonic() + 10
    while not refusals and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # the browser reports the refusal on the console
    assert refusals, "the browser did not report a frame-ancestors refusal"
    assert frame.locator("canvas.timeline-canvas").count() == 0
    # The full app is never framed, even by the allowed origin.
    page.goto(deck_url(decks["allowed"], f"{concviz}/runs/{runs['race']}"))
    expect(page.locator("h1")).to_have_text("Slide 3")
    page.wait_for_timeout(1000)  # give a (wrongly) allowed frame time to draw
    assert embedded_frame(page).locator("canvas.timeline-canvas").count() == 0


def test_a_scenario_embed_starts_its_own_run_inside_the_frame(
        open_page: Callable[..., Page], concviz: str, decks: dict[str, str]) -> None:
    before = {r["id"] for r in httpx.get(f"{concviz}/api/runs", timeout=10).json()}
    page = open_page()
    page.goto(deck_url(decks["allowed"], f"{concviz}/embed/?scenario=event&threads=2&delay=0.05&presenter=1"))
    frame = page.frame_locator("#embed")
    expect(frame.locator(".status")).to_have_text("finished", timeout=TIMEOUT_MS)
    expect(frame.locator("canvas.timeline-canvas")).to_have_attribute("data-lanes", "3")
    started = [r for r in httpx.get(f"{concviz}/api/runs", timeout=10).json() if r["id"] not in before]
    assert [(r["scenario"], r["params"]["threads"]) for r in started] == [("event", 2)]
    # The same address opened directly (not in a slide) waits for a click instead of starting a run.
    direct = open_page()
    direct.goto(f"{concviz}/embed/?scenario=event&threads=2")
    expect(direct.get_by_role("button", name="Run event")).to_be_visible()
    assert len(httpx.get(f"{concviz}/api/runs", timeout=10).json()) == len(before) + 1


def test_copy_embed_code_gives_the_iframe_snippet(
        open_page: Callable[..., Page], concviz: str, decks: dict[str, str], runs: dict[str, str]) -> None:
    page = open_page()
    page.goto(f"{concviz}/runs/{runs['deadlock']}")
    page.get_by_role("button", name="Embed").click()
    dialog = page.locator("dialog.embed-dialog")
    expect(dialog).to_be_visible()
    code = dialog.locator("textarea.embed-code")
    expect(code).to_have_value(re.compile(
        rf'^<iframe src="{re.escape(concviz)}/embed/runs/{runs["deadlock"]}\?panels=banner,controls,legend,tour" '
        r'width="960" height="540" title="concviz: Deadlock[^"]*" style="border:0" loading="lazy"></iframe>$'))
    dialog.get_by_label("presenter mode").check()
    dialog.get_by_label("a new run of the scenario each time the slide shows").check()
    expect(code).to_have_value(re.compile(r'/embed/\?scenario=deadlock&amp;hold=0\.001&amp;threads=10&amp;'
                                          r'panels=banner,controls,legend,tour&amp;presenter=1"'))
    expect(dialog.locator(".embed-origins")).to_contain_text(decks["allowed"])
    dialog.get_by_role("button", name="Copy").click()
    expect(dialog.locator(".embed-status")).not_to_be_empty()


# --- presenter mode ------------------------------------------------------------------------------------------

_SMALL_TEXT = """() => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
    if (n.textContent.trim() === '') continue;
    const el = n.parentElement;
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    const visible = r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && el.closest('[hidden]') === null
      && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
    const text = n.textContent.trim().slice(0, 40);
    if (visible && parseFloat(cs.fontSize) < 18) small.push(`${el.tagName}.${el.className}: ${cs.fontSize} "${text}"`);
  }
  return small;
}"""

_CANVAS_FONTS = """() => {
  const c = document.querySelector('canvas.timeline-canvas');
  const ctx = c.getContext('2d');
  const fonts = new Set();
  const original = ctx.fillText;
  ctx.fillText = function (...args) { fonts.add(ctx.font); return original.apply(this, args); };
  window.concviz.timeline.draw();
  ctx.fillText = original;
  return [...fonts];
}"""


def shot(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_presenter_mode_shows_no_text_under_18px_at_1280x720(
        open_page: Callable[..., Page], concviz: str, runs: dict[str, str], theme: str) -> None:
    page = open_page(**PRESENTER_VIEWPORT)
    page.goto(f"{concviz}/runs/{runs['race']}?presenter=1&theme={theme}")
    expect(page.locator("canvas.timeline-canvas")).to_have_attribute("data-lanes", "101", timeout=TIMEOUT_MS)
    expect(page.locator("section.banner")).to_contain_text("updates lost")
    assert page.evaluate("document.documentElement.classList.contains('presenter')")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".tour-count")).to_have_text("2 / 5")
    assert page.evaluate(_SMALL_TEXT) == []
    fonts = page.evaluate(_CANVAS_FONTS)
    sizes = sorted({int(m) for f in fonts for m in re.findall(r"(\d+)px", f)})
    assert sizes and sizes[0] >= 18, f"canvas text sizes {sizes}"
    path = shot(f"presenter-race-{theme}")
    page.screenshot(path=str(path))
    shutil.copy(path, f"/tmp/presenter-race-{theme}.png")
    # The bottom panels fold away in presenter mode (B brings them back, still no small text).
    page.keyboard.press("b")
    expect(page.locator(".objects-panel")).to_be_visible()
    assert page.evaluate(_SMALL_TEXT) == []


def test_p_switches_presenter_mode_and_every_control_is_on_the_keyboard(
        open_page: Callable[..., Page], concviz: str, runs: dict[str, str]) -> None:
    page = open_page(**PRESENTER_VIEWPORT)
    page.goto(f"{concviz}/runs/{runs['deadlock']}")
    expect(page.locator("canvas.timeline-canvas")).to_have_attribute("data-lanes", "11", timeout=TIMEOUT_MS)
    page.keyboard.press("p")
    assert page.evaluate("document.documentElement.classList.contains('presenter')")
    expect(page).to_have_url(re.compile(r"presenter=1"))
    unreachable = page.evaluate("""() => [
      ...document.querySelectorAll('button, input, select, textarea, a[href], canvas')]
      .filter((el) => el.getBoundingClientRect().width > 0 && el.closest('[hidden], dialog:not([open])') === null)
      .filter((el) => el.tabIndex < 0).map((el) => el.outerHTML.slice(0, 80))""")
    assert unreachable == []
    # The lane cursor: focus the timeline, ↓ moves it, Enter follows that thread.
    page.locator("canvas.timeline-canvas").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.evaluate("window.concviz.followedActor") == 1
    page.keyboard.press("p")
    assert not page.evaluate("document.documentElement.classList.contains('presenter')")


# --- tours ----------------------------------------------------------------------------------------------------


def test_a_tour_steps_with_the_arrow_keys_in_presenter_mode(
        open_page: Callable[..., Page], concviz: str, runs: dict[str, str]) -> None:
    page = open_page(**PRESENTER_VIEWPORT)
    page.goto(f"{concviz}/runs/{runs['deadlock']}?presenter=1")
    bar = page.locator(".tour-bar")
    expect(bar).to_contain_text("Two locks, opposite orders", timeout=TIMEOUT_MS)
    expect(page.locator("section.banner")).to_contain_text("Deadlock")
    time_text = page.locator(".controls .time")
    page.keyboard.press("ArrowRight")
    expect(bar.locator(".tour-count")).to_have_text("1 / 5")
    page.keyboard.press("ArrowRight")
    expect(bar.locator(".tour-count")).to_have_text("2 / 5")
    expect(bar.locator(".tour-note")).to_contain_text(re.compile(r"Thread-\d+ takes LockA in func1"))
    at_stop_2 = time_text.inner_text()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(bar.locator(".tour-count")).to_have_text("4 / 5")
    expect(bar.locator(".tour-note")).to_contain_text(re.compile(r"Thread-\d+ holds LockA .* which Thread-\d+ holds"))
    assert time_text.inner_text() != at_stop_2, "the playhead did not move to the stop"
    assert len(page.evaluate("[...window.concviz.timeline.laneMarks]")) == 2
    expect(page).to_have_url(re.compile(r"stop=4"))
    page.screenshot(path=str(shot("tour-deadlock-stop-4")))
    page.keyboard.press("ArrowLeft")
    expect(bar.locator(".tour-count")).to_have_text("3 / 5")
    page.keyboard.press("PageDown")
    page.keyboard.press("PageDown")
    page.keyboard.press("PageDown")
    expect(bar.locator(".tour-count")).to_have_text("5 / 5")
    page.keyboard.press("Escape")
    expect(bar.locator(".tour-start")).to_be_visible()
    # A link to a stop opens there.
    page.goto(f"{concviz}/runs/{runs['deadlock']}?presenter=1&stop=3")
    expect(bar.locator(".tour-count")).to_have_text("3 / 5", timeout=TIMEOUT_MS)


def test_a_stop_added_in_the_page_is_saved_with_the_run_and_shown_in_its_embed(
        open_page: Callable[..., Page], concviz: str, decks: dict[str, str]) -> None:
    run_id = stored_run(concviz, "join")
    page = open_page()
    page.goto(f"{concviz}/runs/{run_id}")
    lanes = page.locator("canvas.timeline-canvas")
    expect(lanes).to_have_attribute("data-lanes", re.compile(r"\d"), timeout=TIMEOUT_MS)
    expect(page.locator(".topbar .status")).to_have_text("finished")
    page.keyboard.press("t")
    editor = page.locator("aside.tour-editor")
    expect(editor).to_be_visible()
    editor.get_by_label("Note for the new stop").fill("Main waits here for the worker to end.")
    editor.get_by_role("button", name="Add stop").click()
    expect(editor.locator(".tour-status")).to_have_text("Saved with the run.")
    expect(page.locator(".tour-count")).to_have_text("1 / 1")
    record = httpx.get(f"{concviz}/api/runs/{run_id}", timeout=10).json()
    assert record["tour_source"] == "run"
    (saved,) = record["tour"]["stops"]
    assert saved["note"] == "Main waits here for the worker to end." and "t" in saved["at"] and saved["window"] > 0
    embed = open_page()
    embed.goto(deck_url(decks["allowed"], f"{concviz}/embed/runs/{run_id}?stop=1"))
    frame = embed.frame_locator("#embed")
    expect(frame.locator(".tour-note")).to_have_text("Main waits here for the worker to end.", timeout=TIMEOUT_MS)


def test_follow_highlights_the_named_lanes_and_keeps_the_others(
        open_page: Callable[..., Page], concviz: str, runs: dict[str, str]) -> None:
    """`follow=` highlights the lanes it names (a lecturer still sees the rest, for contrast) and follows the first."""
    page = open_page(width=1280, height=720)
    page.goto(f"{concviz}/embed/runs/{runs['deadlock']}?follow=Thread-1,Thread-2")
    canvas = page.locator("canvas.timeline-canvas")
    expect(canvas).to_have_attribute("data-highlighted", "2", timeout=TIMEOUT_MS)
    assert int(canvas.get_attribute("data-lanes") or 0) > 2, "the other lanes stay on the timeline"
