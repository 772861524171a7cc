"""The same schedule gives the same run: replays, seeds, and the schedule itself."""

from __future__ import annotations

from .helpers import lost_updates, run, scenario_spec


def test_twenty_replays_of_a_race_lose_the_same_updates() -> None:
    first = run(scenario_spec("race", {"strategy": "random", "seed": 11}, gap=0))
    steps = first.schedule["steps"]
    assert len(steps) > 100, "a 100-thread race makes many choices"
    final = first.summary["watched"]["num"]["final"]
    lost = lost_updates(first)
    assert lost, "this seed loses updates (the run to replay shows the race)"
    for _ in range(20):
        replay = run(scenario_spec("race", {"strategy": "replay", "steps": steps}, gap=0))
        assert replay.schedule["diverged"] is None
        assert replay.schedule["steps"] == steps
        assert replay.summary["watched"]["num"]["final"] == final
        assert lost_updates(replay) == lost


def test_replaying_a_deadlock_gives_the_same_cycle() -> None:
    first = run(scenario_spec("deadlock", {"strategy": "random", "seed": 0}))
    assert first.end["status"] == "deadlocked"
    cycle = [(s["name"], s["waits_for"], s["holds"]) for s in first.summary["deadlock"]["cycle"]]
    for _ in range(5):
        replay = run(scenario_spec("deadlock", {"strategy": "replay", "steps": first.schedule["steps"]}))
        assert replay.end["status"] == "deadlocked"
        assert [(s["name"], s["waits_for"], s["holds"]) for s in replay.summary["deadlock"]["cycle"]] == cycle


def test_the_same_seed_gives_the_same_schedule_and_another_seed_another() -> None:
    for strategy in ("random", "pct"):
        a = run(scenario_spec("race", {"strategy": strategy, "seed": 3}, gap=0, threads=20))
        b = run(scenario_spec("race", {"strategy": strategy, "seed": 3}, gap=0, threads=20))
        c = run(scenario_spec("race", {"strategy": strategy, "seed": 4}, gap=0, threads=20))
        assert a.schedule["steps"] == b.schedule["steps"], strategy
        assert a.schedule["strategy"] == strategy
        assert a.summary["watched"] == b.summary["watched"]
        assert c.schedule["steps"] != a.schedule["steps"], strategy


def test_a_replay_that_stops_matching_says_where() -> None:
    first = run(scenario_spec("race", {"strategy": "random", "seed": 1}, gap=0, threads=10))
    # The schedule of a 10-thread race cannot drive a 20-thread one to the end.
    other = run(scenario_spec("race", {"strategy": "replay", "steps": first.schedule["steps"][:5] + [19] * 50},
                              gap=0, threads=20))
    assert other.end["status"] == "finished"
    assert other.schedule["diverged"] is not None and other.schedule["diverged"] >= 5
