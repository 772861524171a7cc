"""Running programs in controlled mode through the real supervisor and child."""

from __future__ import annotations

import json
import os
import textwrap
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concviz import scenarios
from concviz.supervisor import RunSpec, Supervisor


@dataclass
class Trace:
    end: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, Any]:
        return self.end["summary"]

    @property
    def schedule(self) -> dict[str, Any]:
        return self.summary["schedule"]

    def kinds(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["kind"] == kind]

    def prints(self) -> str:
        return "".join(e["args"]["text"] for e in self.kinds("print"))


class MemorySink:
    def __init__(self) -> None:
        self.trace = Trace()
        self.changed = threading.Condition()

    def header(self, line: bytes) -> None:
        pass

    def events(self, lines: list[bytes]) -> None:
        with self.changed:
            self.trace.events.extend(json.loads(line) for line in lines)
            self.changed.notify_all()

    def end(self, line: bytes) -> None:
        with self.changed:
            self.trace.end = json.loads(line)
            self.changed.notify_all()


def scenario_spec(name: str, control: dict[str, Any] | None, timeout: float = 30, **params: Any) -> RunSpec:
    scenario = scenarios.find(name)
    from concviz import params as params_mod

    values = params_mod.resolve(scenario.params, {k: str(v) for k, v in params.items()}, from_text=True)
    argv = [f"--{k}={v!r}" if isinstance(v, float) else f"--{k}={v}" for k, v in values.items()]
    return RunSpec(path=str(scenario.path), target=name, argv=argv, params=values, watch=list(scenario.watch),
                   timeout=timeout, control=control, stdout=_devnull())


def script_spec(tmp_path: Path, source: str, control: dict[str, Any] | None, timeout: float = 30,
                watch: tuple[str, ...] = ()) -> RunSpec:
    path = tmp_path / "program.py"
    path.write_text(textwrap.dedent(source))
    return RunSpec(path=str(path), target=str(path), watch=list(watch), timeout=timeout, control=control,
                   stdout=_devnull())


_null: int | None = None


def _devnull() -> int:
    global _null
    if _null is None:
        _null = os.open(os.devnull, os.O_WRONLY)
    return _null


def run(spec: RunSpec) -> Trace:
    sink = MemorySink()
    Supervisor(spec, sink).run()
    return sink.trace


def lost_updates(trace: Trace) -> list[tuple[Any, ...]]:
    """The lost updates, by what they are (thread, values), not by sequence numbers."""
    return [(u["thread"], u["name"], u["read_value"], u["write_value"], u["overwrote"]["thread"],
             u["overwrote"]["value"]) for u in trace.summary["lost_updates"]]
