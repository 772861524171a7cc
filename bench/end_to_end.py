"""A whole run against the plain program: ``concviz run -o trace.jsonl``
(starting the child, recording, translating, writing the trace, ending)
against ``python prog.py``, for a program doing N lock cycles (default 1M,
about 2N events) and for an empty program (what a run costs before and after
the program itself).

The two are run alternately, ROUNDS times each (default 9), in fresh
processes; the VM's speed drifts within minutes, so the figure to read is
the median of the per-pair ratios, next to the medians and quartiles of
both sides.

    .venv/bin/python bench/end_to_end.py         # CYCLES=..., ROUNDS=...
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CYCLES = int(os.environ.get("CYCLES", 1_000_000))
ROUNDS = int(os.environ.get("ROUNDS", 9))
FLOOD = f"""
import threading
lock = threading.Lock()
for _ in range({CYCLES}):
    with lock:
        pass
"""


def timed(command: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def quartiles(values: list[float]) -> str:
    q1, q2, q3 = statistics.quantiles(values, n=4)
    return f"{q2:.3f} s ({q1:.3f}–{q3:.3f})"


def compare(name: str, source: str, tmp: Path) -> None:
    script = tmp / "prog.py"
    script.write_text(source)
    trace = tmp / "trace.jsonl"
    run = [sys.executable, "-m", "concviz.cli", "run", "-q", "--max-events", str(4 * CYCLES + 1000),
           "-o", str(trace), str(script)]
    plain, recorded = [], []
    for _ in range(ROUNDS):
        plain.append(timed([sys.executable, str(script)]))
        trace.unlink(missing_ok=True)  # a new file each time, as a user's would be (truncating one costs)
        recorded.append(timed(run))
    ratios = [r / p for p, r in zip(plain, recorded, strict=True)]
    lines = sum(1 for _ in trace.open("rb"))
    print(f"{name:>22}: plain {quartiles(plain)}, concviz {quartiles(recorded)}; "
          f"ratio median {statistics.median(ratios):.2f}x (pairs {min(ratios):.2f}–{max(ratios):.2f}x); "
          f"{lines:,} trace lines")


def main() -> None:
    print(f"whole runs, {ROUNDS} interleaved pairs, median (quartiles); Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        compare("empty program", "pass\n", Path(tmp))
        compare(f"{CYCLES:,} lock cycles", FLOOD, Path(tmp))


if __name__ == "__main__":
    main()
