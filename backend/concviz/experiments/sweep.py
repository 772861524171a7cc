"""The grid of a sweep: values per parameter, a repeat count, checked before any run starts.

Values are a list or a range, the same on the command line and over HTTP
(a JSON list of numbers, or one of these strings):

* ``0,1e-4,1e-3`` — these values;
* ``2..10`` — every integer from 2 to 10 (integer parameters only);
* ``0..0.01:5`` — 5 evenly spaced values, both ends included;
* ``1e-4..1e-2:log5`` — 5 log-spaced values (for times; the start must be above 0).

Every value must lie within the parameter's bounds. Runs go repeat by repeat
(the whole grid, then again), so that a sweep cut short still covers every value.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

from concviz import params as params_mod
from concviz.experiments.outcomes import declared_result
from concviz.params import Param, ParamError, ParamErrors
from concviz.scenarios import Scenario

MAX_RUNS = 1000
"""Runs in one sweep, repeats included, unless the caller sets its own cap."""
MAX_REPEAT = 1000
MAX_VALUES = 200
"""Values of one parameter."""
_RANGE = re.compile(r"^\s*(?P<low>[^.:][^:]*?)\s*\.\.\s*(?P<high>[^:]+?)\s*(?::\s*(?P<log>log)?(?P<count>\d+))?\s*$")


class SweepErrors(ValueError):
    """Every problem of a sweep request; ``errors`` name the field (a parameter, ``repeat``, ``runs``)."""

    def __init__(self, errors: list[ParamError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _round(value: float) -> float:
    """Spaced values with 6 significant digits: ``0.000316228``, not ``0.00031622776601683794``."""
    return float(f"{value:.6g}")


def _number(p: Param, text: str) -> int | float:
    try:
        value = float(text)
    except ValueError:
        raise ParamError(p.name, f"expected numbers for '{p.name}', got {text.strip()!r}")
    if not math.isfinite(value):
        raise ParamError(p.name, f"expected finite numbers for '{p.name}', got {text.strip()!r}")
    return value


def parse_values(p: Param, text: str) -> list[int | float]:
    """Values of ``p`` from the text of a list or a range (see the module's docstring), checked."""
    m = _RANGE.match(text)
    if m is None:
        items = [t for t in text.split(",")]
        if any(not t.strip() for t in items):
            raise ParamError(p.name, f"expected values like 1,2,3 or a range like 1..10:5 for '{p.name}', "
                                     f"got {text!r}")
        return check_values(p, [params_mod.parse(p, t.strip()) for t in items])
    low, high = _number(p, m["low"]), _number(p, m["high"])
    if high < low:
        raise ParamError(p.name, f"a range for '{p.name}' goes from low to high, got {text!r}")
    if m["count"] is None:
        if p.type != "int" or not (float(low).is_integer() and float(high).is_integer()):
            raise ParamError(p.name, f"say how many values '{p.name}' takes in {text!r}: add :N (evenly "
                                     f"spaced) or :logN (log-spaced), e.g. {m['low']}..{m['high']}:5")
        count = int(high) - int(low) + 1
        if count > MAX_VALUES:
            raise ParamError(p.name, f"{text!r} is {count} values of '{p.name}'; the most is {MAX_VALUES}")
        return check_values(p, [int(low) + i for i in range(count)])
    count = int(m["count"])
    if not 2 <= count <= MAX_VALUES:
        raise ParamError(p.name, f"expected between 2 and {MAX_VALUES} values for '{p.name}', got {count}")
    if m["log"]:
        if low <= 0:
            raise ParamError(p.name, f"a log range for '{p.name}' must start above 0, got {text!r}")
        raw = [low * (high / low) ** (i / (count - 1)) for i in range(count)]
    else:
        raw = [low + (high - low) * i / (count - 1) for i in range(count)]
    raw[0], raw[-1] = low, high
    spaced: list[int | float] = [round(v) if p.type == "int" else _round(v) for v in raw]
    # Integers of a narrow range collapse: keep each once, in order.
    return check_values(p, list(dict.fromkeys(spaced)))


def check_values(p: Param, values: list[Any]) -> list[int | float]:
    """JSON values of ``p``: a non-empty list of numbers in bounds (``params.check``), each once."""
    if not isinstance(values, list) or not values:
        raise ParamError(p.name, f"expected a non-empty list of values for '{p.name}'")
    if len(values) > MAX_VALUES:
        raise ParamError(p.name, f"{len(values)} values of '{p.name}'; the most is {MAX_VALUES}")
    checked = [params_mod.check(p, v) for v in values]
    return list(dict.fromkeys(checked))


@dataclass
class Plan:
    scenario: Scenario
    values: dict[str, list[int | float]]
    """The swept parameters' values, in the order they were given."""
    repeat: int
    result: str | None
    runs: list[dict[str, Any]]
    """Every run's full parameter values, in the order they go."""

    @property
    def swept(self) -> list[str]:
        return list(self.values)


def plan(scenario: Scenario, given: dict[str, Any], repeat: Any, max_runs: int = MAX_RUNS) -> Plan:
    """The runs of a sweep of ``scenario``; ``given`` maps a parameter name to a JSON list of values or
    to the text of a list or range. Raises ``SweepErrors`` with every problem found; nothing runs."""
    by_name = {p.name: p for p in scenario.params}
    errors: list[ParamError] = []
    values: dict[str, list[int | float]] = {}
    for name, raw in given.items():
        p = by_name.get(name)
        if p is None:
            errors.append(ParamError(name, f"unknown parameter '{name}' (known: {', '.join(by_name) or 'none'})"))
            continue
        try:
            values[name] = parse_values(p, raw) if isinstance(raw, str) else check_values(p, raw)
        except ParamError as error:
            errors.append(error)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
        errors.append(ParamError("repeat", f"expected an integer between 1 and {MAX_REPEAT} for 'repeat', "
                                           f"got {repeat!r}"))
    try:
        result = declared_result(scenario.path)
    except (ValueError, SyntaxError) as error:
        errors.append(ParamError("scenario", str(error)))
        result = None
    if errors:
        raise SweepErrors(errors)
    total = math.prod(len(v) for v in values.values()) * repeat
    if total > max_runs:
        shape = " × ".join(f"{len(v)} {name}" for name, v in values.items())
        raise SweepErrors([ParamError("runs", f"{total} runs ({shape or '1 value'} × {repeat} repeats); "
                                              f"the most in one sweep is {max_runs}")])
    defaults = {p.name: p.default for p in scenario.params}
    grid = [dict(zip(values, combo, strict=True)) for combo in itertools.product(*values.values())]
    runs = [defaults | point for _ in range(repeat) for point in grid]
    return Plan(scenario, values, repeat, result, runs)


def parse_cli(items: list[str]) -> dict[str, str]:
    """``--param NAME=VALUES`` options as ``{name: text}``; a name given twice is an error."""
    given: dict[str, str] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not name:
            raise ParamErrors([ParamError(item, f"expected --param NAME=VALUES, got {item!r}")])
        if name in given:
            raise ParamErrors([ParamError(name, f"'{name}' is given twice; list all its values in one --param")])
        given[name] = text
    return given
