"""Generate the JSON Schema and the TypeScript types of the trace format.

``python -m concviz.schema_gen`` rewrites ``frontend/src/generated/events.ts``
and ``docs/trace.schema.json`` from ``concviz.events``; ``--check`` only says
whether they are up to date (the test suite runs it).
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

from concviz import events

ROOT = Path(__file__).resolve().parents[2]
TS_PATH = ROOT / "frontend" / "src" / "generated" / "events.ts"
SCHEMA_PATH = ROOT / "docs" / "trace.schema.json"

BANNER = "// generated from backend/concviz/events.py by `python -m concviz.schema_gen` — do not edit\n"


def _json_schema(tp: Any) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if tp is Any:
        return {}
    if tp is type(None):
        return {"type": "null"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str:
        return {"type": "string"}
    if origin is typing.Literal:
        return {"enum": list(typing.get_args(tp))}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_json_schema(a) for a in typing.get_args(tp)]}
    if dataclasses.is_dataclass(tp):
        return _object_schema(tp)  # type: ignore[arg-type]
    if origin is list:
        return {"type": "array", "items": _json_schema(typing.get_args(tp)[0])}
    if origin is dict:
        return {"type": "object", "additionalProperties": _json_schema(typing.get_args(tp)[1])}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _object_schema(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls, vars(events))
    fields = dataclasses.fields(cls)
    return {
        "type": "object",
        # 3.13 dedents docstrings itself: clean them here for one output on every version.
        "description": inspect.cleandoc(cls.__doc__ or ""),
        "properties": {f.name: _json_schema(hints[f.name]) for f in fields},
        "required": [
            f.name
            for f in fields
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ],
        "additionalProperties": False,
    }


def json_schema() -> dict[str, Any]:
    """The whole format: the three line types and each kind's ``args``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{events.FORMAT} version {events.VERSION}",
        "$defs": {
            "Header": _object_schema(events.Header),
            "Envelope": _object_schema(events.Envelope),
            "End": _object_schema(events.End),
            "kinds": {name: _object_schema(cls) for name, cls in events.KINDS.items()},
        },
    }


def _ts_type(schema: dict[str, Any]) -> str:
    if not schema:
        return "unknown"
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " | ".join(_ts_type(s) for s in schema["anyOf"])
    t = schema["type"]
    if t == "array":
        return f"{_ts_type(schema['items'])}[]"
    if t == "object" and "properties" in schema:
        fields = "; ".join(f"{name}{'' if name in schema['required'] else '?'}: {_ts_type(fs)}"
                           for name, fs in schema["properties"].items())
        return f"{{ {fields} }}"
    if t == "object":
        return f"Record<string, {_ts_type(schema['additionalProperties'])}>"
    return {"null": "null", "boolean": "boolean", "integer": "number", "number": "number", "string": "string"}[t]


def _ts_interface(name: str, schema: dict[str, Any]) -> str:
    lines = []
    if schema["description"]:
        lines.append("/** " + " ".join(schema["description"].split()) + " */")
    lines.append(f"export interface {name} {{")
    for field, fs in schema["properties"].items():
        optional = "" if field in schema["required"] else "?"
        lines.append(f"  {field}{optional}: {_ts_type(fs)};")
    lines.append("}")
    return "\n".join(lines)


def _pascal(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.replace(".", "_").split("_")) + "Args"


def typescript() -> str:
    schema = json_schema()["$defs"]
    parts = [BANNER]
    parts.append(f"export const TRACE_FORMAT = {json.dumps(events.FORMAT)};")
    parts.append(f"export const TRACE_VERSION = {events.VERSION};\n")
    for name in ("Header", "Envelope", "End"):
        parts.append(_ts_interface(name, schema[name]) + "\n")
    for kind, ks in schema["kinds"].items():
        parts.append(_ts_interface(_pascal(kind), ks) + "\n")
    parts.append("/** Every event kind, mapped to the type of its ``args``. */")
    parts.append("export interface KindArgs {")
    for kind in schema["kinds"]:
        parts.append(f"  {json.dumps(kind)}: {_pascal(kind)};")
    parts.append("}\n")
    parts.append("export type Kind = keyof KindArgs;")
    parts.append(f"export const KINDS: Kind[] = {json.dumps(list(schema['kinds']))};")
    return "\n".join(parts) + "\n"


def outputs() -> dict[Path, str]:
    return {TS_PATH: typescript(), SCHEMA_PATH: json.dumps(json_schema(), indent=2) + "\n"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a generated file is stale")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs().items():
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    for path in stale:
        print(f"{path} is stale: run `python -m concviz.schema_gen`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
