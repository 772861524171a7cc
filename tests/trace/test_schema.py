"""The trace format: generated types stay in sync, and real traces follow the schema."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest

from concviz import events, schema_gen

ROOT = Path(__file__).resolve().parents[2]


def test_generated_typescript_and_json_schema_are_up_to_date() -> None:
    assert schema_gen.main(["--check"]) == 0, "run `python -m concviz.schema_gen`"


def _conforms(value: Any, tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if tp is Any:
        return True
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if origin is typing.Literal:
        return value in typing.get_args(tp)
    if origin in (typing.Union, __import__("types").UnionType):
        return any(_conforms(value, a) for a in typing.get_args(tp))
    if origin is list:
        return isinstance(value, list) and all(_conforms(v, typing.get_args(tp)[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    raise TypeError(tp)


def assert_follows_schema(line: dict[str, Any], cls: type) -> None:
    hints = typing.get_type_hints(cls, vars(events))
    fields = {f.name for f in dataclasses.fields(cls)}
    assert set(line) <= fields, f"{cls.__name__}: unexpected {set(line) - fields}"
    for f in dataclasses.fields(cls):
        if f.name not in line:
            assert f.default is not dataclasses.MISSING, f"{cls.__name__}: missing {f.name}"
            continue
        assert _conforms(line[f.name], hints[f.name]), f"{cls.__name__}.{f.name} = {line[f.name]!r}"


@pytest.mark.parametrize(("scenario", "param"), [("race", "threads=3"), ("condition", "items=3"),
                                                  ("thread_basics", "work=0.01"), ("producer_consumer", "items=2"),
                                                  ("queue_kinds", "delay=0"), ("nonblocking_poll", "clients=1"),
                                                  ("select_loop", "clients=2"), ("selectors_server", "clients=2")])
def test_every_line_of_a_real_trace_follows_the_schema(scenario: str, param: str, tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    subprocess.run([sys.executable, "-m", "concviz.cli", "run", "-q", "--param", param, "-o", str(trace), scenario],
                   check=True, capture_output=True, timeout=60)
    lines = [json.loads(line) for line in trace.read_text().splitlines()]
    assert_follows_schema(lines[0], events.Header)
    assert_follows_schema(lines[-1], events.End)
    kinds_seen = set()
    for line in lines[1:-1]:
        assert_follows_schema(line, events.Envelope)
        assert line["kind"] in events.KINDS, line["kind"]
        assert_follows_schema(line["args"], events.KINDS[line["kind"]])
        kinds_seen.add(line["kind"])
    assert {"thread.begin", "thread.end", "print"} <= kinds_seen
    times = [line["t"] for line in lines[1:-1]]
    assert times == sorted(times), "time never decreases along seq"
