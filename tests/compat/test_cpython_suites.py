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

SUITES = {
    "test_threading.py": 197,  # threads, and (through lock_tests.py) Lock, RLock, Condition, Semaphore, Event, Barrier
    "test_thread.py": 24,
    "test_queue.py": 54,
    "test_select.py": 6,
    "test_selectors.py": 121,
}


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
