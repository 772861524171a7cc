"""What a run came to, read generically from its end record, and the same per value of a sweep.

No scenario-specific code: an outcome is the status, exit code, duration,
each watched variable's final value and lost updates, the largest number of
waiters any object had, and the scenario's own result when it declares one.

A scenario declares its result with a module-level literal naming one of its
globals, ``RESULT = "num"``: the global is watched in every run of a sweep
(added to ``WATCH`` if it is not there), and its final value is the run's
``result``. A scenario without ``RESULT`` has none (``null``).
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path
from typing import Any

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HISTOGRAM_BINS = 10
"""Equal-width bins of a metric whose values are not a few integers."""
DISTINCT_INTEGERS = 20
"""Up to this many distinct integer values, a histogram has one bar per value."""


def declared_result(path: Path) -> str | None:
    """The global named by the scenario file's ``RESULT = "name"``, or None (read with ``ast``, nothing runs)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "RESULT"):
            value = ast.literal_eval(node.value)
            if not isinstance(value, str) or not _NAME.match(value):
                raise ValueError(f"{path.name}: RESULT must name a global variable, got {value!r}")
            return value
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def outcome(end: dict[str, Any], result: str | None = None) -> dict[str, Any]:
    """The outcome of one run from its end record (``{"type": "end", status, exit_code, duration_ns, summary}``)."""
    summary = end.get("summary") or {}
    watched = summary.get("watched") or {}
    objects = summary.get("objects") or {}
    lost = sum(int(w.get("lost_updates") or 0) for w in watched.values())
    return {
        "status": end.get("status"),
        "exit_code": end.get("exit_code"),
        "duration_s": (end.get("duration_ns") or 0) / 1e9,
        "watched": {name: {"final": w.get("final"), "lost_updates": w.get("lost_updates", 0)}
                    for name, w in watched.items()},
        "lost_updates": lost,
        "max_waiters": max((int(o.get("max_waiters") or 0) for o in objects.values()), default=0),
        "deadlocked": end.get("status") == "deadlocked",
        "result": watched[result].get("final") if result is not None and result in watched else None,
    }


# --- aggregation per value ---------------------------------------------------------------


METRICS = ("result", "lost_updates", "duration_s", "max_waiters")


def quantile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile by linear interpolation between closest ranks (numpy's default)."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def histogram(points: list[tuple[float, str]]) -> list[dict[str, Any]]:
    """Bars over ``(value, run_id)`` points: one per value for a few integers, else equal-width bins.
    Every bar names its runs, so that a click on it can open one."""
    values = sorted({v for v, _ in points})
    if all(v.is_integer() for v in values) and len(values) <= DISTINCT_INTEGERS:
        return [{"low": v, "high": v, "count": len(ids), "runs": ids}
                for v in values if (ids := [r for x, r in points if x == v])]
    low, high = values[0], values[-1]
    if low == high:
        return [{"low": low, "high": high, "count": len(points), "runs": [r for _, r in points]}]
    width = (high - low) / HISTOGRAM_BINS
    bars: list[dict[str, Any]] = [{"low": low + i * width, "high": low + (i + 1) * width, "count": 0, "runs": []}
                                  for i in range(HISTOGRAM_BINS)]
    for value, run_id in points:
        bar = bars[min(int((value - low) / width), HISTOGRAM_BINS - 1)]
        bar["count"] += 1
        bar["runs"].append(run_id)
    return bars


def summarise_metric(points: list[tuple[float, str]]) -> dict[str, Any] | None:
    if not points:
        return None
    values = sorted(v for v, _ in points)
    return {"n": len(values), "median": quantile(values, 0.5), "p10": quantile(values, 0.1),
            "p90": quantile(values, 0.9), "min": values[0], "max": values[-1], "histogram": histogram(points)}


def key_of(params: dict[str, Any], swept: list[str]) -> tuple[Any, ...]:
    return tuple(params[name] for name in swept)


def table(runs: list[dict[str, Any]], swept: list[str]) -> list[dict[str, Any]]:
    """Per value of the swept parameters (in the order the runs were planned): how many runs, their
    statuses, the share that deadlocked, and for each numeric metric its median, p10, p90 and histogram.
    ``runs`` are ``{run_id, params, outcome}`` (``outcome`` None for a run that did not happen)."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault(key_of(run["params"], swept), []).append(run)
    rows = []
    for key, members in groups.items():
        done = [r for r in members if r.get("outcome") is not None]
        statuses: dict[str, int] = {}
        for r in done:
            statuses[r["outcome"]["status"]] = statuses.get(r["outcome"]["status"], 0) + 1
        metrics: dict[str, Any] = {}
        for name in METRICS:
            points = [(n, r["run_id"]) for r in done if (n := _number(r["outcome"].get(name))) is not None]
            metrics[name] = summarise_metric(points)
        watched_names = sorted({w for r in done for w in r["outcome"]["watched"]})
        for w in watched_names:
            points = [(n, r["run_id"]) for r in done
                      if (n := _number(r["outcome"]["watched"].get(w, {}).get("final"))) is not None]
            metrics[f"watched.{w}.final"] = summarise_metric(points)
        rows.append({
            "params": dict(zip(swept, key, strict=True)), "runs": len(members), "done": len(done),
            "statuses": statuses, "deadlocked_share": (statuses.get("deadlocked", 0) / len(done)) if done else None,
            "metrics": metrics,
        })
    return rows


def main_metric(rows_or_outcome: dict[str, Any]) -> str:
    """The metric a sweep is about: the declared result if any, else lost updates."""
    return "result" if rows_or_outcome.get("result") is not None else "lost_updates"


def outliers(runs: list[dict[str, Any]], swept: list[str]) -> set[str]:
    """Runs worth keeping whole: per value, the first run and every run whose main metric lies outside
    p10..p90 of its value, or whose status is not the most common one of its value."""
    keep: set[str] = set()
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for run in runs:
        if run.get("outcome") is not None:
            groups.setdefault(key_of(run["params"], swept), []).append(run)
    for members in groups.values():
        keep.add(members[0]["run_id"])
        metric = main_metric(members[0]["outcome"])
        values = sorted(n for r in members if (n := _number(r["outcome"].get(metric))) is not None)
        statuses = [r["outcome"]["status"] for r in members]
        usual = max(set(statuses), key=statuses.count)
        p10, p90 = (quantile(values, 0.1), quantile(values, 0.9)) if values else (0.0, 0.0)
        for r in members:
            n = _number(r["outcome"].get(metric))
            if r["outcome"]["status"] != usual or (n is not None and not p10 <= n <= p90):
                keep.add(r["run_id"])
    return keep
