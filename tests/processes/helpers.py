"""Running a program under `concviz run` and reading its trace, for the process tests."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

METHODS = ["fork", "spawn", "forkserver"]


@dataclass
class Run:
    proc: subprocess.CompletedProcess[str]
    header: dict[str, Any]
    events: list[dict[str, Any]]
    end: dict[str, Any]

    def kinds(self, *kinds: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["kind"] in kinds]

    def begins(self) -> dict[int, dict[str, Any]]:
        """pid → its process.begin."""
        return {e["pid"]: e for e in self.kinds("process.begin")}

    def names(self) -> dict[int, str]:
        return {e["pid"]: e["args"]["name"] for e in self.kinds("process.name")}


def run_program(tmp_path: Path, source: str, *args: str, timeout: float = 60) -> Run:
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(source))
    proc = subprocess.run(
        [sys.executable, "-m", "concviz.cli", "run", "--timeout", "30", "-o", "t.jsonl", str(script), *args],
        capture_output=True, text=True, timeout=timeout, cwd=tmp_path)
    lines = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    return Run(proc, lines[0], lines[1:-1], lines[-1])
