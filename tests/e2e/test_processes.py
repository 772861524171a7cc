"""In a real Chromium: a multi-process run, its process groups, CPU strips and cross-process links."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .pages import TIMEOUT_MS, Shot, run_from_page, tooltips_down_the_timeline

pytestmark = pytest.mark.e2e






def test_a_queue_between_processes_shows_process_groups_cpu_and_the_link(
        page: Page, server: str, screenshot: Shot) -> None:
    run_from_page(page, server, "mp_queue")
    banner = page.locator("section.banner")
    expect(banner).to_contain_text("Finished", timeout=TIMEOUT_MS)
    expect(banner.get_by_label("Processes")).to_contain_text("2 processes")
    canvas = page.locator("canvas.timeline-canvas")
    expect(canvas).to_have_attribute("data-processes", "2")
    # The item that crossed from the child to the parent: its put → get, in the
    # queue's summary and as an arrow on the timeline.
    expect(banner).to_contain_text("1 item put, 1 got")
    expect(canvas).to_have_attribute("data-links", "1")
    texts = "\n".join(tooltips_down_the_timeline(page, 0.6))
    assert "Process-1" in texts and "MainProcess" in texts, texts
    assert "Cores in use" in texts, texts  # a process header
    screenshot("mp_queue")


def test_pipe_messages_are_arrows_between_two_processes(page: Page, server: str, screenshot: Shot) -> None:
    run_from_page(page, server, "mp_pipe")
    expect(page.locator("section.banner")).to_contain_text("Finished", timeout=TIMEOUT_MS)
    canvas = page.locator("canvas.timeline-canvas")
    expect(canvas).to_have_attribute("data-processes", "2")
    # Three numbers out, three squares back, and the None that ends it.
    expect(canvas).to_have_attribute("data-links", "7")
    screenshot("mp_pipe")


def test_the_gil_shows_threads_sharing_a_core_and_processes_in_parallel(
        page: Page, server: str, screenshot: Shot) -> None:
    run_from_page(page, server, "gil")
    expect(page.locator("section.banner")).to_contain_text("Finished", timeout=TIMEOUT_MS)
    expect(page.locator("canvas.timeline-canvas")).to_have_attribute("data-processes", "5")
    texts = tooltips_down_the_timeline(page, 0.5)
    assert any(re.search(r"CPU: on a core \d+%", t) for t in texts), texts
    screenshot("gil")
