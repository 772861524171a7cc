"""Fixtures of the export tests: real traces recorded by the real ``concviz run``, and the
server tests' in-process app (``api``, ``make_app``: see tests/server/conftest.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from server.conftest import api, make_app, scenario_dir, scenarios_env  # noqa: F401 - fixtures, used by name


def concviz(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "concviz.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@pytest.fixture(scope="session")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``recorded(scenario)`` → the trace of the scenario's default run (recorded once per session)."""
    directory = tmp_path_factory.mktemp("traces")
    done: dict[str, Path] = {}

    def record(scenario: str) -> Path:
        if scenario not in done:
            path = directory / f"{scenario}.jsonl"
            proc = concviz("run", "-q", "-o", str(path), scenario)
            assert path.is_file(), f"concviz run {scenario} wrote no trace:\n{proc.stderr}"
            done[scenario] = path
        return done[scenario]

    return record
