"""Pickling between the processes of a run: what concviz replaced still
pickles as the standard library's.

Pickle sends a class or a function by its name, and checks that the name
still leads to it. ``queue.Queue`` now names the recorded class, so the
original class (held, for example, in a ``Manager``'s registry, sent to the
manager's process under spawn) would fail with "not the same object".
multiprocessing's pickler sends such originals through
``_support.original_of(module, name)`` instead. (Only multiprocessing's: the
plain ``pickle`` module's C pickler cannot be given a hook.)
"""

from __future__ import annotations

from multiprocessing.reduction import ForkingPickler
from typing import Any

from concviz.instrument._support import original_of, replaced

_get = replaced.get


def reducer_override(self: Any, obj: Any) -> Any:
    where = _get(id(obj))
    if where is None:
        return NotImplemented
    return original_of, where


def install() -> None:
    ForkingPickler.reducer_override = reducer_override  # type: ignore[method-assign]


def uninstall() -> None:
    del ForkingPickler.reducer_override
