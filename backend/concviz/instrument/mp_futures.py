"""``concurrent.futures.ProcessPoolExecutor``, recorded like a ``Pool``:
each ``submit`` (``map`` submits one call per item) is linked to the worker
process that ran it and back to its result, with the ``pool.*`` kinds (the
job is the executor's work id; a call has one task, ``i`` 0).

``pool.submit`` is recorded where the executor numbers the call (its work-id
queue, under its lock, in the submitting thread); the worker is the
standard library's own loop, given call and result queues that record what
passes; ``pool.result`` is recorded by the executor's manager thread.
"""

from __future__ import annotations

import sys
from concurrent.futures import process as cf_process
from typing import Any

from concviz import recorder
from concviz.instrument._support import Patch, QueueView, describe, is_user_file, location, new_object

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_Executor = cf_process.ProcessPoolExecutor
_original_init = _Executor.__init__
_original_worker = cf_process._process_worker
_original_process_result = cf_process._ExecutorManagerThread.process_result_item


class _WorkIds(QueueView):
    """The executor's queue of work ids: a put is a submitted call."""

    def __init__(self, queue: Any, obj: int) -> None:
        super().__init__(queue)
        self._cv_id = obj

    def put(self, work_id: int, *args: Any, **kwargs: Any) -> None:
        file, line = location(2)
        _append((_ns(), _ident(), "pool.submit", self._cv_id,
                 {"job": work_id, "tasks": 1, "file": file, "line": line}))
        self._queue.put(work_id, *args, **kwargs)


class _Calls(QueueView):
    """The worker's call queue: records each call as the worker takes it."""

    def get(self, *args: Any, **kwargs: Any) -> Any:
        item = self._queue.get(*args, **kwargs)
        work_id = getattr(item, "work_id", None)
        if work_id is not None:
            _append((_ns(), _ident(), "pool.task", None, {"job": work_id, "i": 0}))
        return item


class _Results(QueueView):
    """The worker's result queue: records each call's end as it is sent back."""

    def put(self, item: Any) -> None:
        if isinstance(item, cf_process._ResultItem):
            _append((_ns(), _ident(), "pool.done", None,
                     {"job": item.work_id, "i": 0, "ok": item.exception is None}))
        self._queue.put(item)


def _process_worker(call_queue: Any, result_queue: Any, *args: Any, **kwargs: Any) -> Any:
    """``concurrent.futures.process._process_worker``, with queues that record."""
    return _original_worker(_Calls(call_queue), _Results(result_queue), *args, **kwargs)  # type: ignore[arg-type]


def __init__(self: Any, max_workers: int | None = None, *args: Any, **kwargs: Any) -> None:
    _original_init(self, max_workers, *args, **kwargs)
    caller = sys._getframe(1)
    if is_user_file(caller.f_code.co_filename):
        self._cv_id = new_object("ProcessPoolExecutor", self._max_workers, described=describe(2))
        self._work_ids = _WorkIds(self._work_ids, self._cv_id)


def process_result_item(self: Any, result_item: Any) -> None:
    if isinstance(result_item, cf_process._ResultItem):
        executor = self.executor_reference()
        obj = getattr(executor, "_cv_id", None)
        if obj is not None:
            _append((_ns(), _ident(), "pool.result", obj,
                     {"job": result_item.work_id, "i": 0, "ok": result_item.exception is None}))
    _original_process_result(self, result_item)


_patch = Patch()


def install() -> None:
    _patch.set(cf_process, "_process_worker", _process_worker)
    _patch.set(_Executor, "__init__", __init__)
    _patch.set(cf_process._ExecutorManagerThread, "process_result_item", process_result_item)


def uninstall() -> None:
    _patch.undo()
