"""In a real Chromium: the queue panel and the I/O panel follow the playhead."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .pages import TIMEOUT_MS, Shot, run_from_page

pytestmark = pytest.mark.e2e

# Resolves after two animation frames: the app updates its panels in the first frame after an input.
NEXT_FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"




def scrub_to(page: Page, step: int) -> None:
    page.locator("input.scrub").evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", str(step))
    page.evaluate(NEXT_FRAMES)


def projector(page: Page, screenshot: Shot, name: str) -> None:
    """The same view on a 1280×720 projector."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.evaluate(NEXT_FRAMES)
    screenshot(name)


def scrub_steps(page: Page) -> int:
    return int(page.locator("input.scrub").get_attribute("max") or "1000")


def test_queue_join_items_and_unfinished_tasks_follow_the_playhead(page: Page, server: str, screenshot: Shot) -> None:
    run_from_page(page, server, "queue_join")
    expect(page.locator("section.banner")).to_contain_text("3 items put, 3 got, 3 task_done()", timeout=TIMEOUT_MS)
    card = page.locator(".objects .obj.queue[data-queue=tasks]")
    expect(card).to_be_visible()
    # At the end every task is done and the queue is empty.
    expect(card.get_by_test_id("queue-size")).to_have_text("0 / ∞ items")
    expect(card.get_by_test_id("queue-unfinished")).to_have_text("0 unfinished")

    steps = scrub_steps(page)
    sizes: set[str] = set()
    unfinished: set[str] = set()
    busiest = -1
    for i in range(0, steps + 1, max(1, steps // 200)):
        scrub_to(page, i)
        if card.count() == 0:
            continue
        size = card.get_by_test_id("queue-size").inner_text()
        sizes.add(size)
        unfinished.add(card.get_by_test_id("queue-unfinished").inner_text())
        if size.startswith("2 ") and busiest < 0:
            busiest = i
    assert {"2 / ∞ items", "0 / ∞ items"} <= sizes, sizes
    assert {"3 unfinished", "2 unfinished", "1 unfinished", "0 unfinished"} <= unfinished, unfinished

    # While two items wait, both are drawn as boxes, next out first, and the boss waits in join().
    scrub_to(page, busiest)
    expect(card.locator(".qitem")).to_have_count(2)
    expect(card.locator(".qitem .qitem-repr").first).to_have_text("'task 1'")
    expect(card.locator(".qitem .qitem-by").first).to_have_text("boss")
    screenshot("queue-join")
    projector(page, screenshot, "queue-join-1280")


def test_select_loop_shows_sockets_and_one_row_per_select_call(page: Page, server: str, screenshot: Shot) -> None:
    run_from_page(page, server, "select_loop")
    banner = page.locator("section.banner")
    expect(banner).to_contain_text(re.compile(r"served 3 clients with \d+ select\(\) calls"), timeout=TIMEOUT_MS)
    io = page.locator("section.io-panel")
    expect(io).to_be_visible()
    # A run with only sockets has no synchronisation objects: that panel gives way.
    expect(page.locator("section.objects-panel")).to_be_hidden()
    calls = int(re.search(r"with (\d+) select", banner.inner_text()).group(1))  # type: ignore[union-attr]

    rows = io.locator(".io-matrix tbody tr")
    expect(rows).to_have_count(min(calls, 20))
    expect(io.locator(".io-matrix td.cell.ready").first).to_be_visible()
    expect(io.locator("tr.sock[data-socket^=listener] .badge")).to_have_text("closed")
    expect(io.locator("tr.sock.closed")).to_have_count(7)

    # Back in time: fewer rows, and the playhead sits inside a call that is still waiting.
    steps = scrub_steps(page)
    seen_waiting = False
    for i in range(0, steps + 1, max(1, steps // 200)):
        scrub_to(page, i)
        n = rows.count()
        if 3 < n < calls and io.locator(".io-matrix tr.current").count() == 1:
            expect(io.locator(".io-matrix tr.current td.result")).to_have_text("waiting…")
            seen_waiting = True
            break
    assert seen_waiting, "no playhead position inside a select() call"
    expect(io.locator("tr.sock[data-socket^=listener] .badge").first).to_have_text("listening")
    screenshot("select-loop")
    projector(page, screenshot, "select-loop-1280")
