"""In a real Chromium against a real server: run scenarios from the page and watch them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .pages import TIMEOUT_MS, Shot, run_from_page

pytestmark = pytest.mark.e2e




def test_race_shows_101_lanes_and_the_lost_updates(page: Page, server: str, screenshot: Shot) -> None:
    run_from_page(page, server, "race")
    banner = page.locator("section.banner")
    expect(banner).to_contain_text("updates lost", timeout=TIMEOUT_MS)
    expect(page.locator("canvas.timeline-canvas")).to_have_attribute("data-lanes", "101")
    lost = page.locator("section.banner .lost-chips button")
    assert lost.count() >= 1
    lost.first.click()
    expect(page.locator(".lost-explain")).to_contain_text("read num")
    screenshot("race")
    page.keyboard.press("a")
    expect(page.get_by_role("button", name="All lanes")).to_have_attribute("aria-pressed", "true")
    screenshot("race-all-lanes")


def test_deadlock_draws_the_cycle(page: Page, server: str, screenshot: Shot) -> None:
    run_from_page(page, server, "deadlock")
    cycle = page.locator(".cycle")
    expect(cycle).to_be_visible(timeout=TIMEOUT_MS)
    expect(cycle.locator(".cycle-thread")).to_have_count(2)
    locks = cycle.locator(".cycle-lock")
    expect(locks).to_have_count(2)
    assert sorted(locks.all_inner_texts()) == ["LockA", "LockB"]
    expect(page.locator("header span.status, span.status").first).to_have_text(re.compile("deadlocked", re.I))
    screenshot("deadlock")


def test_scrubbing_the_replay_changes_the_object_panel(page: Page, server: str, screenshot: Shot) -> None:
    run_from_page(page, server, "semaphore", work=0.05)
    permits = page.locator(".objects .badge.permits").first
    expect(page.locator("section.banner")).to_contain_text("Finished", timeout=TIMEOUT_MS)
    expect(permits).to_have_text("0 / 5 permits used")
    scrub = page.locator("input.scrub")
    steps = int(scrub.get_attribute("max") or "1000")
    seen = set()
    for i in range(0, steps + 1, max(1, steps // 100)):
        scrub.evaluate("(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", str(i))
        seen.add(page.evaluate("document.querySelector('.objects .badge.permits')?.textContent ?? 'none yet'"))
        if "5 / 5 permits used" in seen and len(seen) > 2:
            break
    assert "5 / 5 permits used" in seen, seen
    screenshot("semaphore-scrubbed")
