"""greenlet's own test suites pass under `concviz run`: following every
switch (instrument/greenlets.py: a greenlet trace in each thread, naming
greenlets as they first switch) changes nothing a greenlet program can see,
its tracing API (``greenlet.settrace``, ``gettrace``) included."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

# suite → how many tests it runs and how many greenlet itself skips here (greenlet 3.x)
SUITES = {
    "test_greenlet": {(3, 11): (73, 2), (3, 12): (72, 2), (3, 13): (73, 1)},
    "test_tracing": {(3, 11): (10, 0), (3, 12): (10, 0), (3, 13): (10, 0)},
}


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_greenlet_suite_passes_under_concviz(suite: str, tmp_path: Path) -> None:
    # The suites are a package with relative imports: a script of the
    # program's runs them where greenlet installed them.
    (tmp_path / "suite.py").write_text(
        f"import unittest\nunittest.main(module='greenlet.tests.{suite}', argv=['suite'])\n")
    proc = subprocess.run([sys.executable, "-m", "concviz.cli", "run", "--timeout", "200", "-o", "trace.jsonl",
                           "suite.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    report = proc.stderr
    failed = "\n".join(re.findall(r"^(?:FAIL|ERROR): .*$", report, re.MULTILINE))
    assert proc.returncode == 0, f"{failed}\n…\n{report[-4000:]}"
    ran, skipped = SUITES[suite][sys.version_info[:2]]
    assert f"Ran {ran} tests" in report, report[-2000:]
    assert re.search(rf"^OK{f' [(]skipped={skipped}[)]' if skipped else ''}$", report, re.MULTILINE), report[-2000:]
    assert re.search(r"coroutines: main greenlet \(greenlet, \d+ switches in\)", report), "switches were recorded"
