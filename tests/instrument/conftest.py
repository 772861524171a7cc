"""Fixtures: the ``threading`` module with or without concviz's
instrumentation, and a clean recorder buffer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import ModuleType

import pytest

from concviz import control, instrument, recorder
from concviz.instrument import _support


def _reset_names(monkeypatch: pytest.MonkeyPatch) -> None:
    # Names are made unique per process ("LockA#2"); each test starts afresh.
    monkeypatch.setattr(_support, "_names_used", {})
    monkeypatch.setattr(_support, "_type_counts", {})


def _installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    _reset_names(monkeypatch)
    recorder._buffer.clear()
    instrument.install()
    try:
        yield threading
    finally:
        instrument.uninstall()
        recorder._buffer.clear()


@pytest.fixture
def instrumented(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """``threading`` with the instrumentation installed and an empty buffer."""
    yield from _installed(monkeypatch)


@pytest.fixture(params=["stdlib", "concviz", "controlled"])
def threading_impl(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The same behavioural test runs on the standard library, on concviz,
    and on concviz in controlled mode (random schedules, this process's
    threads taking turns: ``concviz.control``)."""
    if request.param == "stdlib":
        yield threading
        return
    if request.param == "concviz":
        yield from _installed(monkeypatch)
        return
    installed = _installed(monkeypatch)
    module = next(installed)
    control.install({"strategy": "random", "seed": 0})
    try:
        yield module
    finally:
        control.uninstall()
        for _ in installed:
            pass
