"""Strict parsing of request bodies: precise errors, never a traceback.

Python's JSON parser accepts ``NaN``, ``Infinity`` and ``-Infinity``. They
are parsed here into floats that still print as the token the client sent,
so ``concviz.params.check`` (which refuses non-finite numbers, booleans and
out-of-range values) can say ``expected a number between 0 and 1 for 'gap',
got 'NaN'`` about the very field that held it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

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


# --- query strings ------------------------------------------------------------------------------

MAX_QUERY_VALUE = 200
"""Longest query parameter value accepted: a longer one is refused before it is parsed."""

QueryParser = Callable[[str, str], Any]


def integer(low: int, high: int) -> QueryParser:
    """A parser of a decimal integer between ``low`` and ``high`` (the length is checked before ``int``)."""
    def parse(name: str, raw: str) -> int:
        if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(high)) and low <= int(raw) <= high):
            raise ValueError(f"expected an integer between {low} and {high} for '{name}', got {_clip(raw)}")
        return int(raw)
    return parse


def choice(*allowed: str) -> QueryParser:
    def parse(name: str, raw: str) -> str:
        if raw not in allowed:
            raise ValueError(f"expected {' or '.join(map(repr, allowed))} for '{name}', got {_clip(raw)}")
        return raw
    return parse


def identifier(name: str, raw: str) -> str:
    """A parser of an id (a run's, a sweep's): letters, digits, ``-`` and ``_``, at most 64."""
    if not (0 < len(raw) <= 64 and raw.isascii() and raw.replace("-", "").replace("_", "").isalnum()):
        raise ValueError(f"expected an id (letters, digits, - and _) for '{name}', got {_clip(raw)}")
    return raw


def _clip(raw: str) -> str:
    return repr(raw) if len(raw) <= 40 else repr(raw[:40]) + f"... ({len(raw)} characters)"


def accepts(**parsers: QueryParser) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the query parameters a route takes; ``strict_query`` refuses every other one."""
    def mark(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        endpoint.__dict__["query_parsers"] = parsers
        return endpoint
    return mark


def parse_query(query_string: bytes, parsers: dict[str, QueryParser]) -> dict[str, Any]:
    """The parsed query parameters; unknown, repeated, over-long or bad ones → ``BadRequest`` (400)."""
    errors: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for name, raw in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        loc: list[str | int] = ["query", name[:40]]
        if name not in parsers:
            known = ", ".join(parsers) or "none"
            errors.append(_error(loc, f"unknown query parameter {_clip(name)} (this route takes: {known})"))
        elif name in seen:
            errors.append(_error(loc, f"query parameter '{name}' given more than once"))
        elif len(raw) > MAX_QUERY_VALUE:
            errors.append(_error(loc, f"query parameter '{name}' is {len(raw)} characters long; "
                                      f"the most accepted is {MAX_QUERY_VALUE}"))
        else:
            try:
                values[name] = parsers[name](name, raw)
            except ValueError as error:
                errors.append(_error(loc, str(error)))
        seen.add(name)
    if errors:
        raise BadRequest(400, "; ".join(e["msg"] for e in errors))
    return values


def strict_query(request: Request) -> None:
    """Router dependency: the route's declared parameters (``accepts``) are parsed into
    ``request.state.query``; any other parameter is refused."""
    endpoint = request.scope.get("endpoint")
    parsers: dict[str, QueryParser] = getattr(endpoint, "query_parsers", {})
    request.state.query = parse_query(request.scope.get("query_string", b""), parsers)
