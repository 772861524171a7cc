"""Scenario parameters: declared as literal ``Param(...)`` calls, validated strictly.

A scenario file declares ``PARAMS = [Param("gap", 0.001, min=0, max=1, ...)]``
and reads its values with ``P = read_params(PARAMS)``. The declaration is
plain literals so that ``concviz.scenarios`` reads it with ``ast`` without
running the file; the values reach the program as ``--name=value`` arguments,
so a scenario also runs under plain ``python``.
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass
from types import SimpleNamespace
from typing import Any, Literal


@dataclass(frozen=True)
class Param:
    name: str
    default: int | float
    min: int | float
    max: int | float
    scale: Literal["linear", "log"] = "linear"
    unit: str | None = None
    help: str = ""

    @property
    def type(self) -> str:
        return "float" if isinstance(self.default, float) else "int"

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"type": self.type}


class ParamError(ValueError):
    """One bad parameter; ``str()`` is the message a user sees."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _expected(p: Param) -> str:
    noun = "a number" if p.type == "float" else "an integer"
    return f"expected {noun} between {p.min:g} and {p.max:g} for '{p.name}'"


def check(p: Param, value: Any) -> int | float:
    """A JSON value for ``p``, strictly: no booleans, no NaN/Infinity, in bounds."""
    ok_types: tuple[type, ...] = (int, float) if p.type == "float" else (int,)
    if isinstance(value, bool) or not isinstance(value, ok_types):
        raise ParamError(p.name, f"{_expected(p)}, got {value!r}")
    number: int | float = value  # type: ignore[assignment]  # checked just above
    if isinstance(number, float) and not math.isfinite(number):
        raise ParamError(p.name, f"{_expected(p)}, got '{number}'")
    if not p.min <= number <= p.max:
        raise ParamError(p.name, f"{_expected(p)}, got {number!r}")
    return float(number) if p.type == "float" else int(number)


def parse(p: Param, text: str) -> int | float:
    """A command-line string for ``p``."""
    try:
        value: Any = int(text) if p.type == "int" else float(text)
    except ValueError:
        raise ParamError(p.name, f"{_expected(p)}, got {text!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ParamError(p.name, f"{_expected(p)}, got {text!r}")
    return check(p, value)


def resolve(declared: list[Param], given: dict[str, Any], *, from_text: bool = False) -> dict[str, Any]:
    """Defaults overlaid with the given values; raises the list of every error."""
    by_name = {p.name: p for p in declared}
    errors: list[ParamError] = []
    values: dict[str, Any] = {p.name: p.default for p in declared}
    for name, raw in given.items():
        p = by_name.get(name)
        if p is None:
            known = ", ".join(by_name) or "none"
            errors.append(ParamError(name, f"unknown parameter '{name}' (known: {known})"))
            continue
        try:
            values[name] = parse(p, raw) if from_text else check(p, raw)
        except ParamError as error:
            errors.append(error)
    if errors:
        raise ParamErrors(errors)
    return values


class ParamErrors(ValueError):
    def __init__(self, errors: list[ParamError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def read_params(declared: list[Param], argv: list[str] | None = None) -> SimpleNamespace:
    """The scenario's parameter values, from ``--name=value`` arguments.
    Anything else on the command line is an error (exit status 2, like a
    command-line parser): a misspelt option must not run the defaults silently."""
    args = sys.argv[1:] if argv is None else argv
    given: dict[str, str] = {}
    wrong = []
    for arg in args:
        if arg.startswith("--") and "=" in arg:
            name, _, text = arg[2:].partition("=")
            given[name.replace("-", "_")] = text
        else:
            wrong.append(arg)
    try:
        if wrong:
            raise ParamErrors([ParamError(wrong[0], f"expected --NAME=VALUE arguments, got {' '.join(wrong)}")])
        return SimpleNamespace(**resolve(declared, given, from_text=True))
    except ParamErrors as error:
        print(f"{sys.argv[0]}: {error}", file=sys.stderr)
        raise SystemExit(2)
