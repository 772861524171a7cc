"""A schedule on its own: the file ``--schedule-out`` writes and
``--control replay:FILE`` reads, and its short form for share links.

The file is JSON::

    {"format": "concviz-schedule", "version": 1, "target": "race",
     "params": {"gap": 0}, "watch": [], "strategy": "random", "seed": 7,
     "steps": [3, 1, 1, 0, ...]}

``steps`` are the choices made where more than one thread could move, as
thread indexes (0 is the main thread, then threads in the order they were
started; under control that order is itself fixed by the schedule).
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from pathlib import Path
from typing import Any

FORMAT = "concviz-schedule"
VERSION = 1
MAX_STEPS = 10_000_000


class ScheduleError(ValueError):
    pass


def check_steps(steps: Any) -> list[int]:
    if not isinstance(steps, list) or len(steps) > MAX_STEPS:
        raise ScheduleError(f"expected a list of at most {MAX_STEPS} thread indexes for 'steps'")
    for step in steps:
        if type(step) is not int or not 0 <= step < 1_000_000:
            raise ScheduleError(f"expected thread indexes (integers from 0) in 'steps', got {step!r}")
    return steps


def read(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ScheduleError(f"cannot read the schedule {path}: {error.strerror}") from None
    except ValueError as error:
        raise ScheduleError(f"{path} is not a schedule (not JSON: {error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ScheduleError(f"{path} is not a schedule (expected \"format\": \"{FORMAT}\")")
    check_steps(data.get("steps"))
    return data


def document(schedule: dict[str, Any], target: str, params: dict[str, Any], watch: list[str],
             seed: int | None) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "target": target, "params": params, "watch": watch,
            "strategy": schedule.get("strategy"), "seed": seed, "steps": schedule.get("steps", []),
            "points": schedule.get("points"), "loans": schedule.get("loans", 0)}


def write(path: str, doc: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(doc) + "\n", encoding="utf-8")


def encode(steps: list[int]) -> str:
    """Steps as a short URL-safe string (zlib + base64url)."""
    raw = ",".join(map(str, steps)).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def decode(text: str) -> list[int]:
    try:
        packed = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
        raw = zlib.decompressobj().decompress(packed, MAX_STEPS * 8)
        steps = [int(s) for s in raw.decode().split(",")] if raw else []
    except (ValueError, zlib.error, binascii.Error) as error:
        raise ScheduleError(f"not an encoded schedule: {error}") from None
    return check_steps(steps)
