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
