"""Outcomes from end records, their aggregation per value, outliers, and the difference of two runs."""

from __future__ import annotations

from typing import Any

from concviz.experiments.compare import diff
from concviz.experiments.outcomes import outcome, outliers, quantile, table


def end(status: str = "finished", final: int = 0, lost: int = 0, waiters: int = 0) -> dict[str, Any]:
    return {"type": "end", "status": status, "exit_code": 0 if status == "finished" else 3, "duration_ns": 2_000_000,
            "summary": {"watched": {"num": {"initial": 5, "final": final, "writes": 5, "lost_updates": lost}},
                        "objects": {"lock": {"kind": "Lock", "max_waiters": waiters}, "q": {"max_waiters": 1}}}}


def test_an_outcome_reads_status_watched_values_waiters_and_the_declared_result() -> None:
    o = outcome(end(final=3, lost=3, waiters=4), "num")
    assert o == {"status": "finished", "exit_code": 0, "duration_s": 0.002,
                 "watched": {"num": {"final": 3, "lost_updates": 3}}, "lost_updates": 3, "max_waiters": 4,
                 "deadlocked": False, "result": 3}
    assert outcome(end(), None)["result"] is None
    assert outcome({"status": "crashed", "exit_code": None, "summary": {}})["max_waiters"] == 0


def test_quantiles_interpolate_between_ranks() -> None:
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.1) == 1.3
    assert quantile([7.0], 0.9) == 7.0


def test_the_table_aggregates_per_value_and_every_bar_names_its_runs() -> None:
    runs = [{"run_id": f"r{i}", "params": {"gap": gap, "threads": 5}, "outcome": outcome(end(final=v, lost=v), "num")}
            for i, (gap, v) in enumerate([(0.0, 0), (0.0, 1), (0.0, 0), (0.01, 4), (0.01, 4), (0.01, 3)])]
    runs.append({"run_id": "r6", "params": {"gap": 0.01, "threads": 5}, "outcome": None})
    rows = table(runs, ["gap"])
    assert [r["params"] for r in rows] == [{"gap": 0.0}, {"gap": 0.01}]
    assert [(r["runs"], r["done"]) for r in rows] == [(3, 3), (4, 3)]
    assert rows[1]["statuses"] == {"finished": 3}
    lost = rows[1]["metrics"]["lost_updates"]
    assert (lost["median"], lost["min"], lost["max"]) == (4.0, 3.0, 4.0)
    assert [(b["low"], b["count"], b["runs"]) for b in lost["histogram"]] == [(3.0, 1, ["r5"]), (4.0, 2, ["r3", "r4"])]
    assert rows[0]["metrics"]["result"]["median"] == 0.0
    assert rows[0]["metrics"]["watched.num.final"]["max"] == 1.0


def test_wide_values_fall_into_ten_equal_bins() -> None:
    runs = [{"run_id": f"r{i}", "params": {}, "outcome": outcome(end() | {"duration_ns": i * 1_000_000 + 500})}
            for i in range(50)]
    bars = table(runs, [])[0]["metrics"]["duration_s"]["histogram"]
    assert len(bars) == 10 and sum(b["count"] for b in bars) == 50
    assert bars[0]["runs"][0] == "r0" and bars[-1]["runs"][-1] == "r49"


def test_outliers_are_the_first_run_of_a_value_its_extremes_and_its_unusual_endings() -> None:
    values = [5, 5, 5, 5, 5, 5, 5, 5, 5, 0]
    runs = [{"run_id": f"r{i}", "params": {"gap": 0.1}, "outcome": outcome(end(final=v, lost=v), "num")}
            for i, v in enumerate(values)]
    runs.append({"run_id": "dead", "params": {"gap": 0.1}, "outcome": outcome(end("deadlocked", 5, 5), "num")})
    assert outliers(runs, ["gap"]) == {"r0", "r9", "dead"}


def test_a_diff_keeps_only_what_differs_with_deltas() -> None:
    a = {"status": "finished", "threads": 5, "watched": {"num": {"final": 0}}, "lost_updates": [], "same": [1]}
    b = {"status": "finished", "threads": 5, "watched": {"num": {"final": 3}}, "lost_updates": [1, 2, 3],
         "same": [1], "extra": "x"}
    assert diff(a, b) == {"watched": {"num": {"final": {"a": 0, "b": 3, "delta": 3}}},
                          "lost_updates": {"a": 0, "b": 3, "delta": 3, "items": True},
                          "extra": {"a": None, "b": "x"}}
    assert diff(a, a) is None
