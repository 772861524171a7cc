"""Drop-in exactness for asyncio: CPython's own asyncio suites for locks,
queues and tasks pass under `concviz run`, with every task they make
recorded as a coroutine (the task recording is global: it is not limited to
the program's own files)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = """
import sys, unittest
unittest.main(module=sys.argv[1], argv=[sys.argv[0]])
"""
# suite → (tests that run, at most skipped as under plain Python)
SUITES = {
    "test.test_asyncio.test_locks": (70, 0),
    "test.test_asyncio.test_queues": (44, 0),
    "test.test_asyncio.test_tasks": (913, 1),
}


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_cpython_asyncio_suite_passes_under_concviz(suite: str, tmp_path: Path) -> None:
    (tmp_path / "driver.py").write_text(DRIVER)
    proc = subprocess.run(
        [sys.executable, "-m", "concviz.cli", "run", "--timeout", "300", "--max-events", "5000000",
         "-o", "trace.jsonl", "driver.py", suite], cwd=tmp_path, capture_output=True, text=True, timeout=400)
    report = proc.stderr
    ran, skipped = SUITES[suite]
    assert proc.returncode == 0, report[-4000:]
    assert f"Ran {ran} tests" in report, report[-2000:]
    match = re.search(r"^OK(?: \(skipped=(\d+)\))?$", report, re.MULTILINE)
    assert match is not None and int(match.group(1) or 0) <= skipped, report[-2000:]
    end = json.loads((tmp_path / "trace.jsonl").read_text().splitlines()[-1])
    assert end["status"] == "finished"
    kinds = {c["kind"] for c in end["summary"]["coroutines"].values()}
    assert kinds == {"asyncio"} and len(end["summary"]["coroutines"]) > 20
