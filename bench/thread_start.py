"""Thread starts under recording: what sets the race at gap 1e-4.

The tutorial's race at a small gap is a contest between two clocks: how
fast the main thread starts threads, and how long each one sleeps between
its read and its write (the gap plus its wake-up). A start that takes a few
microseconds longer gives fewer threads a stale read, and fewer updates are
lost. This runs a copy of the race that times both, plain and under
`concviz run` (interleaved), and prints the medians of each run's figures:

* start interval: from one `Thread.start()` returning to the next one
* first line: from the previous `start()` returning to the new thread's
  first line
* sleep: from the thread's read to the end of its sleep (gap and wake-up)

``RUNS`` (default 21) and ``GAP`` (default 1e-4) select.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RUNS = int(os.environ.get("RUNS", 21))
GAP = float(os.environ.get("GAP", "1e-4"))

PROGRAM = """
import statistics, sys, threading, time
N, GAP = 100, float(sys.argv[1])
num = N
clock = time.perf_counter_ns
began, woke, started = [0] * N, [0] * N, [0] * N

def decrement(i):
    global num
    began[i] = clock()
    temp = num
    time.sleep(GAP)
    woke[i] = clock()
    num = temp - 1

threads = [threading.Thread(target=decrement, args=(i,)) for i in range(N)]
t0 = clock()
for i, t in enumerate(threads):
    t.start()
    started[i] = clock()
for t in threads:
    t.join()
print("final num:", num)
interval = statistics.median(b - a for a, b in zip(started, started[1:]))
first = statistics.median(b - s for b, s in zip(began, [t0] + started[:-1]))
sleep = statistics.median(w - b for w, b in zip(woke, began))
print(f"figures: {interval / 1e3:.1f} {first / 1e3:.1f} {sleep / 1e3:.1f}")
"""
FIGURES = re.compile(rb"final num: (\d+)\nfigures: ([\d.]+) ([\d.]+) ([\d.]+)")
COLUMNS = ("final num", "start interval (us)", "first line (us)", "sleep (us)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        program = Path(tmp) / "race_timed.py"
        program.write_text(PROGRAM)
        modes = {
            "plain python": [sys.executable, str(program), repr(GAP)],
            "concviz": [sys.executable, "-m", "concviz.cli", "run", "-q", "-o", str(Path(tmp) / "t.jsonl"),
                        str(program), repr(GAP)],
        }
        figures: dict[str, list[tuple[float, ...]]] = {mode: [] for mode in modes}
        names = list(modes)
        for run in range(RUNS):
            for mode in names[run % 2:] + names[:run % 2]:
                out = subprocess.run(modes[mode], capture_output=True, check=True, timeout=120).stdout
                match = FIGURES.search(out)
                assert match, out
                figures[mode].append(tuple(float(v) for v in match.groups()))
    print(f"race at gap {GAP:g}, 100 threads, medians over {RUNS} interleaved runs per mode")
    print(f"{'mode':>14} " + " ".join(f"{c:>20}" for c in COLUMNS))
    for mode, rows in figures.items():
        print(f"{mode:>14} " + " ".join(f"{statistics.median(col):>20.1f}" for col in zip(*rows, strict=True)))


if __name__ == "__main__":
    main()
