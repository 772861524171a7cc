"""Strict parsing of request bodies: precise errors, never a traceback.

Python's JSON parser accepts ``NaN``, ``Infinity`` and ``-Infinity``. They
are parsed here into floats that still print as the token the client sent,
so ``concviz.params.check`` (which refuses non-finite numbers, booleans and
out-of-range values) can say ``expected a number between 0 and 1 for 'gap',
got 'NaN'`` about the very field that held it.
"""

from __future__ import annotations

import json
from typing import Any

from concviz import params as params_mod
from concviz import scenarios
from concviz.scenarios import Scenario

RUN_FIELDS = ("scenario", "params", "control")


class BadRequest(Exception):
    """A request refused as a whole: ``status`` and a one-line ``detail``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Invalid(Exception):
    """Field errors, answered as 422 ``{"detail": [{"loc": [...], "msg": ...}, ...]}``."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(e["msg"] for e in errors))
        self.errors = errors


def _error(loc: list[str | int], msg: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": "value_error"}


class JsonConstant(float):
    """``NaN``/``Infinity``/``-Infinity`` from a request: a float that prints as its token."""

    token: str

    def __new__(cls, token: str) -> JsonConstant:
        value = super().__new__(cls, token.lower().replace("infinity", "inf"))
        value.token = token
        return value

    def __repr__(self) -> str:
        return f"'{self.token}'"

    def __str__(self) -> str:
        return self.token


def parse_json(body: bytes) -> Any:
    if not body.strip():
        raise BadRequest(400, "the request body is empty; expected JSON")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(400, f"the request body is not UTF-8 text (byte {error.start})")
    try:
        return json.loads(text, parse_constant=JsonConstant)
    except json.JSONDecodeError as error:
        raise BadRequest(400, f"invalid JSON: {error.msg} at line {error.lineno} column {error.colno}")
    except RecursionError:
        raise BadRequest(400, "invalid JSON: nested too deeply")
    except ValueError as error:  # e.g. an integer with more digits than Python converts
        raise BadRequest(400, f"invalid JSON: {error}")


def _show(value: Any) -> str:
    if isinstance(value, JsonConstant):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def run_request(data: Any) -> tuple[Scenario, dict[str, Any]]:
    """The scenario and resolved parameter values of a ``POST /api/runs`` body."""
    if not isinstance(data, dict):
        raise Invalid([_error(["body"], 'expected a JSON object like {"scenario": "race", "params": {}}, '
                                        f"got {_show(data)}")])
    errors: list[dict[str, Any]] = []
    for key in data:
        if key not in RUN_FIELDS:
            errors.append(_error(["body", key], f"unknown field '{key}' (expected scenario, params and control)"))
    scenario: Scenario | None = None
    name = data.get("scenario")
    if "scenario" not in data:
        errors.append(_error(["body", "scenario"], "missing field 'scenario': the name of a scenario"))
    elif not isinstance(name, str):
        errors.append(_error(["body", "scenario"], f"expected a scenario name (a string), got {_show(name)}"))
    else:
        try:
            scenario = scenarios.find(name)
        except scenarios.ScenarioError as error:
            errors.append(_error(["body", "scenario"], str(error)))
        except (SyntaxError, ValueError) as error:
            errors.append(_error(["body", "scenario"], f"scenario {name!r} cannot be read: {error}"))
    given = data.get("params", {})
    if not isinstance(given, dict):
        message = f"expected an object of parameter values, got {_show(given)}"
        errors.append(_error(["body", "params"], message))
    values: dict[str, Any] = {}
    if scenario is not None and isinstance(given, dict):
        try:
            values = params_mod.resolve(scenario.params, given)
        except params_mod.ParamErrors as error:
            errors.extend(_error(["body", "params", e.name], str(e)) for e in error.errors)
    if errors:
        raise Invalid(errors)
    assert scenario is not None
    return scenario, values
