"""Drop-in exactness for asyncio: CPython's own asyncio suites for locks,
queues and tasks pass under `concviz run`, with every task they make
recorded as a coroutine (the task recording is global: it is not limited to
the program's own files).

Locks and queues are recorded only when the program's own code makes them,
so those two suites run from a copy of their module in the test's directory:
then the objects they make are the program's, and the test checks that
hundreds of them were recorded."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = """
import sys, unittest
unittest.main(module=sys.argv[1], argv=[sys.argv[0]])
"""
# suite → (tests that run, at most skipped as under plain Python, recorded objects at least);
# the counts are those of plain Python, per version (3.13 added Queue.shutdown and more).
_RAN = {(3, 11): (70, 44, 913), (3, 12): (70, 44, 945), (3, 13): (75, 59, 977)}[sys.version_info[:2]]
SUITES = {
    "test.test_asyncio.test_locks": (_RAN[0], 0, 60),
    "test.test_asyncio.test_queues": (_RAN[1], 0, 40),
    "test.test_asyncio.test_tasks": (_RAN[2], 1, 0),
}


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_cpython_asyncio_suite_passes_under_concviz(suite: str, tmp_path: Path) -> None:
    (tmp_path / "driver.py").write_text(DRIVER)
    ran, skipped, objects = SUITES[suite]
    module = suite
    if objects:  # a copy, so that its locks and queues are the program's
        module = "suite_" + suite.rsplit(".", 1)[1]
        source = importlib.util.find_spec(suite).origin  # type: ignore[union-attr]
        shutil.copy(source, tmp_path / f"{module}.py")  # type: ignore[arg-type]
    proc = subprocess.run(
        [sys.executable, "-m", "concviz.cli", "run", "--timeout", "300", "--max-events", "5000000",
         "-o", "trace.jsonl", "driver.py", module], cwd=tmp_path, capture_output=True, text=True, timeout=400)
    report = proc.stderr
    assert proc.returncode == 0, report[-4000:]
    assert f"Ran {ran} tests" in report, report[-2000:]
    match = re.search(r"^OK(?: \(skipped=(\d+)\))?$", report, re.MULTILINE)
    assert match is not None and int(match.group(1) or 0) <= skipped, report[-2000:]
    end = json.loads((tmp_path / "trace.jsonl").read_text().splitlines()[-1])
    assert end["status"] == "finished"
    kinds = {c["kind"] for c in end["summary"]["coroutines"].values()}
    assert kinds == {"asyncio"} and len(end["summary"]["coroutines"]) > 20
    assert len(end["summary"]["objects"]) >= objects
