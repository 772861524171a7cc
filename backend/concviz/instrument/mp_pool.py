"""``multiprocessing.Pool`` (and ``ThreadPool``), recorded: each task from
the call that submitted it (``apply_async``, ``map``...) to the worker that
ran it and back to its result; ``close``, ``terminate``, ``join``.

A pool's jobs are numbered in the process that submits them
(``ApplyResult._job``); a task is ``(job, i)``, ``i`` the chunk of a map.
``pool.submit`` is recorded in the submitting thread, ``pool.task`` and
``pool.done`` in the worker (process or thread) around the task, and
``pool.result`` in the pool's result thread when the result arrives. The
worker is the standard library's own loop, given queues that record what
passes through them; nothing else of it changes.
"""

from __future__ import annotations

import sys
from multiprocessing import pool as mp_pool
from typing import Any

from concviz import recorder
from concviz.instrument._support import Patch, QueueView, describe, is_user_file, location, new_object

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_Pool = mp_pool.Pool
_original_worker = mp_pool.worker  # type: ignore[attr-defined]
_original_pool_init = _Pool.__init__
_original_apply_result_init = mp_pool.ApplyResult.__init__
_original_imap_init = mp_pool.IMapIterator.__init__
_original_apply_set = mp_pool.ApplyResult._set  # type: ignore[attr-defined]
_original_map_init = mp_pool.MapResult.__init__
_original_map_set = mp_pool.MapResult._set  # type: ignore[attr-defined]
_original_imap_set = mp_pool.IMapIterator._set  # type: ignore[attr-defined]
_original_close = _Pool.close
_original_terminate = _Pool.terminate
_original_join = _Pool.join
_CONTEXT_FILE = "multiprocessing/context.py"


class _Tasks(QueueView):
    """The worker's task queue: records each task as the worker takes it."""

    def get(self) -> Any:
        task = self._queue.get()
        if type(task) is tuple and len(task) == 5:
            _append((_ns(), _ident(), "pool.task", None, {"job": task[0], "i": task[1]}))
        return task


class _Results(QueueView):
    """The worker's result queue: records each task's end as it is sent back."""

    def put(self, item: Any) -> None:
        if type(item) is tuple and len(item) == 3 and type(item[2]) is tuple:
            _append((_ns(), _ident(), "pool.done", None, {"job": item[0], "i": item[1], "ok": bool(item[2][0])}))
        self._queue.put(item)


def worker(inqueue: Any, outqueue: Any, *args: Any, **kwargs: Any) -> Any:
    """``multiprocessing.pool.worker``, with queues that record."""
    return _original_worker(_Tasks(inqueue), _Results(outqueue), *args, **kwargs)


def _caller_depth() -> int:
    """How far above ``pool_init`` the call that makes the pool is: past
    ``multiprocessing/context.py`` and the ``__init__`` of subclasses (ThreadPool)."""
    depth = 2
    frame = sys._getframe(depth)
    while frame.f_back is not None and (
            frame.f_code.co_filename.endswith(_CONTEXT_FILE)
            or (frame.f_code.co_name == "__init__" and isinstance(frame.f_locals.get("self"), _Pool))):
        frame = frame.f_back
        depth += 1
    return depth - 1


def pool_init(self: Any, processes: int | None = None, *args: Any, **kwargs: Any) -> None:
    depth = _caller_depth()
    if is_user_file(sys._getframe(depth).f_code.co_filename):
        self._cv_id = new_object(type(self).__name__, processes, described=describe(depth + 1))
    _original_pool_init(self, processes, *args, **kwargs)


def _submitted(result: Any, pool: Any, tasks: int | None) -> None:
    obj = getattr(pool, "_cv_id", None)
    if obj is not None:
        result._cv_pool = obj
        file, line = location(3)
        _append((_ns(), _ident(), "pool.submit", obj,
                 {"job": result._job, "tasks": tasks, "file": file, "line": line}))


def apply_result_init(self: Any, pool: Any, *args: Any, **kwargs: Any) -> None:
    _original_apply_result_init(self, pool, *args, **kwargs)
    if type(self) is mp_pool.ApplyResult:
        _submitted(self, pool, 1)


def map_result_init(self: Any, pool: Any, *args: Any, **kwargs: Any) -> None:
    _original_map_init(self, pool, *args, **kwargs)
    _submitted(self, pool, self._number_left)


def imap_init(self: Any, pool: Any) -> None:
    _original_imap_init(self, pool)
    _submitted(self, pool, None)


def _result_setter(original: Any) -> Any:
    def _set(self: Any, i: int, obj: Any) -> None:
        pool = getattr(self, "_cv_pool", None)
        if pool is not None:
            ok = bool(obj[0]) if type(obj) is tuple and obj else True
            _append((_ns(), _ident(), "pool.result", pool, {"job": self._job, "i": i, "ok": ok}))
        original(self, i, obj)

    return _set


def close(self: Any) -> None:
    if getattr(self, "_cv_id", None) is not None:
        _append((_ns(), _ident(), "pool.close", self._cv_id, None))
    _original_close(self)


def terminate(self: Any) -> None:
    if getattr(self, "_cv_id", None) is not None:
        _append((_ns(), _ident(), "pool.terminate", self._cv_id, None))
    _original_terminate(self)


def join(self: Any) -> None:
    obj = getattr(self, "_cv_id", None)
    if obj is None:
        return _original_join(self)
    file, line = location(2)
    _append((_ns(), _ident(), "pool.join", obj, {"file": file, "line": line}))
    try:
        _original_join(self)
    finally:
        _append((_ns(), _ident(), "pool.joined", obj, None))


_patch = Patch()


def install() -> None:
    _patch.set(mp_pool, "worker", worker)
    _patch.set(_Pool, "__init__", pool_init)
    _patch.set(mp_pool.ApplyResult, "__init__", apply_result_init)
    _patch.set(mp_pool.MapResult, "__init__", map_result_init)
    _patch.set(mp_pool.IMapIterator, "__init__", imap_init)
    _patch.set(mp_pool.ApplyResult, "_set", _result_setter(_original_apply_set))
    _patch.set(mp_pool.MapResult, "_set", _result_setter(_original_map_set))
    _patch.set(mp_pool.IMapIterator, "_set", _result_setter(_original_imap_set))
    _patch.set(_Pool, "close", close)
    _patch.set(_Pool, "terminate", terminate)
    _patch.set(_Pool, "join", join)


def uninstall() -> None:
    _patch.undo()
