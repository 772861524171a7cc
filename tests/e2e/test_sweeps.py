"""Sweeps and Compare in a real Chromium against a real server: start a small sweep of the race
from the page, watch its progress, see a histogram per value, open a run from a bar; then two of
its runs side by side with one playhead."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from .pages import TIMEOUT_MS, Shot

pytestmark = pytest.mark.e2e


def test_sweep_from_the_page_shows_histograms_and_opens_a_run(page: Page, server: str, screenshot: Shot) -> None:
    page.goto(f"{server}/?sweep=")
    page.locator("#sweep-scenario").select_option("race")
    page.locator("#sweep-param-0").select_option("threads")
    page.locator("#sweep-values-0").fill("2,3")
    page.locator("#sweep-repeat").fill("2")
    screenshot("sweep-form")
    page.locator("#sweep-start").click()
    expect(page).to_have_url(re.compile(r"\?sweep=[0-9a-zA-Z_-]+$"), timeout=TIMEOUT_MS)
    progress = page.get_by_role("progressbar", name="Sweep progress")
    expect(progress).to_have_attribute("aria-valuemax", "4")
    expect(page.locator(".progress-text")).to_contain_text("4 / 4 runs · done", timeout=TIMEOUT_MS)
    expect(progress).to_have_attribute("aria-valuenow", "4")
    cards = page.locator(".sweep-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("threads = 2")
    expect(cards.nth(1)).to_contain_text("threads = 3")
    bars = cards.nth(0).locator("rect.bar:not(.empty)")
    expect(bars.first).to_be_visible()
    counts = [int(bars.nth(i).get_attribute("data-count") or 0) for i in range(bars.count())]
    assert sum(counts) == 2, counts  # two repeats of threads = 2, each in exactly one bar
    expect(page.locator("svg.sweep-curve polyline.median")).to_have_count(1)
    screenshot("sweep-done")

    sweep_id = page.url.rsplit("=", 1)[1]
    page.reload()  # the address alone brings the sweep back
    expect(page.locator(".sweep-card")).to_have_count(2, timeout=TIMEOUT_MS)

    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server}/?sweep={sweep_id}&presenter=1")  # a projector: nothing under 18 px
    expect(page.locator("html")).to_have_class(re.compile(r"\bpresenter\b"))
    expect(page.locator(".sweep-card")).to_have_count(2, timeout=TIMEOUT_MS)
    assert page.locator(".hint").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 18
    screenshot("sweep-presenter")

    page.locator(".sweep-card").nth(1).locator("rect.bar:not(.empty)").first.click()
    expect(page).to_have_url(re.compile(r"/runs/[0-9a-zA-Z_-]+$"), timeout=TIMEOUT_MS)
    run_id = page.url.rsplit("/", 1)[1]
    runs = httpx.get(f"{server}/api/sweeps/{sweep_id}").json()["runs"]
    opened = next(r for r in runs if r["run_id"] == run_id)
    assert opened["params"]["threads"] == 3
    expect(page.locator("canvas.timeline-canvas")).to_be_visible(timeout=TIMEOUT_MS)
    compare_link = page.locator("a.compare-with")
    expect(compare_link).to_be_visible(timeout=TIMEOUT_MS)
    assert compare_link.get_attribute("href") == f"/?compare=1&a={run_id}&b="


def test_compare_view_scrubs_both_runs_together(page: Page, server: str, screenshot: Shot) -> None:
    made = httpx.post(f"{server}/api/sweeps", json={"scenario": "race", "params": {"threads": [2, 4]}, "repeat": 1},
                      timeout=30)
    assert made.status_code == 201, made.text
    sweep_id = made.json()["id"]
    sweep = made.json()
    for _ in range(600):
        sweep = httpx.get(f"{server}/api/sweeps/{sweep_id}").json()
        if sweep["state"] not in ("queued", "running"):
            break
        page.wait_for_timeout(100)  # polling the server, as the page itself does
    assert sweep["state"] == "done", sweep["state"]
    a, b = (r["run_id"] for r in sweep["runs"])
    page.goto(f"{server}/?compare=1&a={a}&b={b}")
    timelines = page.locator("svg.compare-timeline")
    expect(timelines).to_have_count(2, timeout=TIMEOUT_MS)
    expect(page.locator("table.compare-diff tr.differs").first).to_contain_text("threads")
    heads = page.locator("svg.compare-timeline line.playhead")

    def playheads() -> list[float]:
        return [float(heads.nth(i).get_attribute("x1") or "nan") for i in range(2)]

    at_end = playheads()
    box = timelines.nth(0).bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    scrubbed = playheads()
    assert scrubbed[0] == pytest.approx(scrubbed[1])  # B followed A
    assert scrubbed[0] < at_end[0]
    t_a = heads.nth(0).get_attribute("data-t")
    assert t_a == heads.nth(1).get_attribute("data-t")
    screenshot("compare")
    # and the other way round: the shared slider moves both
    page.locator("#compare-scrub").fill("100")
    moved = playheads()
    assert moved[0] == pytest.approx(moved[1]) and moved[0] < scrubbed[0]
