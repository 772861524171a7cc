"""Time from pressing Run in the browser to the first lanes drawn on the timeline.

Starts a real `concviz serve` on a free port, opens the page in Debian's
Chromium, presses Run on a scenario and waits until the canvas has drawn
lanes (its data-lanes attribute is set in the same frame as the drawing).
Prints the median and the spread over several runs.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROUNDS = 8
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def start_server(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    log = data / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "concviz.cli", "serve", "--port", "0", "--data-dir", str(data)],
                                stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        match = re.search(r"serving on (http://127\.0\.0\.1:\d+)/", log.read_text())
        if match:
            return proc, match.group(1)
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"the server did not start:\n{log.read_text()}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(Path(tmp))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page(viewport={"width": 1600, "height": 900})
                times = []
                for _ in range(ROUNDS):
                    page.goto(f"{url}/?scenario=event")
                    page.locator("[data-name=event]").click()
                    run = page.get_by_role("button", name=re.compile("Run"))
                    run.wait_for()
                    t0 = time.perf_counter()
                    run.click()
                    page.wait_for_function(
                        "() => Number(document.querySelector('canvas.timeline-canvas')?.dataset.lanes ?? 0) >= 2",
                        polling="raf", timeout=30_000)
                    times.append((time.perf_counter() - t0) * 1000)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(15)
    print(f"Run pressed → first thread lanes drawn, over {ROUNDS} runs of the event scenario:")
    print(f"  median {statistics.median(times):.0f} ms, min {min(times):.0f} ms, max {max(times):.0f} ms")


if __name__ == "__main__":
    main()
