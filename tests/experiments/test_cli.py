"""``concviz sweep``: the table, the --json shape, exit 2 on bad input before any run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def concviz(*args: str, scenario_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CONCVIZ_SCENARIOS=str(scenario_dir))
    return subprocess.run([sys.executable, "-m", "concviz.cli", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_json_holds_every_run_with_params_status_exit_code_and_watched(scenario_dir: Path) -> None:
    done = concviz("sweep", "--json", "--jobs", "2", "--param", "gap=0,0.002", "--param", "threads=4",
                   "--repeat", "2", "race_locked", scenario_dir=scenario_dir)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["scenario"] == "race_locked" and data["repeat"] == 2 and data["result"] == "num"
    assert data["params"] == {"gap": [0.0, 0.002], "threads": [4]}
    assert len(data["runs"]) == 4
    for run in data["runs"]:
        assert {"params", "status", "exit_code", "watched"} <= set(run)
        assert run["params"]["threads"] == 4 and run["params"]["switch_interval"] == 0.005
        assert (run["status"], run["exit_code"]) == ("finished", 0)
        # as in a trace's summary
        # 5 writes: its first assignment and 4 decrements
        assert run["watched"]["num"] == {"initial": 4, "final": 0, "writes": 5, "lost_updates": 0}
    assert [row["params"] for row in data["table"]] == [{"gap": 0.0, "threads": 4}, {"gap": 0.002, "threads": 4}]


def test_the_table_has_a_row_per_value(scenario_dir: Path) -> None:
    done = concviz("sweep", "--fresh", "--param", "threads=2..3", "--param", "gap=0", "race",
                   scenario_dir=scenario_dir)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:4] == ["threads", "gap", "runs", "statuses"]
    assert [line.split()[:3] for line in lines[1:]] == [["2", "0", "1/1"], ["3", "0", "1/1"]]
    assert "2 of 2 runs ended" in done.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--param", "nope=1"], "unknown parameter 'nope'"),
    (["--param", "gap=0..2:3"], "expected a number between 0 and 1 for 'gap', got 2.0"),
    (["--repeat", "0"], "expected an integer between 1 and 1000 for 'repeat', got 0"),
    (["--repeat", str(10**9)], "got 1000000000"),
    (["--param", "threads=1..200", "--repeat", "10"], "2000 runs (200 threads × 10 repeats)"),
    (["--param", "gap"], "expected --param NAME=VALUES"),
    (["--repeat", "many"], "invalid int value"),
])
def test_bad_input_exits_2_before_any_run(scenario_dir: Path, args: list[str], message: str) -> None:
    done = concviz("sweep", *args, "race", scenario_dir=scenario_dir)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == ""


def test_an_unknown_scenario_exits_2(scenario_dir: Path) -> None:
    done = concviz("sweep", "no_such_thing", scenario_dir=scenario_dir)
    assert done.returncode == 2 and "no scenario named 'no_such_thing'" in done.stderr
