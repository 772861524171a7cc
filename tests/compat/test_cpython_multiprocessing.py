"""Drop-in exactness across processes: CPython's own multiprocessing tests
(``test/_test_multiprocessing.py``, the suite behind test_multiprocessing_fork,
_spawn and _forkserver) pass under `concviz run`.

The suite file is copied out of the standard library so that it counts as
the program's own code: every Lock, Queue, Pipe... it makes through a
context is the recorded one, in every process. Which tests, and why: with
fork, every test class that runs real processes or a manager (218 tests,
about 40 s); with spawn and forkserver, where each process costs a fresh
interpreter, the classes of the primitives concviz records — Lock, RLock,
Semaphore, Event, Condition, Barrier, Value, Queue, Pipe/Connection,
Process, Pool (95 tests, 40–50 s each).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import test as cpython_tests

DRIVER = """
import sys, unittest
import _test_multiprocessing

_test_multiprocessing.install_tests_in_module_dict(globals(), sys.argv[1])

if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *sys.argv[2:]])
"""

RECORDED = ["WithProcessesTestLock", "WithProcessesTestSemaphore", "WithProcessesTestEvent",
            "WithProcessesTestCondition", "WithProcessesTestBarrier", "WithProcessesTestValue",
            "WithProcessesTestQueue", "WithProcessesTestConnection", "WithProcessesTestProcess",
            "WithProcessesTestPool."]
# method → (-k patterns, tests that run, at most skipped as under plain Python)
SELECTIONS = {
    "fork": (["WithProcesses", "WithManager"], 218, 12),
    "spawn": (RECORDED, 95, 2),
    "forkserver": (RECORDED, 95, 0),
}


@pytest.mark.parametrize("method", sorted(SELECTIONS))
def test_cpython_multiprocessing_suite_passes_under_concviz(method: str, tmp_path: Path) -> None:
    source = Path(cpython_tests.__file__).parent / "_test_multiprocessing.py"
    (tmp_path / "_test_multiprocessing.py").write_text(source.read_text())
    (tmp_path / "driver.py").write_text(DRIVER)
    patterns, ran, skipped = SELECTIONS[method]
    selection = [arg for pattern in patterns for arg in ("-k", pattern)]
    proc = subprocess.run(
        [sys.executable, "-m", "concviz.cli", "run", "--timeout", "400", "-o", "trace.jsonl", "driver.py", method,
         *selection], cwd=tmp_path, capture_output=True, text=True, timeout=500,
    )
    report = proc.stderr
    assert proc.returncode == 0, report[-4000:]
    assert f"Ran {ran} tests" in report, report[-2000:]
    match = re.search(r"^OK(?: \(skipped=(\d+)\))?$", report, re.MULTILINE)
    assert match is not None, report[-2000:]
    assert int(match.group(1) or 0) <= skipped
    end = json.loads((tmp_path / "trace.jsonl").read_text().splitlines()[-1])
    assert end["status"] == "finished"
    # The suite's processes were recorded: far more than the program's own.
    assert len(end["summary"]["processes"]) > 20
