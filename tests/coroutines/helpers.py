"""Running a coroutine program both ways: plain Python and `concviz run`."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any


def run_both(tmp_path: Path, source: str) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(source))
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    recorded = subprocess.run([sys.executable, "-m", "concviz.cli", "run", "-q", "-o", "t.jsonl", str(script)],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert (recorded.returncode, recorded.stdout) == (plain.returncode, plain.stdout), recorded.stderr
    lines = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    return recorded, lines[1:]


def names(events: list[dict[str, Any]]) -> dict[int, str]:
    return {e["obj"]: e["args"]["name"] for e in events if e.get("kind") in ("coro.new", "coro.name")}
