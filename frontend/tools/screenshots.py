"""Screenshots of the built front end in headless Chromium, for looking at it.

Serves backend/concviz/static/dist with a stand-in server (a page like the
real one, a few fixture scenarios, a 422 for bad parameters), opens the
synthetic traces from synth_trace.py in standalone mode and saves PNGs.

    python frontend/tools/synth_trace.py /tmp/concviz-traces
    python frontend/tools/screenshots.py /tmp/concviz-traces /tmp/concviz-shots
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "backend" / "concviz" / "static" / "dist"
PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>concviz</title>
<link rel="stylesheet" href="/static/dist/app.css"></head><body><div id="app"></div>
<script type="module" src="/static/dist/app.js"></script></body></html>"""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SCENARIOS = [
    {
        "name": "race",
        "title": "Lost updates",
        "concept": "Locks · race condition",
        "description": "100 threads each read a shared counter, sleep for a moment, and write it back minus one.",
        "look_for": "Threads that read the same value before any of them writes: their updates overwrite each other.",
        "params": [
            {
                "name": "threads",
                "type": "int",
                "default": 100,
                "min": 1,
                "max": 500,
                "scale": "linear",
                "unit": None,
                "help": "How many threads decrement the counter.",
            },
            {
                "name": "gap",
                "type": "float",
                "default": 0.001,
                "min": 0,
                "max": 1,
                "scale": "log",
                "unit": "s",
                "help": "Sleep between the read and the write.",
            },
        ],
        "source": "num = 100\n",
        "path": "scenarios/race.py",
    },
    {
        "name": "race_lock",
        "title": "Lost updates, fixed with a Lock",
        "concept": "Locks · mutual exclusion",
        "description": "",
        "look_for": "",
        "params": [],
        "source": "",
        "path": "scenarios/race_lock.py",
    },
    {
        "name": "deadlock",
        "title": "Deadlock",
        "concept": "Locks · lock ordering",
        "description": "",
        "look_for": "",
        "params": [],
        "source": "",
        "path": "scenarios/deadlock.py",
    },
    {
        "name": "semaphore",
        "title": "Semaphore of 5",
        "concept": "Semaphores · batches",
        "description": "",
        "look_for": "",
        "params": [],
        "source": "",
        "path": "scenarios/semaphore.py",
    },
]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path.startswith("/static/dist/"):
            f = DIST / path.removeprefix("/static/dist/")
            if f.is_file():
                ctype = "text/javascript" if f.suffix == ".js" else "text/css"
                return self.send(200, f.read_bytes(), ctype)
            return self.send(404, b"not found", "text/plain")
        if path == "/api/scenarios":
            return self.send(200, json.dumps(SCENARIOS).encode(), "application/json")
        if path == "/api/runs":
            runs = [
                {
                    "id": "r1",
                    "scenario": "race",
                    "params": {"threads": 100, "gap": 0.001},
                    "status": "finished",
                    "exit_code": 0,
                    "created_at": "2025-11-26T10:00:00Z",
                    "finished_at": None,
                    "summary": None,
                },
                {
                    "id": "r2",
                    "scenario": "deadlock",
                    "params": {},
                    "status": "deadlocked",
                    "exit_code": None,
                    "created_at": "2025-11-26T09:58:00Z",
                    "finished_at": None,
                    "summary": None,
                },
            ]
            return self.send(200, json.dumps(runs).encode(), "application/json")
        return self.send(200, PAGE, "text/html")

    def do_POST(self) -> None:
        n = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(n) or b"{}")
        gap = body.get("params", {}).get("gap")
        detail = [
            {"loc": ["body", "params", "gap"], "msg": f"expected a number between 0 and 1 for 'gap', got '{gap}'"}
        ]
        self.send(422, json.dumps({"detail": detail}).encode(), "application/json")


def serve() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main() -> None:
    traces = Path(sys.argv[1])
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    server, base = serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for w, h in ((1600, 900), (1280, 720)):
                page = browser.new_page(viewport={"width": w, "height": h})
                errors: list[str] = []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                page.goto(f"{base}/?scenario=race&threads=100&gap=0.001")
                page.wait_for_selector(".scenario")
                page.screenshot(path=str(out / f"home-{w}x{h}.png"))
                page.fill("#param-gap", "5")
                page.wait_for_timeout(100)
                page.screenshot(path=str(out / f"form-error-{w}x{h}.png"))
                page.fill("#param-gap", "0.002")
                page.click(".run-btn")
                page.wait_for_timeout(200)
                page.screenshot(path=str(out / f"form-422-{w}x{h}.png"))
                for name in ("race", "deadlock", "semaphore", "multiprocess"):
                    page.set_input_files("input[type=file]", str(traces / f"{name}.jsonl"))
                    page.wait_for_function(
                        "window.concviz && window.concviz.model && window.concviz.model.eventCount > 0"
                    )
                    page.wait_for_timeout(250)
                    page.screenshot(path=str(out / f"{name}-{w}x{h}.png"))
                    if name == "race":
                        page.click(".lost >> nth=0")
                        page.wait_for_timeout(250)
                        page.screenshot(path=str(out / f"race-lost-{w}x{h}.png"))
                        box = page.locator(".timeline-canvas").bounding_box()
                        assert box is not None
                        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + 120)
                        page.wait_for_timeout(150)
                        page.screenshot(path=str(out / f"race-hover-{w}x{h}.png"))
                        page.mouse.move(0, 0)
                    if name == "multiprocess":
                        # Process-1's main thread while three processes share two cores, then its header.
                        box = page.locator(".timeline-canvas").bounding_box()
                        assert box is not None
                        row, lane_h, axis_h = page.evaluate(
                            "() => { const a = window.concviz; const L = a.timeline.layout;"
                            " return [a.model.rowOf(5101 * 1048576), L.laneH, L.axisH]; }"
                        )
                        for i, r in enumerate((row, row - 1)):
                            y = box["y"] + axis_h + (r + 0.5) * lane_h
                            page.mouse.move(box["x"] + box["width"] * 0.55, y)
                            page.wait_for_timeout(150)
                            page.screenshot(path=str(out / f"multiprocess-hover{i}-{w}x{h}.png"))
                        page.mouse.move(0, 0)
                    if name == "semaphore":
                        page.keyboard.press("Home")
                        for _ in range(60):
                            page.keyboard.press("ArrowRight")
                        page.wait_for_timeout(200)
                        page.screenshot(path=str(out / f"semaphore-step-{w}x{h}.png"))
                if errors:
                    print("page errors:", *errors, sep="\n  ")
                page.close()
            browser.close()
    finally:
        server.shutdown()
    for f in sorted(out.glob("*.png")):
        print(f)


if __name__ == "__main__":
    main()
