"""Observer effect: does recording change what the race does?

Runs the race scenario (100 threads, temp = num; sleep(gap); num = temp - 1)
many times per gap, plain (`python scenarios/race.py`) and under concviz
(watching num, with and without source-line recording), and prints the
final-value distributions (runs of the modes interleaved). Target: the
medians within 5% of plain Python (10% with --lines). A second plain series
shows how far two medians of the same program fall apart at this count of
runs. ``RUNS`` (default 15) and ``GAPS`` (default "0 0.0001 0.001") select.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RACE = ROOT / "scenarios" / "race.py"
RUNS = int(__import__("os").environ.get("RUNS", 15))
GAPS = [float(g) for g in __import__("os").environ.get("GAPS", "0 0.0001 0.001").split()]
FINAL = re.compile(rb"final num: (\d+)")


def final_value(command: list[str]) -> int:
    out = subprocess.run(command, capture_output=True, check=True, timeout=120).stdout
    match = FINAL.search(out)
    assert match, out
    return int(match.group(1))


def commands(gap: float) -> dict[str, list[str]]:
    params = ["--threads=100", f"--gap={gap!r}"]
    concviz = [sys.executable, "-m", "concviz.cli", "run", "-q", "--param", "threads=100", "--param", f"gap={gap!r}"]
    return {
        "plain python": [sys.executable, str(RACE), *params],
        # the same again: how far two plain series' medians fall apart (the noise floor)
        "plain again": [sys.executable, str(RACE), *params],
        "concviz": [*concviz, "--no-lines", "race"],
        "concviz --lines": [*concviz, "--lines", "race"],
    }


def main() -> None:
    print(f"race: 100 threads, final value of num over {RUNS} interleaved runs per mode (0: no update lost)")
    print(f"{'gap (s)':>8} {'mode':>16} {'median':>7} {'q1':>5} {'q3':>5}  vs plain  (target: within 5%, 10% --lines)")
    for gap in GAPS:
        modes = commands(gap)
        values: dict[str, list[int]] = {mode: [] for mode in modes}
        names = list(modes)
        for run in range(RUNS):
            # Interleaved, so that a slow spell of the machine hits every mode
            # alike, and rotated: a run right after a concviz run loses a few
            # percent fewer updates than one after a plain run (as large as the
            # target), so each mode follows each other equally often.
            for mode in names[run % len(names):] + names[:run % len(names)]:
                values[mode].append(final_value(modes[mode]))
        plain = statistics.median(values["plain python"])
        for mode, got in values.items():
            median = statistics.median(got)
            q1, _, q3 = statistics.quantiles(got, n=4)
            diff = "" if mode == "plain python" else (
                f"{(median - plain) / plain:+.1%}" if plain else f"{median - plain:+.0f} (abs)")
            print(f"{gap:>8g} {mode:>16} {median:>7.1f} {q1:>5.0f} {q3:>5.0f}  {diff}")
        for mode, got in values.items():
            print(f"{'':>8} {mode:>16}  all: {' '.join(map(str, sorted(got)))}")


if __name__ == "__main__":
    main()
