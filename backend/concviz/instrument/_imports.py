"""Run a function right after a module is imported, for instrumentation of
libraries the program may or may not use (gevent): importing them up front
would cost every run their import time and change what ``sys.modules`` holds.

``when_imported(name, hook)`` calls ``hook(module)`` once the module has run
its body (or at once if it already has). A finder at the front of
``sys.meta_path`` answers only for the watched names: it asks the other
finders for the spec and wraps its loader for the one ``exec_module`` call,
then puts the original loader back on the module, so ``__loader__``,
``__spec__`` and resources look as they would without concviz.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

from concviz.instrument._support import report_once

Hook = Callable[[ModuleType], None]

_hooks: dict[str, list[Hook]] = {}


def when_imported(name: str, hook: Hook) -> None:
    module = sys.modules.get(name)
    if module is not None and getattr(getattr(module, "__spec__", None), "_initializing", False) is False:
        _run(hook, module)
        return
    _hooks.setdefault(name, []).append(hook)
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def forget() -> None:
    """Drop every hook not yet run and take the finder out."""
    _hooks.clear()
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)


def _run(hook: Hook, module: ModuleType) -> None:
    try:
        hook(module)
    except Exception as error:  # an instrumentation bug must not break the program's import
        report_once(f"instrumenting {module.__name__}", error)


class _Loader:
    """The module's own loader, with a hook after ``exec_module``."""

    def __init__(self, loader: Any, name: str) -> None:
        self._loader = loader
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._loader, attribute)

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: ModuleType) -> None:
        loader = self._loader
        module.__loader__ = loader
        if module.__spec__ is not None:
            module.__spec__.loader = loader
        loader.exec_module(module)
        for hook in _hooks.pop(self._name, ()):
            _run(hook, module)
        if not _hooks and _finder in sys.meta_path:
            sys.meta_path.remove(_finder)


class _Finder:
    """A meta path finder (``importlib.abc.MetaPathFinder``'s protocol; the
    class itself is not imported: ``importlib.abc`` costs a run 25 ms)."""

    def find_spec(self, fullname: str, path: Any = None, target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname not in _hooks:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec: ModuleSpec | None = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader, fullname)  # type: ignore[assignment]
                return spec
        return None


_finder = _Finder()
