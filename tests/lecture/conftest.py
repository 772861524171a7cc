"""Fixtures for the lecture kit's tests: a scenario directory of our own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scenario_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty scenario directory with ``race.py`` in it, used instead of ``scenarios/``."""
    directory = tmp_path / "scenarios"
    directory.mkdir()
    shutil.copy(ROOT / "scenarios" / "race.py", directory / "race.py")
    monkeypatch.setenv("CONCVIZ_SCENARIOS", str(directory))
    return directory
