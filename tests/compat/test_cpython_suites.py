"""Drop-in exactness against the reference: CPython's own test suites for the
primitives concviz instruments pass when run under `concviz run`.

The suite files are copied out of the standard library first, so that they
count as the program's own code and every primitive they create is the
instrumented one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import test as cpython_tests

# suite → tests that run, as under plain Python (each version has its own count;
# test_threading.py also covers Lock, RLock, Condition, Semaphore, Event and
# Barrier through lock_tests.py).
_COUNTS = {
    "test_threading.py": {(3, 11): 197, (3, 12): 203, (3, 13): 209},
    "test_thread.py": {(3, 11): 24, (3, 12): 24, (3, 13): 35},
    "test_queue.py": {(3, 11): 54, (3, 12): 54, (3, 13): 162},
    "test_select.py": {(3, 11): 6, (3, 12): 6, (3, 13): 6},
    "test_selectors.py": {(3, 11): 121, (3, 12): 79, (3, 13): 121},
}
SUITES = {suite: counts[sys.version_info[:2]] for suite, counts in _COUNTS.items()}


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_cpython_suite_passes_under_concviz(suite: str, tmp_path: Path) -> None:
    source = Path(cpython_tests.__file__).parent
    for name in (suite, "lock_tests.py"):
        text = (source / name).read_text()
        (tmp_path / name).write_text(text.replace("from test import lock_tests", "import lock_tests"))
    proc = subprocess.run(
        [sys.executable, "-m", "concviz.cli", "run", "--timeout", "300", "-o", "trace.jsonl", suite],
        cwd=tmp_path, capture_output=True, text=True, timeout=400,
    )
    report = proc.stderr
    assert proc.returncode == 0, report[-4000:]
    assert f"Ran {SUITES[suite]} tests" in report
    end = json.loads((tmp_path / "trace.jsonl").read_text().splitlines()[-1])
    assert end["status"] == "finished"
    assert end["summary"]["events"] > 0
