"""print: drop-in behaviour, the recorded text, and a failing hook."""

from __future__ import annotations

import io
import sys
from types import ModuleType
from typing import Any

import pytest

from concviz.instrument import _support, output

from .helpers import recorded


class Counted:
    def __init__(self) -> None:
        self.calls = 0

    def __str__(self) -> str:
        self.calls += 1
        return f"counted-{self.calls}"


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_print_semantics(threading_impl: ModuleType, capsys: pytest.CaptureFixture[str], stream: str) -> None:
    target = getattr(sys, stream)
    print("a", 1, None, file=target)
    print("a", 1, sep="-", end="!\n", file=target)
    print("x", "y", sep=None, end=None, file=target)
    print(file=target)
    print("flushed", file=target, flush=True)
    print(*[], sep="unused", end="", file=target)
    out = getattr(capsys.readouterr(), "out" if stream == "stdout" else "err")
    assert out == "a 1 None\na-1!\nx y\n\nflushed\n"


def test_print_to_another_file(threading_impl: ModuleType) -> None:
    buffer = io.StringIO()
    assert print("to", "buffer", sep="_", file=buffer) is None
    assert buffer.getvalue() == "to_buffer\n"
    assert recorded(["print"]) == []


def test_print_calls_each_str_once(threading_impl: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    thing = Counted()
    print(thing, thing)
    assert thing.calls == 2
    assert capsys.readouterr().out == "counted-1 counted-2\n"


def test_print_writes_what_came_before_a_failing_str(threading_impl: ModuleType) -> None:
    class Bad:
        def __str__(self) -> str:
            raise ZeroDivisionError("no")

    buffer = io.StringIO()
    with pytest.raises(ZeroDivisionError):
        print("first", Bad(), file=buffer)
    assert buffer.getvalue() == "first "


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"sep": 1}, TypeError), ({"end": b"x"}, TypeError), ({"file": 5}, AttributeError),
    ({"bogus": 1}, TypeError),
])
def test_invalid_print_arguments(threading_impl: ModuleType, kwargs: dict[str, Any], error: type) -> None:
    with pytest.raises(error) as raised:
        print("x", **kwargs)
    try:
        output._original_print("x", **kwargs)
    except Exception as original:
        assert type(original) is type(raised.value)
        if "bogus" not in kwargs:
            assert str(original) == str(raised.value)


def test_print_flush_flushes(threading_impl: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    class Stream(io.StringIO):
        flushes = 0

        def flush(self) -> None:
            Stream.flushes += 1

    stream = Stream()
    monkeypatch.setattr(sys, "stdout", stream)
    print("a", flush=True)
    print("b")
    assert (stream.getvalue(), Stream.flushes) == ("a\nb\n", 1)


def test_print_with_no_stdout_does_nothing(
    threading_impl: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    thing = Counted()
    assert print(thing) is None
    assert thing.calls == 0


# --- recorded events ------------------------------------------------------------


def test_print_records_the_text_written(instrumented: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    print("a", 1, sep="-", end="!")
    print("to err", file=sys.stderr)
    print(Counted())
    capsys.readouterr()
    assert [(e.kind, e.args) for e in recorded()] == [
        ("print", {"text": "a-1!", "stream": "stdout"}),
        ("print", {"text": "to err\n", "stream": "stderr"}),
        ("print", {"text": "counted-1\n", "stream": "stdout"}),
    ]


def test_a_failing_print_hook_is_switched_off_and_the_program_goes_on(
    instrumented: ModuleType, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(event: object) -> None:
        raise MemoryError("recorder is full")

    monkeypatch.setattr(output, "_append", broken)
    monkeypatch.setattr(output, "_enabled", True)
    monkeypatch.setattr(_support, "_reported", set())
    reports = io.StringIO()
    monkeypatch.setattr(sys, "__stderr__", reports)
    print("one")
    print("two")
    assert capsys.readouterr().out == "one\ntwo\n"
    assert output._enabled is False
    assert reports.getvalue() == (
        "concviz: instrumentation of print failed and was switched off: MemoryError('recorder is full')\n")
