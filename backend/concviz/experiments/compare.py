"""The difference of two runs' summaries, generically: only what differs, numbers with their delta.

``diff(a, b)`` walks two JSON values together. Equal parts are left out; two
numbers become ``{"a": x, "b": y, "delta": y - x}``; two lists of different
content become their lengths (``{"a": 3, "b": 0, "delta": -3, "items": true}``);
anything else that differs is ``{"a": x, "b": y}``, a key missing on one side
appearing as null there.
"""

from __future__ import annotations

from typing import Any

_ABSENT = object()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def diff(a: Any, b: Any) -> Any:
    """What differs between ``a`` and ``b`` (None when nothing does)."""
    if a == b:
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        out = {}
        for key in list(a) + [k for k in b if k not in a]:
            d = diff(a.get(key, None), b.get(key, None)) if key in a and key in b else \
                {"a": a.get(key), "b": b.get(key)}
            if d is not None:
                out[key] = d
        return out or None
    if _is_number(a) and _is_number(b):
        return {"a": a, "b": b, "delta": b - a}
    if isinstance(a, list) and isinstance(b, list):
        return {"a": len(a), "b": len(b), "delta": len(b) - len(a), "items": True}
    return {"a": a, "b": b}


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two runs, each ``{"record": run record, "outcome": outcomes.outcome(...)}``, and what differs."""
    keys = ("id", "scenario", "params", "status", "exit_code", "created_at", "events")
    return {
        "a": {k: a["record"].get(k) for k in keys} | {"outcome": a["outcome"]},
        "b": {k: b["record"].get(k) for k in keys} | {"outcome": b["outcome"]},
        "params": diff(a["record"].get("params"), b["record"].get("params")) or {},
        "outcome": diff(a["outcome"], b["outcome"]) or {},
        "summary": diff(a["record"].get("summary") or {}, b["record"].get("summary") or {}) or {},
    }


def end_of(end_line: bytes | None, record: dict[str, Any]) -> dict[str, Any]:
    """A stored run's end record (from its end line, else rebuilt from its record, with no duration)."""
    if end_line:
        import msgspec

        end: dict[str, Any] = msgspec.json.decode(end_line)
        return end
    return {"type": "end", "status": record.get("status"), "exit_code": record.get("exit_code"),
            "duration_ns": 0, "summary": record.get("summary") or {}}
