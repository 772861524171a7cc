"""``concurrent.futures.ThreadPoolExecutor``, recorded like a ``Pool``: each
``submit`` (``map`` submits one call per item, asyncio's ``run_in_executor``
one call) is linked to the worker thread that ran it, with the ``pool.*``
kinds (a call is a job of one task, ``i`` 0).

The program's executors are recorded, and the default executor of asyncio's
event loop, which ``run_in_executor(None, ...)`` makes inside asyncio: its
work is the program's, and the link from the awaiting task (the actor of the
``pool.submit``, see ``concviz.analysis.fold_coroutines``) to the thread that
did the work is the point of the picture.

``pool.submit`` is recorded as the executor queues the work item (in the
submitting thread, under the executor's lock, before any worker can take
it); ``pool.task`` as a worker starts the item, ``pool.done`` and
``pool.result`` once the future holds its outcome. Job numbers come from a
counter of this module's, above those of multiprocessing's pools, so that
the two never name the same job.
"""

from __future__ import annotations

import itertools
import sys
from concurrent.futures import thread as cf_thread
from typing import Any

from concviz import recorder
from concviz.instrument._support import Patch, QueueView, describe, is_user_file, location, new_object

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_Executor = cf_thread.ThreadPoolExecutor
_original_init = _Executor.__init__
_original_run = cf_thread._WorkItem.run
_jobs = itertools.count(1 << 32)


class _WorkQueue(QueueView):
    """The executor's queue of work items: a put of an item is a submitted call."""

    def __init__(self, queue: Any, obj: int) -> None:
        super().__init__(queue)
        self._cv_id = obj

    def put(self, item: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(item, cf_thread._WorkItem):
            job = next(_jobs)
            item.__dict__.update(_cv_job=job, _cv_pool=self._cv_id)
            file, line = location(2)
            _append((_ns(), _ident(), "pool.submit", self._cv_id, {"job": job, "tasks": 1, "file": file, "line": line}))
        self._queue.put(item, *args, **kwargs)


def _run(self: Any) -> None:
    """``_WorkItem.run``: the worker thread's start and end of one call."""
    job = getattr(self, "_cv_job", None)
    if job is None:
        return _original_run(self)
    future, pool = self.future, self._cv_pool
    _append((_ns(), _ident(), "pool.task", None, {"job": job, "i": 0}))
    try:
        _original_run(self)  # catches the call's exception into the future; the call's traceback is unchanged
    finally:
        if future.done() and not future.cancelled():
            ok = future.exception() is None
            _append((_ns(), _ident(), "pool.done", None, {"job": job, "i": 0, "ok": ok}))
            _append((_ns(), _ident(), "pool.result", pool, {"job": job, "i": 0, "ok": ok}))
    return None


def _in_event_loop(filename: str) -> bool:
    """Whether code of asyncio's event loop made the executor (its default
    one). asyncio is looked at only once the program has imported it."""
    base_events = sys.modules.get("asyncio.base_events")
    return base_events is not None and filename == base_events.__file__


def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    caller = sys._getframe(1).f_code.co_filename
    if is_user_file(caller):
        described = describe(2)
    elif _in_event_loop(caller):
        described = ("event loop executor", None, None)
    else:
        return
    self._cv_id = new_object("ThreadPoolExecutor", self._max_workers, described=described)
    self._work_queue = _WorkQueue(self._work_queue, self._cv_id)


_patch = Patch()


def install() -> None:
    _patch.set(_Executor, "__init__", __init__)
    _patch.set(cf_thread._WorkItem, "run", _run)


def uninstall() -> None:
    _patch.undo()
