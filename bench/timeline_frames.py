"""Timeline frame times with 1,000 lanes and 1,000,000 events, in headless Chromium.

Serves the built front end (backend/concviz/static/dist, built with `npm run
build` if missing) from a tiny static server on a free loopback port, opens
the page in its benchmark mode (``/?bench=frames&lanes=1000&events=1000000``:
the page synthesises the trace in the browser, straight into the model's
typed columns), then zooms, pans and scrolls the timeline for N animation
frames and prints draw-time percentiles (the time our code spends per frame)
and frame-interval percentiles (what the browser delivered).

    python bench/timeline_frames.py [--frames 400] [--lanes 1000] [--events 1000000] [--coros 10000] [--overview]

Needs python playwright and Debian's Chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "backend" / "concviz" / "static" / "dist"
PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>concviz bench</title>
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


class Static(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path.startswith("/static/dist/"):
            f = DIST / path.removeprefix("/static/dist/")
            if not f.is_file():
                self.send_error(404)
                return
            body, ctype = f.read_bytes(), "text/javascript" if f.suffix == ".js" else "text/css"
        elif path.startswith("/api/"):
            body, ctype = b"[]", "application/json"
        else:
            body, ctype = PAGE, "text/html"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=400)
    ap.add_argument("--lanes", type=int, default=1000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--coros", type=int, default=0, help="that many greenlets of one thread instead of threads")
    ap.add_argument("--overview", action="store_true", help="in the All lanes view (every lane on screen)")
    ap.add_argument("--width", type=int, default=1600)
    ap.add_argument("--height", type=int, default=900)
    args = ap.parse_args()
    if not (DIST / "app.js").is_file():
        subprocess.run(["npm", "run", "build"], cwd=ROOT, check=True)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Static)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/?bench=frames&lanes={args.lanes}&events={args.events}&coros={args.coros}&overview={int(args.overview)}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url)
            page.wait_for_function("window.concvizBench && window.concvizBench.ready", timeout=180_000)
            info = page.evaluate(
                "({build: concvizBench.buildMs, events: concvizBench.events, lanes: concvizBench.lanes,"
                " heap: performance.memory ? performance.memory.usedJSHeapSize : 0})"
            )
            page.evaluate("concvizBench.frames(30)")  # warm-up (JIT)
            report = page.evaluate(f"concvizBench.frames({args.frames})")
            browser.close()
            if errors:
                raise SystemExit("page errors:\n  " + "\n  ".join(errors))
    finally:
        server.shutdown()

    draws, intervals = report["draws"], report["intervals"]
    print(
        f"timeline frames: {info['lanes']} lanes, {info['events']:,} events, "
        f"viewport {args.width}x{args.height}, {len(draws)} frames of zoom/pan/scroll"
    )
    print(
        f"  synthesise + ingest in page: {info['build']:.0f} ms"
        f" ({info['events'] / max(info['build'], 1e-9) * 1000 / 1e6:.2f} M events/s)"
    )
    if info["heap"]:
        print(
            f"  JS heap after load: {info['heap'] / 2**20:.0f} MiB"
            f" ({info['heap'] / info['events']:.0f} bytes/event, all structures)"
        )
    print(
        f"  draw time   p50 {pct(draws, 50):6.2f} ms   p95 {pct(draws, 95):6.2f} ms   max {max(draws):6.2f} ms"
        f"   mean {statistics.fmean(draws):.2f} ms"
    )
    print(
        f"  frame gap   p50 {pct(intervals, 50):6.2f} ms   p95 {pct(intervals, 95):6.2f} ms"
        f"   max {max(intervals):6.2f} ms"
    )
    print(
        json.dumps(
            {
                "draw_p50_ms": round(pct(draws, 50), 2),
                "draw_p95_ms": round(pct(draws, 95), 2),
                "draw_max_ms": round(max(draws), 2),
                "frame_p50_ms": round(pct(intervals, 50), 2),
                "frame_p95_ms": round(pct(intervals, 95), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
