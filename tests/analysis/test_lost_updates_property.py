"""Property: over random interleavings of threads incrementing a watched
variable (``x += 1`` and ``seen = x; x = seen + 1``, with a switch point
after each), the trace records the values each thread really read and wrote,
and the analysis names exactly as many lost updates as increments are missing.
The interleavings come from controlled mode's random strategy, one seed per
case, drawn from a seeded generator: every case is reproducible."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROGRAM = """
import sys, threading, time
x = 0
K, M = int(sys.argv[1]), int(sys.argv[2])

def work():
    global x
    for i in range(M):
        if i % 2:
            x += 1
            time.sleep(0)
        else:
            seen = x
            time.sleep(0)
            x = seen + 1

threads = [threading.Thread(target=work) for _ in range(K)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(x)
"""

_rng = random.Random(13)
CASES = [(_rng.randrange(2, 5), _rng.randrange(1, 7), _rng.randrange(1 << 30)) for _ in range(12)]


@pytest.mark.parametrize(("threads", "increments", "seed"), CASES)
def test_lost_updates_are_exactly_the_missing_increments(tmp_path: Path, threads: int, increments: int,
                                                          seed: int) -> None:
    script = tmp_path / "counter.py"
    script.write_text(textwrap.dedent(PROGRAM))
    proc = subprocess.run(
        [sys.executable, "-m", "concviz.cli", "run", "-q", "--watch", "x", "--control", "random", "--seed",
         str(seed), "-o", "t.jsonl", str(script), str(threads), str(increments)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    final = int(proc.stdout)
    lines = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    end = lines[-1]
    watched = end["summary"]["watched"]["x"]
    assert watched["final"] == final
    assert watched["writes"] == 1 + threads * increments  # x = 0, then every increment
    assert watched["lost_updates"] == threads * increments - final
    assert len(end["summary"]["lost_updates"]) == watched["lost_updates"]
    # Each write is one more than the value its thread read just before.
    last_read: dict[int, int] = {}
    for e in lines[1:-1]:
        if e["kind"] == "var.read":
            last_read[e["tid"]] = e["args"]["value"]
        elif e["kind"] == "var.write" and e["tid"] in last_read:
            assert e["args"]["value"] == last_read.pop(e["tid"]) + 1, e
