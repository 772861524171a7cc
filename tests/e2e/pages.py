"""What the end-to-end tests do with the page: run a scenario from it, read
the timeline's tooltips."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

Shot = Callable[[str], Path]
TIMEOUT_MS = 60_000


def run_from_page(page: Page, server: str, scenario: str, **params: float) -> None:
    """Open the page, pick the scenario, set its parameters, press Run; return once the run's page is open."""
    page.goto(server)
    page.locator(f"[data-name={scenario}]").click()
    for name, value in params.items():
        page.locator(f"#param-{name}").fill(str(value))
    page.get_by_role("button", name=re.compile("Run")).click()
    expect(page).to_have_url(re.compile(r"/runs/[0-9a-f]+"), timeout=TIMEOUT_MS)


def tooltips_down_the_timeline(page: Page, x_share: float) -> list[str]:
    """Hover from the top of the timeline to its bottom at one x; the tooltip texts seen."""
    canvas = page.locator("canvas.timeline-canvas")
    box = canvas.bounding_box()
    assert box is not None
    seen: list[str] = []
    tip = page.get_by_role("tooltip")
    for y in range(int(box["y"]) + 32, int(box["y"] + box["height"]) - 4, 5):
        page.mouse.move(box["x"] + box["width"] * x_share, y)
        # The page handles the move and draws its tooltip in the next frame: wait for it (a loaded machine lags).
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        if tip.is_visible():
            seen.append(tip.inner_text())
    return seen
