"""Memory under a flood: a program doing N lock cycles (default 20M, about
2N events) under ``concviz run`` into a trace file, with the child's buffer
bounded. Samples the resident memory of the parent (the CLI and its
supervisor) and of the child every 50 ms and prints the peaks, the run time
and the plain run time. ``CYCLES`` sets N; ``CONCVIZ_BUFFER_EVENTS`` the bound.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CYCLES = int(os.environ.get("CYCLES", 20_000_000))
PROGRAM = f"""
import threading
lock = threading.Lock()
for _ in range({CYCLES}):
    with lock:
        pass
"""


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "flood.py"
        script.write_text(PROGRAM)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(script)], check=True)
        plain = time.perf_counter() - t0
        trace = Path(tmp) / "t.jsonl"
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "concviz.cli", "run", "-q", "--max-events", str(100_000_000),
                                 "--timeout", "3600", "-o", str(trace), str(script)])
        parent = child = 0
        while proc.poll() is None:
            parent = max(parent, rss_kb(proc.pid))
            for pid in children(proc.pid):
                child = max(child, rss_kb(pid))
            time.sleep(0.05)
        took = time.perf_counter() - t0
        size = trace.stat().st_size
        lines = sum(1 for _ in trace.open("rb"))
    bound = int(os.environ.get("CONCVIZ_BUFFER_EVENTS", 262144))
    print(f"{CYCLES:,} lock cycles, buffer bound {bound:,} events: plain {plain:.1f} s, concviz {took:.1f} s "
          f"({took / plain:.1f}x); trace {lines:,} lines, {size / 1e9:.2f} GB")
    print(f"peak RSS: parent {parent / 1024:.0f} MB, child {child / 1024:.0f} MB")


if __name__ == "__main__":
    main()
