"""gevent's own test suites for its events, queues and semaphores pass under
`concviz run`, with gevent's primitives recorded (instrument/gevent_sync.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import gevent.tests
import pytest

# suite → how many tests it runs (gevent 26.9.0), and how many gevent itself skips here
SUITES = {"test__event.py": (46, 0), "test__queue.py": (100, 4), "test__semaphore.py": (19, 0)}


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_gevent_suite_passes_under_concviz(suite: str, tmp_path: Path) -> None:
    shutil.copy(Path(gevent.tests.__file__).parent / suite, tmp_path / suite)
    proc = subprocess.run([sys.executable, "-m", "concviz.cli", "run", "--timeout", "120", "-o", "trace.jsonl", suite],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180)
    report = proc.stderr
    assert proc.returncode == 0, report[-4000:]
    ran, skipped = SUITES[suite]
    assert f"Ran {ran} tests" in report, report[-2000:]
    assert re.search(rf"^OK{f' [(]skipped={skipped}[)]' if skipped else ''}$", report, re.MULTILINE), report[-2000:]
    lines = (tmp_path / "trace.jsonl").read_text().splitlines()
    made = {json.loads(line)["args"]["type"] for line in lines[1:-1] if '"obj.new"' in line}
    assert made & {"Event", "Queue", "Semaphore", "BoundedSemaphore"}, "the suite's objects were recorded"
