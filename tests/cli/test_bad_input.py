"""Bad input to `concviz run`: one clear line on stderr, exit status 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def concviz(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "concviz.cli", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "no_such_scenario"), "no scenario named 'no_such_scenario'"),
        (("run", "../etc/passwd"), "no such file: ../etc/passwd"),
        (("run", "missing.py"), "no such file: missing.py"),
        (("run", "--param", "threads=0", "race"), "expected an integer between 1 and 500 for 'threads', got 0"),
        (("run", "--param", "gap=NaN", "race"), "expected a number between 0 and 1 for 'gap', got 'NaN'"),
        (("run", "--param", "gap=inf", "race"), "expected a number between 0 and 1 for 'gap', got 'inf'"),
        (("run", "--param", "threads=ten", "race"), "expected an integer between 1 and 500 for 'threads', got 'ten'"),
        (("run", "--param", "threads=2.5", "race"), "expected an integer between 1 and 500 for 'threads', got '2.5'"),
        (("run", "--param", "colour=red", "race"), "unknown parameter 'colour'"),
        (("run", "--param", "threads", "race"), "expected --param NAME=VALUE, got 'threads'"),
        (("run", "--timeout", "-1", "race"), "expected a number of seconds between 0 and 86400, got '-1'"),
        (("run", "--timeout", "nan", "race"), "expected a number of seconds between 0 and 86400, got 'nan'"),
        (("run", "--max-threads", "0", "race"), "expected an integer between 1 and 100000, got '0'"),
        (("run", "--max-memory", "3X", "race"), "expected a memory size between 16M and 1024T (e.g. 512M, 2G)"),
        (("run", "--max-memory", "1M", "race"), "between 16M and 1024T (e.g. 512M, 2G), got '1M'"),
        (("run", "race", "--param", "threads=20"), "options go before it: concviz run --param threads=20 race"),
        (("run", "race", "--threads=20", "-q"), "options go before it: concviz run --param threads=20 -q race"),
        (("run",), "the following arguments are required: target"),
        (("fly",), "invalid choice: 'fly'"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    proc = concviz(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("concviz: error: ")
    assert message in lines[0]
    assert "Traceback" not in proc.stderr


def test_param_on_a_script_is_refused(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text("print('hi')\n")
    proc = concviz("run", "--param", "x=1", str(script))
    assert proc.returncode == 2
    assert "--param applies to scenarios" in proc.stderr


def test_unwritable_trace_path_is_a_clear_error(tmp_path: Path) -> None:
    proc = concviz("run", "-o", str(tmp_path / "no" / "such" / "dir" / "t.jsonl"), "race")
    assert proc.returncode == 2
    assert "cannot write the trace" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("argv", "message"), [
    (["--thread=3"], "unknown parameter 'thread' (known: threads, gap, switch_interval)"),
    (["extra"], "expected --NAME=VALUE arguments, got extra"),
])
def test_a_scenario_run_by_python_rejects_arguments_it_does_not_know(argv: list[str], message: str) -> None:
    race = Path(__file__).resolve().parents[2] / "scenarios" / "race.py"
    proc = subprocess.run([sys.executable, str(race), *argv], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
