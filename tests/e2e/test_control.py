"""Controlled mode in the page: a person makes the deadlock by choosing threads
in step mode, its share link replays it in a fresh page, and an exploration
started from the page finds the deadlock and opens it."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, Page, expect
from tests.e2e.pages import TIMEOUT_MS, Shot

MAX_CHOICES = 200


def open_scenario(page: Page, server: str, scenario: str, **params: float) -> None:
    page.goto(server)
    page.locator(f"[data-name={scenario}]").click()
    for name, value in params.items():
        page.locator(f"#param-{name}").fill(str(value))


def run_id(page: Page) -> str:
    match = re.search(r"/runs/([0-9a-f]+)", page.url)
    assert match, page.url
    return match.group(1)


def choice_number(page: Page) -> int:
    match = re.search(r"Choice (\d+)", page.locator(".step-ask").inner_text())
    assert match
    return int(match.group(1))


def test_a_deadlock_made_by_clicking_threads_replays_from_its_share_link(
        page: Page, server: str, browser: Browser, screenshot: Shot) -> None:
    open_scenario(page, server, "deadlock", threads=2)
    page.locator("select.control-choice").select_option("step")
    expect(page.locator(".control-note")).to_contain_text("threads switch only at recorded operations")
    page.get_by_role("button", name=re.compile("Run")).click()
    expect(page).to_have_url(re.compile(r"/runs/[0-9a-f]+"), timeout=TIMEOUT_MS)

    # The person's rule: always the newest thread that can move. Thread 1 takes
    # LockA, thread 2 takes LockB, and each then waits for the other.
    cycle = page.locator(".cycle")
    movable = page.locator("button.step-thread.movable:enabled")
    by_key = shot = False
    for _ in range(MAX_CHOICES):
        page.wait_for_function(
            "() => document.querySelector('.cycle') !== null"
            " || document.querySelector('button.step-thread.movable:enabled') !== null",
            timeout=TIMEOUT_MS)
        if cycle.count() > 0:
            break
        if not shot and page.locator("button.step-thread.blocked").count() > 0:
            screenshot("control-step-mode")  # a thread that cannot move, greyed with its reason
            expect(page.locator("button.step-thread.blocked .step-reason").first).to_contain_text("cannot move")
            shot = True
        before = choice_number(page)
        index = max(int(i) for i in movable.evaluate_all("els => els.map(e => e.dataset.index)"))
        if by_key and index <= 9:
            page.keyboard.press(str(index))
        else:
            page.locator(f"button.step-thread[data-index='{index}']").click()
        by_key = not by_key
        page.wait_for_function(
            "(before) => { const a = document.querySelector('.step-ask');"
            " const m = a && /Choice (\\d+)/.exec(a.textContent); return document.querySelector('.cycle') !== null"
            " || (m !== null && Number(m[1]) > before); }", arg=before, timeout=TIMEOUT_MS)
    assert shot, "some thread could not move before the deadlock"
    expect(cycle).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("span.status").first).to_have_text(re.compile("deadlocked", re.I))
    link = page.locator("a.step-link")
    expect(link).to_be_visible(timeout=TIMEOUT_MS)
    screenshot("control-step-deadlock")
    made = httpx.get(f"{server}/api/runs/{run_id(page)}").json()
    assert made["status"] == "deadlocked"
    href = link.get_attribute("href")
    assert href is not None and "control=replay" in href and "schedule=" in href

    context = browser.new_context(viewport={"width": 1280, "height": 720})
    fresh = context.new_page()
    errors: list[str] = []
    fresh.on("pageerror", lambda e: errors.append(str(e)))
    try:
        fresh.goto(server + href)
        expect(fresh).to_have_url(re.compile(r"/runs/[0-9a-f]+"), timeout=TIMEOUT_MS)
        expect(fresh.locator(".cycle")).to_be_visible(timeout=TIMEOUT_MS)
        expect(fresh.locator(".step-title")).to_contain_text("replay")
        replayed = httpx.get(f"{server}/api/runs/{run_id(fresh)}").json()
        assert replayed["id"] != made["id"]
        assert replayed["status"] == "deadlocked"
        assert replayed["summary"]["deadlock"] == made["summary"]["deadlock"]
        assert replayed["summary"]["schedule"]["steps"] == made["summary"]["schedule"]["steps"]
        fresh.screenshot(path=str(screenshot("control-step-deadlock").parent / "control-replayed.png"))
    finally:
        context.close()
    assert not errors, f"errors in the replaying page: {errors}"


def test_undo_restarts_the_run_one_choice_back(page: Page, server: str) -> None:
    open_scenario(page, server, "deadlock", threads=2)
    page.locator("select.control-choice").select_option("step")
    page.get_by_role("button", name=re.compile("Run")).click()
    expect(page).to_have_url(re.compile(r"/runs/[0-9a-f]+"), timeout=TIMEOUT_MS)
    first = run_id(page)
    for _ in range(2):
        expect(page.locator("button.step-thread.movable:enabled").first).to_be_visible(timeout=TIMEOUT_MS)
        before = choice_number(page)
        page.locator("button.step-thread.movable:enabled").last.click()
        expect(page.locator(".step-ask")).to_contain_text(f"Choice {before + 1}", timeout=TIMEOUT_MS)
    expect(page.locator("button.step-thread.movable:enabled").first).to_be_visible(timeout=TIMEOUT_MS)
    now = choice_number(page)
    page.get_by_role("button", name=re.compile("Undo")).click()
    expect(page).not_to_have_url(re.compile(f"/runs/{first}$"), timeout=TIMEOUT_MS)
    expect(page.locator(".step-title")).to_contain_text("replay")
    # The replay made every choice but the last, and asks for that one again.
    expect(page.locator(".step-ask")).to_contain_text(f"Choice {now - 1}:", timeout=TIMEOUT_MS)
    page.get_by_role("button", name=re.compile("Run to the end at random")).click()
    expect(page.locator(".step-done")).to_contain_text("Schedule:", timeout=TIMEOUT_MS)


def test_an_exploration_from_the_page_opens_the_deadlock_it_found(page: Page, server: str) -> None:
    open_scenario(page, server, "deadlock", threads=2)
    page.locator("details.explore summary").click()
    page.locator("input.explore-runs").fill("50")
    page.get_by_role("button", name="Explore schedules").click()
    open_found = page.get_by_role("button", name="Open what it found")
    expect(open_found).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator(".explore-result")).to_contain_text("deadlock")
    open_found.click()
    expect(page).to_have_url(re.compile(r"/runs/[0-9a-f]+"), timeout=TIMEOUT_MS)
    expect(page.locator(".cycle")).to_be_visible(timeout=TIMEOUT_MS)
