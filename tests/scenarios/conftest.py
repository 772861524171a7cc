"""Run a scenario through the real CLI (a real child process) and read its trace."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    header: dict[str, Any]
    events: list[dict[str, Any]]
    end: dict[str, Any]

    @property
    def summary(self) -> dict[str, Any]:
        return self.end["summary"]

    def kinds(self, *kinds: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["kind"] in kinds]

    def objects(self) -> dict[str, int]:
        """Object name → id."""
        return {e["args"]["name"]: e["obj"] for e in self.kinds("obj.new")}

    def names(self) -> dict[int, str]:
        return {e["args"]["thread"]: e["args"]["name"] for e in self.kinds("thread.begin")}

    def prints(self) -> list[str]:
        return [e["args"]["text"] for e in self.kinds("print")]


def read_trace(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["type"] == "header"
    assert lines[-1]["type"] == "end"
    return lines[0], lines[1:-1], lines[-1]


@pytest.fixture
def run_scenario(tmp_path: Path) -> Any:
    def run(target: str, *options: str, args: tuple[str, ...] = (), timeout: float = 60) -> Run:
        trace = tmp_path / f"{Path(target).stem}.jsonl"
        proc = subprocess.run(
            [sys.executable, "-m", "concviz.cli", "run", "-o", str(trace), *options, target, *args],
            capture_output=True, text=True, timeout=timeout,
        )
        header, events, end = read_trace(trace)
        return Run(proc.returncode, proc.stdout, proc.stderr, header, events, end)

    return run
