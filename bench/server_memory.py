"""Resident memory of ``concviz serve`` while RUNS runs (default 4) each record
EVENTS events (default 2,000,000, the server's event limit) at once.

Starts a real server on a free port with a scenario directory holding one
scenario (a lock taken and released in a loop), starts the runs over HTTP,
samples the server process's RSS (not its run children) every 50 ms until
every run has ended, and prints the peak, the RSS after the runs and the
events recorded. ``python bench/server_memory.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

RUNS = int(os.environ.get("RUNS", 4))
EVENTS = int(os.environ.get("EVENTS", 2_000_000))
SCENARIO = '''"""Flood: a lock taken and released as fast as possible (benchmark scenario)."""

import threading

from concviz.params import Param, read_params

PARAMS = [Param("iterations", 1000, min=1, max=100_000_000)]
LINES = False
P = read_params(PARAMS)
lock = threading.Lock()
for _ in range(P.iterations):
    lock.acquire()
    lock.release()
'''


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="concviz-mem-"))
    (tmp / "scenarios").mkdir()
    (tmp / "scenarios" / "flood.py").write_text(SCENARIO)
    log = tmp / "server.log"
    code = ("import sys; from concviz.server.app import serve; "
            f"sys.exit(serve(port=0, data_dir={str(tmp / 'data')!r}, max_events={EVENTS}, "
            f"max_runs={RUNS}, run_timeout=600.0))")
    env = dict(os.environ, CONCVIZ_SCENARIOS=str(tmp / "scenarios"), PYTHONUNBUFFERED="1")
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 20
        while "serving on" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        text = log.read_text()
        url = text[text.index("serving on ") + len("serving on "):].split()[0].rstrip("/")
        idle = rss_kb(server.pid)
        # Each lock cycle records about 2 events: ask for more than the limit.
        ids = [httpx.post(f"{url}/api/runs", json={"scenario": "flood", "params": {"iterations": EVENTS}},
                          timeout=30).json()["id"] for _ in range(RUNS)]
        peak = idle
        started = time.monotonic()
        records: list[dict[str, object]] = []
        while True:
            peak = max(peak, rss_kb(server.pid))
            records = [httpx.get(f"{url}/api/runs/{i}", timeout=30).json() for i in ids]
            if all(r["status"] not in ("pending", "running") for r in records):
                break
            time.sleep(0.05)
        took = time.monotonic() - started
        time.sleep(1.0)
        after = rss_kb(server.pid)
        events = sum(int(r["events"]) for r in records)  # type: ignore[call-overload]
        print(f"{RUNS} runs, {events:,} events in all, {took:.1f} s; server RSS: idle {idle / 1024:.0f} MB, "
              f"peak {peak / 1024:.0f} MB, after {after / 1024:.0f} MB")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
