"""Runs forked from the pre-started interpreter behave as runs started afresh, and leave nothing behind."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from concviz.experiments.outcomes import outcome
from concviz.experiments.pool import execute, make_job
from concviz.experiments.zygote import Zygote


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    z = Zygote()
    yield z
    z.close()
    assert z.process.returncode == 0


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("prestarted", [False, True], ids=["fresh", "prestarted"])
def test_processes_that_left_the_run_die_with_it(zygote: Zygote, prestarted: bool) -> None:
    result = execute(make_job("escape", {"n": 1}, None, timeout=20), zygote=zygote if prestarted else None)
    assert result["end"]["status"] == "finished", result["end"]
    printed = [json.loads(line)["args"]["text"] for line in result["lines"] if b'"print"' in line]
    escaped = [int(pid) for pid in printed[0].split()[1:]]
    assert len(escaped) == 2 and os.getpid() not in escaped
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in escaped) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(_alive(pid) for pid in escaped)


def test_a_forked_run_records_what_a_fresh_one_does(zygote: Zygote) -> None:
    params = {"threads": 4, "gap": 0.001, "switch_interval": 0.005}
    fresh = execute(make_job("race_locked", params, "num"))
    forked = execute(make_job("race_locked", params, "num"), zygote=zygote)

    def counts(lines: list[bytes]) -> Counter[str]:
        # the kinds whose number does not depend on how the threads interleave
        steady = {"process.begin", "thread.new", "thread.start", "thread.begin", "thread.end", "thread.joined",
                  "lock.acquire", "lock.release", "var.read", "var.write", "print", "program.end"}
        return Counter(e["kind"] for e in map(json.loads, lines) if e["kind"] in steady)

    assert counts(forked["lines"]) == counts(fresh["lines"])
    assert counts(fresh["lines"])["lock.acquire"] == 4
    timing = {"duration_s": 0, "max_waiters": 0}  # these depend on how the threads interleave
    assert outcome(forked["end"], "num") | timing == outcome(fresh["end"], "num") | timing


def test_a_crash_and_an_exit_code_come_back_as_from_a_fresh_run(zygote: Zygote) -> None:
    params = {"threads": 2, "gap": 0.0, "switch_interval": 0.005}
    forked = execute(make_job("race", params | {"threads": 0}, "num"), zygote=zygote)  # threads=0: out of bounds
    fresh = execute(make_job("race", params | {"threads": 0}, "num"))
    assert (forked["end"]["status"], forked["end"]["exit_code"]) == (fresh["end"]["status"], fresh["end"]["exit_code"])
    assert fresh["end"]["exit_code"] == 2
