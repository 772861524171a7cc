"""In a real Chromium: coroutines as lanes inside their thread, switches, and what they wait for."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .pages import TIMEOUT_MS, Shot, run_from_page, tooltips_down_the_timeline

pytestmark = pytest.mark.e2e


def test_greenlets_are_lanes_of_their_thread(page: Page, server: str, screenshot: Shot) -> None:
    run_from_page(page, server, "greenlet_switch")
    expect(page.locator("section.banner")).to_contain_text("Finished", timeout=TIMEOUT_MS)
    expect(page.locator("header")).to_contain_text("3 coroutines")
    screenshot("greenlet_switch")


def test_an_asyncio_task_says_what_it_waits_for(page: Page, server: str, screenshot: Shot) -> None:
    run_from_page(page, server, "asyncio_gather", delay=1)  # the tasks' waits fill most of the run
    expect(page.locator("section.banner")).to_contain_text("Finished", timeout=TIMEOUT_MS)
    expect(page.locator("header")).to_contain_text(re.compile(r"\d+ coroutines"))
    page.keyboard.press("f")  # fit the whole run
    texts = "\n".join(tooltips_down_the_timeline(page, 0.6))
    assert "waiting for task download-2" in texts, texts
    assert "suspended" in texts
    screenshot("asyncio_gather")


def test_asyncio_tasks_hold_locks_and_deadlock(page: Page, server: str, screenshot: Shot) -> None:
    run_from_page(page, server, "asyncio_lock", deadlock=1)
    banner = page.locator("section.banner")
    expect(banner).to_contain_text("Deadlock: 2 tasks", timeout=TIMEOUT_MS)
    # The cycle is between the two tasks (the actor rule), not MainThread twice.
    steps = banner.locator(".cycle .cycle-thread")
    expect(steps).to_have_count(2)
    assert sorted(steps.all_inner_texts()) == ["transfer-ab", "transfer-ba"]
    # At the end, the objects panel names a task as lock_a's holder and the other as its waiter.
    card = page.locator(".objects .obj").filter(has=page.locator(".obj-name", has_text=re.compile(r"^lock_a$")))
    expect(card.locator(".chip.holder")).to_have_text("transfer-ab")
    expect(card.locator(".chip.waiter")).to_have_text("transfer-ba")
    assert "MainThread" not in card.inner_text()
    # A task blocked on a lock says on what and who holds it.
    page.keyboard.press("f")  # fit the whole run: the two waits last to its end
    texts = "\n".join(t for x in (0.9, 0.95, 0.98) for t in tooltips_down_the_timeline(page, x))
    assert "waiting for lock_b (held by transfer-ba)" in texts, texts
    page.mouse.move(0, 0)
    screenshot("asyncio_lock")


def test_a_greenlet_that_blocks_the_hub_says_so(page: Page, server: str, screenshot: Shot) -> None:
    run_from_page(page, server, "gevent_blocking", work=0.4, steps=1)
    expect(page.locator("section.banner")).to_contain_text("Finished", timeout=TIMEOUT_MS)
    page.keyboard.press("f")
    expected = "without switching away: the hub and every other coroutine of this thread waited"
    # Where the hog's 0.4 s falls in the run depends on how long the start took: look across it.
    seen = []
    for x in (0.25, 0.4, 0.55, 0.7, 0.85):
        seen += tooltips_down_the_timeline(page, x)
        if any(expected in text for text in seen):
            break
    assert any(expected in text for text in seen), "\n".join(seen)
    page.mouse.move(0, 0)
    screenshot("gevent_blocking")

