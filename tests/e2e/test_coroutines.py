"""In a real Chromium: coroutines as lanes inside their thread, switches, and what they wait for."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

Shot = Callable[[str], Path]

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 60_000


def run_from_page(page: Page, server: str, scenario: str, **params: float) -> None:
    page.goto(server)
    page.locator(f"[data-name={scenario}]").click()
    for name, value in params.items():
        page.locator(f"#param-{name}").fill(str(value))
    page.get_by_role("button", name=re.compile("Run")).click()
    expect(page).to_have_url(re.compile(r"/runs/[0-9a-f]+"), timeout=TIMEOUT_MS)


def tooltips_down_the_timeline(page: Page, x_share: float) -> list[str]:
    canvas = page.locator("canvas.timeline-canvas")
    box = canvas.bounding_box()
    assert box is not None
    seen: list[str] = []
    tip = page.get_by_role("tooltip")
    for y in range(int(box["y"]) + 32, int(box["y"] + box["height"]) - 4, 5):
        page.mouse.move(box["x"] + box["width"] * x_share, y)
        if tip.is_visible():
            seen.append(tip.inner_text())
    return seen


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
