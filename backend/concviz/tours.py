"""Guided tours: the format, its validation, and the tours scenarios ship.

A tour is a list of stops through one run — a moment or a range, lanes to
highlight, a short note — that a lecturer steps through with → / ←. Because
every run of a scenario has different timings, a stop anchors to what
happened rather than to a clock reading: the n-th event of a kind (on a
thread, on an object), the n-th lost update of the end summary, or a fraction
of the run. The browser resolves anchors against the run it shows
(``frontend/src/model/tour.ts``); this module only checks that a tour is well
formed, so that a bad hand-written file or request is refused with a message
that names the field, what was expected and what came.

Neighbours: ``server/store.py`` keeps a run's tour (``runs.tour``);
``server/lecture.py`` validates ``PUT /api/runs/{id}/tour`` here; a scenario
``scenarios/NAME.py`` may ship ``scenarios/NAME.tour.json``, which
``tour_for_run`` offers for its runs that have no tour of their own. The
format is documented in README.md ("Guided tours").
"""

from __future__ import annotations

import difflib
import json
import math
import re
from pathlib import Path
from typing import Any

from concviz import events, scenarios

FORMAT_VERSION = 1
MAX_STOPS = 100
MAX_NOTE = 500
MAX_NAME = 120
MAX_LANES = 32
MAX_NTH = 10_000_000
MAX_T = 10**15
"""A run's times are nanoseconds from its start; 10**15 ns is eleven days."""

LANE_TOKENS = ("$at", "$to", "$cycle")
"""Lanes named by role: the thread of the ``at`` / ``to`` event, the threads of the deadlock cycle."""
STEPS = ("read", "write", "overwritten")
"""The three events of a lost update (``summary.lost_updates[n]``)."""
PLACEHOLDERS = ("thread", "object", "value", "to.thread", "to.object", "to.value")
"""``{thread}`` in a note becomes the name of the ``at`` event's thread, and so on."""

_ANCHOR_KEYS = {
    "fraction": ("fraction",),
    "focus": ("focus",),
    "t": ("t",),
    "kind": ("kind", "nth", "thread", "object"),
    "lost_update": ("lost_update", "step"),
}
_STOP_KEYS = ("at", "to", "lanes", "note", "window")
_TOUR_KEYS = ("version", "title", "stops")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)$")
_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
_PLACEHOLDER = re.compile(r"\{([a-z.]+)\}")


class TourError(ValueError):
    """A tour that is not well formed; ``str()`` names the field: ``stops[2].at.kind: ...``."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any, where: str, limit: int, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise TourError(where, f"expected text, got {_show(value)}")
    if not empty and not value.strip():
        raise TourError(where, "expected some text, got an empty string")
    if len(value) > limit:
        raise TourError(where, f"expected at most {limit} characters, got {len(value)}")
    return value


def _check_keys(data: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise TourError(f"{where}.{key}", f"unknown field (expected {', '.join(allowed)})")


def parse_duration(value: Any, where: str = "duration") -> int:
    """Nanoseconds from ``"2ms"``, ``"1.5 s"``, ``"250us"`` or a whole number of nanoseconds."""
    if _integer(value) and 0 < value <= MAX_T:
        return int(value)
    if isinstance(value, str):
        m = _DURATION.match(value.strip())
        if m is not None:
            ns = round(float(m.group(1)) * _UNIT_NS[m.group(2)])
            if 0 < ns <= MAX_T:
                return ns
    raise TourError(where, f"expected a duration like \"2ms\", \"1.5s\", \"250us\" or a positive number of "
                           f"nanoseconds, got {_show(value)}")


def _anchor(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TourError(where, 'expected an anchor like {"kind": "lock.block", "nth": 1} or {"fraction": 0.5}, '
                               f"got {_show(data)}")
    forms = [k for k in _ANCHOR_KEYS if k in data]
    if len(forms) != 1:
        got = "none of them" if not forms else " and ".join(forms)
        raise TourError(where, f"expected exactly one of {', '.join(_ANCHOR_KEYS)}, got {got}")
    form = forms[0]
    _check_keys(data, _ANCHOR_KEYS[form], where)
    out: dict[str, Any] = {}
    if form in ("fraction", "focus"):
        value = data[form]
        if not (_number(value) and 0 <= value <= 1):
            raise TourError(f"{where}.{form}", f"expected a number between 0 and 1, got {_show(value)}")
        out[form] = value
    elif form == "t":
        value = data["t"]
        if not (_integer(value) and 0 <= value <= MAX_T):
            raise TourError(f"{where}.t", f"expected whole nanoseconds from the run's start (0 to {MAX_T}), "
                                          f"got {_show(value)}")
        out["t"] = value
    elif form == "kind":
        kind = data["kind"]
        if not isinstance(kind, str) or kind not in events.KINDS:
            close = difflib.get_close_matches(str(kind), list(events.KINDS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else " (see the event kinds in README.md)"
            raise TourError(f"{where}.kind", f"expected an event kind, got {_show(kind)}{hint}")
        out["kind"] = kind
        nth = data.get("nth", 1)
        if not (_integer(nth) and nth != 0 and abs(nth) <= MAX_NTH):
            raise TourError(f"{where}.nth", "expected a whole number: 1 for the first such event, 2 for the "
                                            f"second, -1 for the last; got {_show(nth)}")
        out["nth"] = nth
        for key in ("thread", "object"):
            if key in data:
                out[key] = _text(data[key], f"{where}.{key}", MAX_NAME)
    else:
        n = data["lost_update"]
        if not (_integer(n) and 1 <= n <= MAX_NTH):
            raise TourError(f"{where}.lost_update", f"expected 1 for the first lost update, 2 for the second...; "
                                                    f"got {_show(n)}")
        out["lost_update"] = n
        step = data.get("step", "read")
        if step not in STEPS:
            raise TourError(f"{where}.step", f"expected one of {', '.join(STEPS)}, got {_show(step)}")
        out["step"] = step
    return out


def _lanes(data: Any, where: str) -> list[str]:
    if not isinstance(data, list):
        raise TourError(where, f'expected a list of thread names or roles like ["$at", "Thread-1"], got {_show(data)}')
    if len(data) > MAX_LANES:
        raise TourError(where, f"expected at most {MAX_LANES} lanes, got {len(data)}")
    out = []
    for i, name in enumerate(data):
        text = _text(name, f"{where}[{i}]", MAX_NAME)
        if text.startswith("$") and text not in LANE_TOKENS:
            raise TourError(f"{where}[{i}]", f"expected a thread name or one of {', '.join(LANE_TOKENS)}, got {text!r}")
        out.append(text)
    return out


def _note(data: Any, where: str, has_to: bool) -> str:
    note = _text(data, where, MAX_NOTE)
    for name in _PLACEHOLDER.findall(note):
        if name not in PLACEHOLDERS:
            raise TourError(where, f"unknown placeholder {{{name}}} (known: "
                                   f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)})")
        if name.startswith("to.") and not has_to:
            raise TourError(where, f"the placeholder {{{name}}} needs the stop to have a 'to' anchor")
    return note


def _stop(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TourError(where, f'expected a stop like {{"at": {{...}}, "note": "..."}}, got {_show(data)}')
    _check_keys(data, _STOP_KEYS, where)
    if "at" not in data:
        raise TourError(f"{where}.at", "missing: every stop needs an anchor (where the playhead goes)")
    stop: dict[str, Any] = {"at": _anchor(data["at"], f"{where}.at")}
    if "to" in data:
        stop["to"] = _anchor(data["to"], f"{where}.to")
        if "window" in data:
            raise TourError(f"{where}.window", "a stop with 'to' shows the range between its anchors; "
                                               "'window' is for a stop at one moment")
    if "window" in data:
        parse_duration(data["window"], f"{where}.window")
        stop["window"] = data["window"]
    if "lanes" in data:
        stop["lanes"] = _lanes(data["lanes"], f"{where}.lanes")
    if "note" not in data:
        raise TourError(f"{where}.note", "missing: every stop needs a short note to show")
    stop["note"] = _note(data["note"], f"{where}.note", "to" in stop)
    return stop


def parse_tour(data: Any, where: str = "tour") -> dict[str, Any]:
    """A checked copy of ``data`` (a decoded JSON tour); raises ``TourError`` naming the bad field."""
    if not isinstance(data, dict):
        raise TourError(where, f'expected an object like {{"version": 1, "stops": [...]}}, got {_show(data)}')
    _check_keys(data, _TOUR_KEYS, where)
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION or not _integer(version):
        raise TourError(f"{where}.version", f"expected {FORMAT_VERSION}, got {_show(version)}")
    tour: dict[str, Any] = {"version": FORMAT_VERSION}
    if "title" in data:
        tour["title"] = _text(data["title"], f"{where}.title", MAX_NAME, empty=True)
    stops = data.get("stops")
    if not isinstance(stops, list):
        raise TourError(f"{where}.stops", f"expected a list of stops, got {_show(stops)}")
    if len(stops) > MAX_STOPS:
        raise TourError(f"{where}.stops", f"expected at most {MAX_STOPS} stops, got {len(stops)}")
    tour["stops"] = [_stop(s, f"{where}.stops[{i}]") for i, s in enumerate(stops)]
    return tour


# --- tours shipped with scenarios --------------------------------------------------------------


def tour_path(scenario_path: Path) -> Path:
    """Where a scenario's own tour lives: ``race.py`` → ``race.tour.json`` beside it."""
    return scenario_path.with_name(f"{scenario_path.stem}.tour.json")


def load_tour_file(path: Path) -> dict[str, Any]:
    """A tour from a JSON file; ``TourError`` names the file and the field (or the JSON error's line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TourError(path.name, f"cannot be read: {error}") from None
    try:
        data = json.loads(text, parse_constant=lambda token: _reject_constant(path.name, token))
    except json.JSONDecodeError as error:
        raise TourError(path.name, f"invalid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    return parse_tour(data, path.name)


def _reject_constant(where: str, token: str) -> Any:
    raise TourError(where, f"invalid JSON: {token} is not a number JSON allows")


def scenario_tour(scenario_path: Path) -> dict[str, Any] | None:
    """The tour a scenario ships, or None when it has none; ``TourError`` when its file is bad."""
    path = tour_path(scenario_path)
    if not path.is_file():
        return None
    return load_tour_file(path)


def tour_fields(stored: dict[str, Any] | None, scenario: str | None) -> dict[str, Any]:
    """What a run's JSON says about its tour: ``tour``, ``tour_source`` and ``tour_error``.

    A run's own tour (saved from the page, even one with no stops) wins; a
    run without one is shown with its scenario's (``scenario``, a name). A
    scenario's broken tour file gives ``tour_error``, so that the page says
    what is wrong with it instead of silently showing no tour. The server's
    run JSON, the embed and the exports all take the tour from here.
    """
    if stored is not None:
        return {"tour": stored, "tour_source": "run", "tour_error": None}
    none = {"tour": None, "tour_source": "none", "tour_error": None}
    if scenario is None:
        return none
    try:
        path = scenarios.find(scenario).path
    except (ValueError, SyntaxError, OSError):  # not a scenario of this server (a script, a renamed file)
        return none
    try:
        tour = scenario_tour(path)
    except TourError as error:
        return none | {"tour_error": str(error)}
    return none if tour is None else {"tour": tour, "tour_source": "scenario", "tour_error": None}
