"""What moves the race? Runs scenarios/race.py with parts of concviz switched on.

Each mode is a fresh interpreter; runs are interleaved. Modes (cumulative
pieces, none of them the parent): ``plain``; ``import`` (concviz's
instrumentation imported, nothing installed); ``writer`` (+ the recorder's
writer thread, into /dev/null); ``threads`` (+ Thread recording); ``sleep``
(+ recorded time.sleep); ``all`` (+ every primitive); ``watch`` (+ the
``--watch num`` rewrite); ``settled`` (+ the runner's pause before the
program, ``runner._settle``): that is ``concviz run --no-lines`` without the
parent. Every piece but the last runs CPU time in the main thread before the
race, and that alone moves it (a plain run after 150 ms of spinning loses
about 10% fewer updates at gap 0). ``RUNS`` (default 21), ``GAPS`` (default "0 0.0001") and ``MODES``
select.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RACE = ROOT / "scenarios" / "race.py"
RUNS = int(os.environ.get("RUNS", 21))
GAPS = [float(g) for g in os.environ.get("GAPS", "0 0.0001").split()]
MODES = os.environ.get("MODES", "plain import writer threads sleep all watch settled").split()
FINAL = re.compile(rb"final num: (\d+)")

CHILD = r"""
import os, sys
mode, race = sys.argv[1], sys.argv[2]
sys.argv = sys.argv[2:]
sys.path[0] = os.path.dirname(race)
steps = ["plain", "import", "writer", "threads", "sleep", "all", "watch", "settled"]
level = steps.index(mode)
if level >= 7:
    from concviz.runner import _settle
if level >= 1:
    from concviz import recorder, instrument
    from concviz.instrument import threads, sleep
if level >= 2:
    recorder.start(os.open(os.devnull, os.O_WRONLY), 10**9)
if level == 3:
    threads.install()
if level == 4:
    threads.install(); sleep.install()
if level >= 5:
    instrument.install()
import types
main = types.ModuleType("__main__"); main.__file__ = race
sys.modules["__main__"] = main
src = open(race).read()
if level >= 6:
    import ast
    from concviz.instrument import watch
    tree = watch.rewrite(ast.parse(src, race), ["num"])
    vars(main).update(watch.helpers())
    code = compile(tree, race, "exec", dont_inherit=True)
else:
    code = compile(src, race, "exec", dont_inherit=True)
if level >= 7:
    _settle()
exec(code, vars(main))
"""


def final_value(mode: str, gap: float) -> int:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(RACE), "--threads=100", f"--gap={gap!r}"],
                         capture_output=True, check=True, timeout=120).stdout
    match = FINAL.search(out)
    assert match, out
    return int(match.group(1))


def main() -> None:
    for gap in GAPS:
        values: dict[str, list[int]] = {mode: [] for mode in MODES}
        for run in range(RUNS):
            # rotated, as in observer_effect.py: a run's predecessor moves the race a few percent
            for mode in MODES[run % len(MODES):] + MODES[:run % len(MODES)]:
                values[mode].append(final_value(mode, gap))
        plain = statistics.median(values[MODES[0]])
        for mode, got in values.items():
            median = statistics.median(got)
            print(f"gap {gap:g} {mode:>8} median {median:5.1f}  {(median - plain) / (plain or 1):+6.1%}"
                  f"  all: {' '.join(map(str, sorted(got)))}", flush=True)


if __name__ == "__main__":
    main()
