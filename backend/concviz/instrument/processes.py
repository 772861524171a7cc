"""``multiprocessing`` processes, recorded: ``start``, ``join``,
``terminate`` and ``kill`` in the parent; the name and the exit code in the
child.

Every ``Process`` is recorded, the program's, a ``Pool``'s workers, a
``Manager``'s server: they are all real processes of the run. The child's
own stream (``concviz.recorder``) begins with ``process.begin``; the
supervisor ends it with ``process.end``.
"""

from __future__ import annotations

import multiprocessing.process as mp_process
from typing import Any

from concviz import recorder
from concviz.instrument._support import Patch, location

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_Base = mp_process.BaseProcess
_original_start = _Base.start
_original_join = _Base.join
_original_terminate = _Base.terminate
_original_kill = _Base.kill
_original_bootstrap = _Base._bootstrap  # type: ignore[attr-defined]


def start(self: Any) -> None:
    # Timed before the fork, so that the child's first event comes after it.
    t = _ns()
    _original_start(self)
    _append((t, _ident(), "process.start", None, {"pid": self.pid, "name": self.name}))


def join(self: Any, timeout: float | None = None) -> None:
    if self._popen is None:
        return _original_join(self, timeout)  # raises what the original raises
    file, line = location(2)
    pid = self.pid
    _append((_ns(), _ident(), "process.join", None, {"pid": pid, "timeout": timeout, "file": file, "line": line}))
    try:
        _original_join(self, timeout)
    finally:
        _append((_ns(), _ident(), "process.joined", None, {"pid": pid, "exit_code": self._popen.poll()}))


def terminate(self: Any) -> None:
    if self._popen is not None:
        _append((_ns(), _ident(), "process.terminate", None, {"pid": self.pid}))
    _original_terminate(self)


def kill(self: Any) -> None:
    if self._popen is not None:
        _append((_ns(), _ident(), "process.kill", None, {"pid": self.pid}))
    _original_kill(self)


def _bootstrap(self: Any, *args: Any, **kwargs: Any) -> int:
    _append((_ns(), _ident(), "process.name", None, {"name": self.name}))
    exit_code = 1
    try:
        exit_code = _original_bootstrap(self, *args, **kwargs)
        return exit_code
    finally:
        _append((_ns(), _ident(), "process.exit", None, {"exit_code": exit_code}))
        # A fork child leaves with os._exit: no atexit, so ship everything now.
        recorder.stop()


_patch = Patch()


def install() -> None:
    _patch.set(_Base, "start", start)
    _patch.set(_Base, "join", join)
    _patch.set(_Base, "terminate", terminate)
    _patch.set(_Base, "kill", kill)
    _patch.set(_Base, "_bootstrap", _bootstrap)


def uninstall() -> None:
    _patch.undo()
