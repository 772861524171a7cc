"""``concviz explore``: finds what goes wrong, saves a schedule that shows it again."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def concviz(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "concviz.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_explore_finds_the_deadlock_and_its_schedule_replays_it(tmp_path: Path) -> None:
    found = concviz("explore", "--runs", "30", "--schedule-out", "dl.json", "deadlock", cwd=tmp_path)
    assert found.returncode == 1, found.stderr
    assert "found a deadlock" in found.stderr and "replay:dl.json" in found.stderr
    doc = json.loads((tmp_path / "dl.json").read_text())
    assert doc["format"] == "concviz-schedule" and doc["found"]["what"] == "deadlock"
    again = concviz("run", "-q", "--control", "replay:dl.json", "-o", "t.jsonl", "deadlock", cwd=tmp_path)
    assert again.returncode == 3, again.stderr
    end = json.loads((tmp_path / "t.jsonl").read_text().splitlines()[-1])
    assert end["status"] == "deadlocked" and end["summary"]["schedule"]["diverged"] is None


def test_explore_finds_a_lost_update_in_the_race_without_a_gap(tmp_path: Path) -> None:
    for strategy in ("random", "pct"):
        found = concviz("explore", "--strategy", strategy, "--runs", "20", "--param", "gap=0", "--param",
                        "threads=10", "race", cwd=tmp_path)
        assert found.returncode == 1, found.stderr
        assert "found a lost update" in found.stderr


def test_explore_finds_nothing_where_the_locks_are_right(tmp_path: Path) -> None:
    for scenario in ("race_locked", "rlock"):
        clean = concviz("explore", "--runs", "8", "--param", "threads=10", scenario, cwd=tmp_path) \
            if scenario == "race_locked" else concviz("explore", "--runs", "8", scenario, cwd=tmp_path)
        assert clean.returncode == 0, clean.stderr
        assert "nothing found in 8 random schedules" in clean.stderr


def test_explore_reports_an_exception_in_a_thread(tmp_path: Path) -> None:
    (tmp_path / "p.py").write_text(
        "import threading\n"
        "items = [1]\n"
        "def take():\n"
        "    if items:\n"
        "        with threading.Lock():\n"
        "            pass\n"
        "        items.pop()\n"
        "ts = [threading.Thread(target=take) for _ in range(2)]\n"
        "for t in ts: t.start()\n"
        "for t in ts: t.join()\n")
    # Thread 2 must check the list between thread 1's check and its pop: rare
    # in a random walk (thread 2 starts late), what PCT's priorities are for.
    found = concviz("explore", "--strategy", "pct", "--runs", "60", "p.py", cwd=tmp_path)
    assert found.returncode == 1, found.stderr
    assert "found an exception" in found.stderr
    assert "IndexError" in found.stderr


def test_bad_control_options_exit_2(tmp_path: Path) -> None:
    for args in (["run", "--control", "chaos", "race"], ["run", "--control", "replay:missing.json", "race"],
                 ["run", "--seed", "3", "race"], ["explore", "--runs", "0", "race"],
                 ["run", "--control", "pct", "--pct-depth", "0", "race"]):
        bad = concviz(*args, cwd=tmp_path)
        assert bad.returncode == 2, (args, bad.stderr)
        assert "error" in bad.stderr
    (tmp_path / "not.json").write_text("{}")
    bad = concviz("run", "--control", "replay:not.json", "race", cwd=tmp_path)
    assert bad.returncode == 2 and "not a schedule" in bad.stderr
