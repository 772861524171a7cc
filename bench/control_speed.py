"""Controlled mode's speed: schedule points per second, and explored runs per second.

1. Points: four threads take a recorded lock in turns, 20,000 cycles in all,
   under ``--control random`` (a real child through the supervisor, as
   ``concviz run`` does); the figure is the schedule's points over the run's
   wall time, next to the same program run free.
2. Exploration: ``concviz explore`` of the race (10 and 100 threads, gap 0,
   its watched variable) until it finds a lost update, and of race_locked (10
   threads) for 20 runs: runs per second.

Run: .venv/bin/python bench/control_speed.py
"""

from __future__ import annotations

import os
import tempfile
import textwrap
import time

from concviz import params as params_mod
from concviz import scenarios
from concviz.control.explore import explore
from concviz.supervisor import RunSpec, Supervisor

PROGRAM = """
import threading
lock = threading.Lock()
def work():
    for _ in range(5000):
        with lock:
            pass
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
"""


class Discard:
    def header(self, line: bytes) -> None:
        pass

    def events(self, lines: list[bytes]) -> None:
        pass

    def end(self, line: bytes) -> None:
        pass


def timed(spec: RunSpec) -> tuple[float, dict]:
    start = time.perf_counter()
    end = Supervisor(spec, Discard()).run()
    return time.perf_counter() - start, end


def scenario_spec(name: str, **given: str) -> RunSpec:
    scenario = scenarios.find(name)
    values = params_mod.resolve(scenario.params, given, from_text=True)
    argv = [f"--{k}={v!r}" if isinstance(v, float) else f"--{k}={v}" for k, v in values.items()]
    return RunSpec(path=str(scenario.path), target=name, argv=argv, params=values, watch=list(scenario.watch),
                   lines=False, timeout=300)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "locks.py")
        with open(path, "w") as f:
            f.write(textwrap.dedent(PROGRAM))
        free_s, _ = timed(RunSpec(path=path, target=path, timeout=300))
        spec = RunSpec(path=path, target=path, timeout=300, control={"strategy": "random", "seed": 0})
        controlled_s, end = timed(spec)
        points = end["summary"]["schedule"]["points"]
        print("schedule points (4 threads, 20,000 lock cycles, random strategy)")
        print(f"  free run {free_s:.2f} s; controlled {controlled_s:.2f} s: {points:,} points, "
              f"{points / controlled_s:,.0f} points/s, {len(end['summary']['schedule']['steps']):,} choices")

    print("explored runs per second (20 schedules each; a finding does not stop the count)")
    for name, given in (("race", {"threads": "10", "gap": "0"}), ("race", {"threads": "100", "gap": "0"}),
                        ("race_locked", {"threads": "10"}), ("deadlock", {})):
        spec = scenario_spec(name, **given)
        found = 0
        with open(os.devnull, "wb") as devnull:
            spec.stdout = devnull.fileno()
            start = time.perf_counter()
            for seed in range(20):
                found += sum(1 for result in explore(spec, "random", 1, seed) if result is not None)
            seconds = time.perf_counter() - start
        print(f"  {name} {given}: {20 / seconds:.1f} runs/s, {found} of 20 went wrong")

if __name__ == "__main__":
    main()
