"""Live ingest throughput of the web UI, in headless Chromium.

Opens the built page in its ingest benchmark mode
(``/?bench=ingest&events=N&batch=B&lanes=L``): the page prepares
WebSocket-shaped JSON messages (``{"type": "events", "events": [...]}``) and
then feeds them one per task through JSON.parse, the trace model's ingest
and the app's once-per-frame update (timeline, objects, source and output
panels), as a live run would. Prints events per second and the frame
intervals seen while ingesting (the UI must stay responsive).

    python bench/ui_throughput.py [--events 300000] [--batch 512] [--lanes 100]
"""

from __future__ import annotations

import argparse
import subprocess
import threading
from http.server import ThreadingHTTPServer

from playwright.sync_api import sync_playwright

from timeline_frames import CHROMIUM_ARGS, DIST, ROOT, Static, pct


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=300_000)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--lanes", type=int, default=100)
    ap.add_argument("--no-ui", action="store_true", help="ingest only: no panel/timeline updates")
    args = ap.parse_args()
    if not (DIST / "app.js").is_file():
        subprocess.run(["npm", "run", "build"], cwd=ROOT, check=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Static)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = (
        f"http://127.0.0.1:{server.server_address[1]}/?bench=ingest"
        f"&events={args.events}&batch={args.batch}&lanes={args.lanes}{'&ui=0' if args.no_ui else ''}"
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url)
            page.wait_for_function("window.concvizBench && window.concvizBench.ready", timeout=180_000)
            r = page.evaluate("concvizBench.run()")
            browser.close()
            if errors:
                raise SystemExit("page errors:\n  " + "\n  ".join(errors))
    finally:
        server.shutdown()
    iv = r["intervals"] or [0.0]
    print(f"ui ingest: {r['events']:,} events, {args.lanes} threads, batches of {args.batch}")
    print(
        f"  {r['ms']:.0f} ms -> {r['events'] / r['ms'] * 1000 / 1e6:.2f} M events/s "
        f"(JSON.parse + model ingest + per-frame UI update), {r['drawn']} timeline draws"
    )
    print(f"  frame interval while ingesting: p50 {pct(iv, 50):.1f} ms  p95 {pct(iv, 95):.1f} ms  max {max(iv):.1f} ms")


if __name__ == "__main__":
    main()
