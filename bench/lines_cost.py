"""Cost of ``--lines``: sys.settrace against sys.monitoring (3.12+).

Runs a function of the program's own code (a file outside the standard
library) that executes 3 lines per iteration, plain and with each way of
recording lines, in this process with the recorder writing to /dev/null.
Prints ns per recorded line and the slowdown; also a call into the standard
library, which sys.monitoring leaves untraced.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from concviz import recorder
from concviz.instrument import lines

N = 200_000
USER = """
import json
def work(n):
    total = 0
    for i in range(n):
        total += i
    return total
def library(n):
    for _ in range(n):
        json.dumps([1, 2, 3])
"""


def timed(fn: object, n: int) -> float:
    results = []
    for _ in range(5):
        t0 = time.perf_counter_ns()
        fn(n)  # type: ignore[operator]
        results.append(time.perf_counter_ns() - t0)
        recorder.writer().flush()  # type: ignore[union-attr]
    return statistics.median(results)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "user_program.py"
        path.write_text(USER)
        spec = importlib.util.spec_from_file_location("user_program", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        recorder.start(os.open(os.devnull, os.O_WRONLY), 10**12)
        modes = ["settrace"] + (["monitoring"] if hasattr(sys, "monitoring") else [])
        print(f"Python {sys.version.split()[0]}: {N:,} iterations (2 lines each), ns per iteration")
        plain_work, plain_lib = timed(module.work, N), timed(module.library, N // 10)
        print(f"{'plain':>11} {plain_work / N:>8.0f}   library call {plain_lib / (N // 10):>8.0f}")
        for mode in modes:
            os.environ["CONCVIZ_LINES"] = mode
            lines.install()
            try:
                w, lib = timed(module.work, N), timed(module.library, N // 10)
            finally:
                lines.uninstall()
            print(f"{mode:>11} {w / N:>8.0f} ({w / plain_work:.1f}x)   library call {lib / (N // 10):>8.0f}"
                  f" ({lib / plain_lib:.1f}x)")
        recorder.stop()


if __name__ == "__main__":
    main()
