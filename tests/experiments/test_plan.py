"""The grid of a sweep: lists and ranges, bounds, caps — all checked before anything starts."""

from __future__ import annotations

import pytest

from concviz import scenarios
from concviz.experiments.sweep import MAX_VALUES, SweepErrors, parse_values, plan


def race_param(name: str):  # type: ignore[no-untyped-def]
    return next(p for p in scenarios.find("race").params if p.name == name)


def test_a_list_of_values_is_taken_in_order_each_once() -> None:
    assert parse_values(race_param("gap"), "0, 1e-4,1e-3,1e-4") == [0.0, 0.0001, 0.001]


def test_a_log_range_is_log_spaced_with_both_ends_exact() -> None:
    assert parse_values(race_param("gap"), "1e-4..1e-2:log5") == [0.0001, 0.000316228, 0.001, 0.00316228, 0.01]


def test_a_linear_range_and_an_integer_range() -> None:
    assert parse_values(race_param("gap"), "0..0.01:5") == [0.0, 0.0025, 0.005, 0.0075, 0.01]
    assert parse_values(race_param("threads"), "2..5") == [2, 3, 4, 5]
    assert parse_values(race_param("threads"), "1..4:log8") == [1, 2, 3, 4]  # rounded, each once


@pytest.mark.parametrize(("text", "message"), [
    ("0..2:3", "expected a number between 0 and 1 for 'gap', got 2.0"),
    ("0..0.01", "say how many values 'gap' takes"),
    ("0..0.01:log3", "a log range for 'gap' must start above 0"),
    ("0.01..0:3", "goes from low to high"),
    ("1,,2", "expected values like 1,2,3"),
    ("nan", "got 'nan'"),
    (f"0..1:{MAX_VALUES + 1}", f"expected between 2 and {MAX_VALUES} values"),
])
def test_bad_values_are_refused_with_a_precise_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        parse_values(race_param("gap"), text)
    assert message in str(caught.value)


def test_runs_go_repeat_by_repeat_over_the_whole_grid_with_defaults_for_the_rest() -> None:
    p = plan(scenarios.find("race"), {"gap": [0.0, 0.001], "threads": "2..3"}, 2)
    assert p.swept == ["gap", "threads"]
    assert p.result == "num"
    points = [(r["gap"], r["threads"]) for r in p.runs]
    assert points == [(0.0, 2), (0.0, 3), (0.001, 2), (0.001, 3)] * 2
    assert all(r["switch_interval"] == 0.005 for r in p.runs)


@pytest.mark.parametrize(("given", "repeat", "field", "message"), [
    ({"nope": [1]}, 1, "nope", "unknown parameter 'nope' (known: threads, gap, switch_interval)"),
    ({"gap": [0.5, 2.0]}, 1, "gap", "expected a number between 0 and 1 for 'gap', got 2.0"),
    ({"threads": [True]}, 1, "threads", "got True"),
    ({}, 0, "repeat", "expected an integer between 1 and 1000 for 'repeat', got 0"),
    ({}, 10**9, "repeat", "got 1000000000"),
    ({"threads": "1..200", "gap": "0..1:6"}, 1, "runs", "1200 runs (200 threads × 6 gap × 1 repeats)"),
])
def test_a_bad_sweep_names_the_field_and_says_what_was_expected(
    given: dict[str, object], repeat: int, field: str, message: str
) -> None:
    with pytest.raises(SweepErrors) as caught:
        plan(scenarios.find("race"), given, repeat)
    assert [e.name for e in caught.value.errors] == [field]
    assert message in str(caught.value)
