"""Drop-in exactness against the reference: CPython's own test suites for the
primitives concviz instruments pass when run under `concviz run`.

The suite files are copied out of the standard library first, so that they
count as the program's own code and every primitive they create is the
instrumented one.
"""

from __future__ import annotations

import json
import re
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
# test_queue.py builds its queues from fresh copies of the queue module
# (import_fresh_module), which would never touch the recorded classes: it is
# pointed at the real module, and the trace must show that many queues.
_FRESH_QUEUES = {
    "py_queue = import_helper.import_fresh_module('queue', blocked=['_queue'])": "import queue as py_queue",
    "c_queue = import_helper.import_fresh_module('queue', fresh=['_queue'])": "c_queue = py_queue",
}
# suite → (kind of recorded object, fewest distinct ones its trace must show)
_RECORDED = {"test_queue.py": ("queue", 30), "test_threading.py": ("lock", 20)}
# "Ran N tests" counts skipped ones too: at most a fifth of a suite's tests
# may be skipped, or, where plain Python skips more, what it skips
# (test_selectors.py skips kqueue, /dev/poll and more on Linux: 43 tests on
# 3.11, 3.12 and 3.13, of 121, 79 and 121).
PLAIN_SKIPS = {"test_selectors.py": 43}


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_cpython_suite_passes_under_concviz(suite: str, tmp_path: Path) -> None:
    source = Path(cpython_tests.__file__).parent
    for name in (suite, "lock_tests.py"):
        text = (source / name).read_text()
        text = text.replace("from test import lock_tests", "import lock_tests")
        if name == "test_queue.py":
            for fresh, real in _FRESH_QUEUES.items():
                assert fresh in text, f"test_queue.py no longer has {fresh!r}"
                text = text.replace(fresh, real)
        (tmp_path / name).write_text(text)
    proc = subprocess.run(
        # -v: each test's name as it runs, so that a suite that dies names its last test.
        [sys.executable, "-m", "concviz.cli", "run", "--timeout", "300", "-o", "trace.jsonl", suite, "-v"],
        cwd=tmp_path, capture_output=True, text=True, timeout=400,
    )
    report = proc.stderr
    # the tests that failed first (a crash's traceback can be longer than the report's tail)
    failed = "\n".join(re.findall(r"^.*\.\.\. (?:FAIL|ERROR)$|^(?:FAIL|ERROR): .*$", report, re.MULTILINE))
    assert proc.returncode == 0, f"{failed}\n…\n{report[-4000:]}"
    assert f"Ran {SUITES[suite]} tests" in report
    outcome = re.search(r"^OK(?: \((.*)\))?$", report, re.MULTILINE)
    assert outcome is not None, report[-4000:]
    skipped = int(dict(part.split("=") for part in (outcome.group(1) or "").split(", ") if part).get("skipped", 0))
    allowed = max(PLAIN_SKIPS.get(suite, 0), SUITES[suite] // 5)
    assert skipped <= allowed, f"{skipped} of {SUITES[suite]} tests skipped"
    lines = (tmp_path / "trace.jsonl").read_text().splitlines()
    end = json.loads(lines[-1])
    assert end["status"] == "finished"
    assert end["summary"]["events"] > 0
    if suite in _RECORDED:
        kind, fewest = _RECORDED[suite]
        objects = {e["obj"] for e in map(json.loads, lines[1:-1]) if e["kind"].startswith(kind + ".")}
        assert len(objects) >= fewest, f"only {len(objects)} recorded {kind} objects: the suite missed them"
