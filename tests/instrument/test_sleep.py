"""time.sleep: drop-in behaviour and recorded sleep.begin / sleep.end."""

from __future__ import annotations

import time
from types import ModuleType
from typing import Any

import pytest

from .helpers import clock, recorded

BAD_SLEEPS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    ((-1,), {}),
    ((-0.5,), {}),
    ((float("nan"),), {}),
    ((float("inf"),), {}),
    ((1e300,), {}),
    (("1",), {}),
    ((None,), {}),
    ((), {}),
    ((1, 2), {}),
    ((), {"secs": 0}),
    ((), {"seconds": 0}),
]


def _outcome(*args: Any, **kwargs: Any) -> tuple[str, str]:
    try:
        time.sleep(*args, **kwargs)
        return "returned", "None"
    except Exception as error:
        return type(error).__name__, str(error)


@pytest.mark.parametrize(("args", "kwargs"), BAD_SLEEPS, ids=repr)
def test_invalid_sleeps_raise_like_the_stdlib(
    threading_impl: ModuleType, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    from concviz.instrument import sleep as patched

    original = patched._original_sleep
    try:
        expected = ("returned", repr(original(*args, **kwargs)))
    except Exception as error:
        expected = (type(error).__name__, str(error))
    assert expected[0] != "returned"
    assert _outcome(*args, **kwargs) == expected
    kinds = [e.kind for e in recorded(["sleep.begin", "sleep.end"])]
    # A finite duration too large for the clock is only refused by the real sleep.
    assert kinds == (["sleep.begin", "sleep.end"] if args == (1e300,) and kwargs == {} and kinds else [])


@pytest.mark.parametrize("seconds", [0, 0.0, 0.02, True])
def test_valid_sleeps_sleep_at_least_that_long(threading_impl: ModuleType, seconds: float) -> None:
    start = clock()
    time.sleep(seconds)
    assert clock() - start >= seconds * 0.9


def test_sleep_keeps_its_docstring(threading_impl: ModuleType) -> None:
    assert time.sleep.__doc__ and "seconds" in time.sleep.__doc__


def test_sleep_is_recorded_with_its_place(instrumented: ModuleType) -> None:
    time.sleep(0.001); line = __import__("sys")._getframe().f_lineno  # noqa: E702
    events = recorded(["sleep.begin", "sleep.end"])
    assert [e.kind for e in events] == ["sleep.begin", "sleep.end"]
    assert events[0].args == {"seconds": 0.001, "file": __file__, "line": line}
    assert events[0].who == events[1].who == instrumented.get_ident()


def test_library_sleeps_are_not_recorded(instrumented: ModuleType) -> None:
    import subprocess
    import sys

    # subprocess.Popen.wait(timeout) polls with time.sleep inside the stdlib.
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.05)"])
    assert proc.wait(timeout=30) == 0
    assert recorded(["sleep.begin", "sleep.end"]) == []
