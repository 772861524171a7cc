"""Observer effect: does recording change what the race does?

Runs the race scenario (100 threads, temp = num; sleep(gap); num = temp - 1)
many times per gap, plain (`python scenarios/race.py`) and under concviz
(watching num, with and without source-line recording), and prints the
final-value distributions. The medians should agree within 10%.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RACE = ROOT / "scenarios" / "race.py"
RUNS = int(__import__("os").environ.get("RUNS", 12))
GAPS = (0.0, 0.0001, 0.001)
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
        "concviz": [*concviz, "--no-lines", "race"],
        "concviz --lines": [*concviz, "--lines", "race"],
    }


def main() -> None:
    print(f"race: 100 threads, final value of num over {RUNS} runs (0 means no update lost)")
    print(f"{'gap (s)':>8} {'mode':>16} {'median':>7} {'min':>5} {'max':>5}  vs plain")
    for gap in GAPS:
        medians: dict[str, float] = {}
        for mode, command in commands(gap).items():
            values = [final_value(command) for _ in range(RUNS)]
            medians[mode] = statistics.median(values)
            plain = medians["plain python"]
            diff = "" if mode == "plain python" else (
                f"{(medians[mode] - plain) / plain:+.0%}" if plain else f"{medians[mode] - plain:+.0f} (abs)")
            print(f"{gap:>8g} {mode:>16} {medians[mode]:>7.1f} {min(values):>5} {max(values):>5}  {diff}")


if __name__ == "__main__":
    main()
