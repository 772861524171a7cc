"""The tour format: what it accepts, how it says what is wrong, and the tours the scenarios ship."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from concviz import scenarios, tours
from concviz.tours import TourError, parse_duration, parse_tour, tour_fields

from .anchors import anchor_found
from .conftest import ROOT

SHIPPED = sorted((ROOT / "scenarios").glob("*.tour.json"))
STORIES = ("race", "deadlock", "semaphore", "event", "queue_join", "select_loop")


def stop(**fields: Any) -> dict[str, Any]:
    return {"at": {"fraction": 0.5}, "note": "look here"} | fields


def error_of(data: Any) -> str:
    with pytest.raises(TourError) as caught:
        parse_tour(data)
    return str(caught.value)


# --- accepted -----------------------------------------------------------------------------------------


def test_a_tour_with_every_anchor_form_is_accepted_as_written() -> None:
    data = {"version": 1, "title": "All forms", "stops": [
        stop(at={"fraction": 0}, to={"fraction": 1}, lanes=[]),
        stop(at={"focus": 0.25}, window="2ms"),
        stop(at={"t": 1_500_000}, window=250_000, lanes=["Thread-1", "$at"]),
        stop(at={"kind": "lock.block", "nth": -1, "thread": "Thread-2", "object": "LockB"},
             to={"kind": "lock.acquire"}, lanes=["$at", "$to", "$cycle"], note="{thread} waits; {to.thread} holds"),
        stop(at={"lost_update": 2, "step": "overwritten"}, note="{thread} wrote {value}"),
    ]}
    tour = parse_tour(data)
    assert tour["stops"][3]["at"] == {"kind": "lock.block", "nth": -1, "thread": "Thread-2", "object": "LockB"}
    assert tour["stops"][3]["to"] == {"kind": "lock.acquire", "nth": 1}
    assert tour["stops"][4]["at"] == {"lost_update": 2, "step": "overwritten"}
    assert parse_tour(tour) == tour


def test_a_tour_without_version_or_stops_content_is_version_1() -> None:
    assert parse_tour({"stops": []}) == {"version": 1, "stops": []}


@pytest.mark.parametrize(("text", "ns"), [
    ("2ms", 2_000_000), ("1.5 s", 1_500_000_000), ("250us", 250_000), ("250µs", 250_000), ("40ns", 40), (7, 7),
])
def test_durations_take_a_unit_or_whole_nanoseconds(text: Any, ns: int) -> None:
    assert parse_duration(text) == ns


@pytest.mark.parametrize("text", ["2", "2 minutes", "-1ms", 0, -5, True, 1.5, None, "0ms"])
def test_durations_without_a_unit_or_not_positive_are_refused(text: Any) -> None:
    with pytest.raises(TourError, match='expected a duration like "2ms"'):
        parse_duration(text, "window")


# --- refused, with the field and what was expected ----------------------------------------------------


@pytest.mark.parametrize(("data", "message"), [
    ([], 'tour: expected an object like {"version": 1, "stops": [...]}, got an array'),
    ({"version": 2, "stops": []}, "tour.version: expected 1, got 2"),
    ({"stops": [], "steps": []}, "tour.steps: unknown field (expected version, title, stops)"),
    ({"stops": {}}, "tour.stops: expected a list of stops, got an object"),
    ({"stops": [{"note": "x"}]}, "tour.stops[0].at: missing: every stop needs an anchor (where the playhead goes)"),
    ({"stops": [{"at": {"fraction": 0.5}}]}, "tour.stops[0].note: missing: every stop needs a short note to show"),
    ({"stops": [stop(note="   ")]}, "tour.stops[0].note: expected some text, got an empty string"),
    ({"stops": [stop(note="x" * 501)]}, "tour.stops[0].note: expected at most 500 characters, got 501"),
    ({"stops": [stop(at={"kind": "lock.blocked", "nth": 1})]},
     "tour.stops[0].at.kind: expected an event kind, got 'lock.blocked' (did you mean 'lock.block'?)"),
    ({"stops": [stop(at={"kind": "lock.block", "nth": 0})]},
     "tour.stops[0].at.nth: expected a whole number: 1 for the first such event, 2 for the second, -1 for the "
     "last; got 0"),
    ({"stops": [stop(at={"kind": "lock.block", "nth": True})]}, "tour.stops[0].at.nth: expected a whole number"),
    ({"stops": [stop(at={"kind": "lock.block", "nht": 2})]},
     "tour.stops[0].at.nht: unknown field (expected kind, nth, thread, object)"),
    ({"stops": [stop(at={"fraction": 1.5})]}, "tour.stops[0].at.fraction: expected a number between 0 and 1, got 1.5"),
    ({"stops": [stop(at={"fraction": float("nan")})]}, "tour.stops[0].at.fraction: expected a number between 0 and 1"),
    ({"stops": [stop(at={"t": 1.5})]}, "tour.stops[0].at.t: expected whole nanoseconds from the run's start"),
    ({"stops": [stop(at={"fraction": 0.1, "t": 5})]},
     "tour.stops[0].at: expected exactly one of fraction, focus, t, kind, lost_update, got fraction and t"),
    ({"stops": [stop(at={})]}, "tour.stops[0].at: expected exactly one of fraction, focus, t, kind, lost_update, "
                               "got none of them"),
    ({"stops": [stop(at={"lost_update": 1, "step": "read it"})]},
     "tour.stops[0].at.step: expected one of read, write, overwritten, got 'read it'"),
    ({"stops": [stop(to={"fraction": 1}, window="2ms")]},
     "tour.stops[0].window: a stop with 'to' shows the range between its anchors; 'window' is for a stop at one "
     "moment"),
    ({"stops": [stop(lanes=["$main"])]},
     "tour.stops[0].lanes[0]: expected a thread name or one of $at, $to, $cycle, got '$main'"),
    ({"stops": [stop(lanes="Thread-1")]}, "tour.stops[0].lanes: expected a list of thread names or roles"),
    ({"stops": [stop(note="{who} did it")]}, "tour.stops[0].note: unknown placeholder {who} (known: {thread}, "),
    ({"stops": [stop(note="then {to.thread}")]},
     "tour.stops[0].note: the placeholder {to.thread} needs the stop to have a 'to' anchor"),
    ({"stops": [stop()] * 101}, "tour.stops: expected at most 100 stops, got 101"),
])
def test_a_malformed_tour_is_refused_naming_the_field(data: Any, message: str) -> None:
    assert error_of(data).startswith(message)


def test_a_tour_file_with_invalid_json_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "race.tour.json"
    path.write_text('{"stops": [\n  {"at": {"fraction": 0.5}, "note": "x",}\n]}')
    with pytest.raises(TourError, match=r"^race\.tour\.json: invalid JSON: .* at line 2 column"):
        tours.load_tour_file(path)
    path.write_text('{"stops": [{"at": {"fraction": NaN}, "note": "x"}]}')
    with pytest.raises(TourError, match=r"race\.tour\.json: invalid JSON: NaN is not a number JSON allows"):
        tours.load_tour_file(path)
    path.write_text('{"stops": [{"at": {"kind": "lock.blocked"}, "note": "x"}]}')
    with pytest.raises(TourError, match=r"^race\.tour\.json\.stops\[0\]\.at\.kind: .*did you mean 'lock\.block'"):
        tours.load_tour_file(path)


# --- which tour a run gets --------------------------------------------------------------------------------


def test_a_run_shows_its_own_tour_before_its_scenarios(scenario_copy: Path) -> None:
    (scenario_copy / "race.tour.json").write_text(json.dumps({"stops": [stop()]}))
    own = parse_tour({"stops": []})
    assert tour_fields(own, "race") == {"tour": own, "tour_source": "run", "tour_error": None}
    shipped = tour_fields(None, "race")
    assert shipped["tour_source"] == "scenario" and shipped["tour"]["stops"][0]["note"] == "look here"
    assert tour_fields(None, "no_such_scenario") == {"tour": None, "tour_source": "none", "tour_error": None}
    assert tour_fields(None, None)["tour"] is None


def test_a_scenarios_broken_tour_file_is_reported_not_hidden(scenario_copy: Path) -> None:
    (scenario_copy / "race.tour.json").write_text(json.dumps({"stops": [stop(at={"kind": "lock.blocked"})]}))
    fields = tour_fields(None, "race")
    assert fields["tour"] is None
    assert fields["tour_error"].startswith("race.tour.json.stops[0].at.kind: expected an event kind")


def test_a_scenario_without_a_tour_file_has_none(scenario_copy: Path) -> None:
    assert tours.scenario_tour(scenario_copy / "race.py") is None
    assert tours.tour_path(scenario_copy / "race.py") == scenario_copy / "race.tour.json"


# --- the tours the scenarios ship -------------------------------------------------------------------------


def test_the_story_scenarios_ship_a_tour() -> None:
    assert {p.name.removesuffix(".tour.json") for p in SHIPPED} >= set(STORIES)
    for path in SHIPPED:
        assert (path.parent / path.name.replace(".tour.json", ".py")).is_file(), f"{path.name} has no scenario"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_tour_is_valid(path: Path) -> None:
    tour = tours.load_tour_file(path)
    assert 3 <= len(tour["stops"]) <= 12
    assert tour.get("title")


def _record(name: str, out: Path) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    subprocess.run([sys.executable, "-m", "concviz.cli", "run", "-q", "-o", str(out), name],
                   capture_output=True, timeout=90, cwd=ROOT)
    lines = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    end = lines[-1] if lines and lines[-1].get("type") == "end" else None
    return [e for e in lines if "kind" in e], end


@pytest.mark.parametrize("name", STORIES)
def test_every_stop_of_a_shipped_tour_finds_its_event_in_a_real_run(name: str, tmp_path: Path) -> None:
    tour = tours.scenario_tour(scenarios.find(name).path)
    assert tour is not None
    events, end = _record(name, tmp_path / f"{name}.jsonl")
    assert end is not None, f"the {name} run did not end"
    missing = [
        f"stop {i + 1} {key}: {why}"
        for i, s in enumerate(tour["stops"]) for key in ("at", "to") if key in s
        if (why := anchor_found(s[key], events, end)) is not None
    ]
    assert not missing, missing
