"""What the instrumentation tests share: threads that report their errors,
waiting for a recorded event, and matching recorded sequences."""

from __future__ import annotations

import select
import time
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any, NamedTuple

import msgspec

from concviz import recorder

DEADLINE_S = 10.0


def pause(seconds: float = 0.001) -> None:
    """A short pause for polling loops that is neither ``time.sleep`` (which
    the instrumentation records) nor a threading primitive."""
    select.select([], [], [], seconds)


def clock() -> float:
    """Seconds, for timing a timeout: the wall clock, or in controlled mode its
    logical clock (``concviz.control``), where sleeps and timeouts take no
    real time but still pass."""
    from concviz import control

    now = control.logical_now()
    return time.monotonic() if now is None else now


def wait_until(condition: Callable[[], object], what: str, deadline_s: float = DEADLINE_S) -> None:
    """Poll until ``condition()`` is true; fail loudly after ``deadline_s``."""
    end = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline_s} s waiting until {what}")
        pause()


class Worker:
    """A thread running ``fn(*args)``; ``result()`` joins it and re-raises its error."""

    def __init__(self, threading: ModuleType, fn: Callable[..., Any], *args: Any,
                 name: str | None = None) -> None:
        self._box: dict[str, Any] = {}
        self.thread = threading.Thread(target=self._run, args=(fn, args), name=name, daemon=True)
        self.thread.start()

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            self._box["result"] = fn(*args)
        except BaseException as error:
            self._box["error"] = error

    @property
    def ident(self) -> int:
        ident = self.thread.ident
        assert ident is not None
        return ident

    def result(self, timeout: float = DEADLINE_S) -> Any:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"{self.thread.name} still runs after {timeout} s"
        if "error" in self._box:
            raise self._box["error"]
        return self._box.get("result")


class Ev(NamedTuple):
    """One recorded event, as the instrumentation appended it."""

    kind: str
    obj: int | None
    args: dict[str, Any]
    who: int


def recorded(kinds: Iterable[str] | None = None, obj: int | None = None) -> list[Ev]:
    """The events in the recorder's buffer (left there), optionally filtered."""
    wanted = None if kinds is None else set(kinds)
    out = []
    for _t, who, kind, o, args in list(recorder._buffer):
        if wanted is not None and kind not in wanted:
            continue
        if obj is not None and o != obj:
            continue
        if isinstance(args, msgspec.Raw):  # the hot paths' pre-encoded arguments
            args = msgspec.json.decode(args)
        out.append(Ev(kind, o, dict(args or {}), who))
    return out


def wait_for_event(kind: str, obj: int | None = None, who: int | None = None) -> Ev:
    """Wait until the buffer holds an event of ``kind`` (on ``obj``, by ``who``)."""
    found: list[Ev] = []

    def seen() -> bool:
        found[:] = [e for e in recorded([kind], obj) if who is None or e.who == who]
        return bool(found)

    wait_until(seen, f"a {kind} event is recorded (obj={obj}, who={who})")
    return found[0]


def object_id(thing: object) -> int:
    """The id an instrumented object was registered under (its ``obj.new``)."""
    obj = getattr(thing, "_cv_id", None)
    assert isinstance(obj, int), f"{thing!r} is not instrumented"
    return obj


def check_sequence_matches(seq: list[Any], template: list[Any]) -> None:
    """``seq`` must be ``template`` where a set in the template stands for its
    items in any order (after Trio's ``check_sequence_matches``)."""
    i = 0
    for pattern in template:
        group = pattern if isinstance(pattern, set) else {pattern}
        got = seq[i : i + len(group)]
        assert len(got) == len(group) and set(got) == group, (
            f"at position {i}: expected {sorted(map(repr, group))}, got {got}\nwhole sequence: {seq}")
        i += len(group)
    assert i == len(seq), f"unexpected extra items after position {i}: {seq[i:]}"
