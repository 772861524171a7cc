"""Cost of recording processes: starting one, and a multiprocessing.Queue put+get.

Runs the same small program under plain Python and under `concviz run`
(default options) and prints what the program measured itself, and the
ratio: milliseconds to start and join a process (fork and spawn), and
microseconds per item through a multiprocessing.Queue from a parent to a
child (put in one process, get in the other).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROUNDS = 3

PROGRAM = textwrap.dedent("""
    import multiprocessing as mp, sys, time

    def nothing():
        pass

    def drain(q, n):
        for _ in range(n):
            q.get()

    if __name__ == "__main__":
        what, method, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
        ctx = mp.get_context(method)
        t0 = time.perf_counter()
        if what == "start":
            for _ in range(n):
                p = ctx.Process(target=nothing)
                p.start()
                p.join()
            print((time.perf_counter() - t0) / n * 1e3)
        else:
            q = ctx.Queue()
            p = ctx.Process(target=drain, args=(q, n))
            p.start()
            t0 = time.perf_counter()
            for i in range(n):
                q.put(i)
            p.join()
            print((time.perf_counter() - t0) / n * 1e6)
""")


def measure(command: list[str]) -> float:
    values = []
    for _ in range(ROUNDS):
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300).stdout
        values.append(float(out.split()[0]))
    return statistics.median(values)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "prog.py"
        script.write_text(PROGRAM)
        cases = [("start", "fork", 20, "ms per process started and joined (fork)"),
                 ("start", "spawn", 10, "ms per process started and joined (spawn)"),
                 ("queue", "fork", 20_000, "µs per multiprocessing.Queue item, put in one process, got in another")]
        for what, method, n, label in cases:
            args = [str(script), what, method, str(n)]
            plain = measure([sys.executable, *args])
            recorded = measure([sys.executable, "-m", "concviz.cli", "run", "-q", "-o", str(Path(tmp) / "t.jsonl"),
                                *args])
            print(f"{label}: plain {plain:.3g}, concviz {recorded:.3g} ({recorded / plain:.2f}×)")


if __name__ == "__main__":
    main()
