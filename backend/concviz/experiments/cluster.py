"""Sweeps on a Dask cluster (``distributed``, an optional dependency: ``pip install concviz[experiments]``).

``DaskPool(address)`` connects to a running scheduler (``tcp://HOST:PORT``)
and submits each run as a task calling ``pool.execute`` on a worker: the run
is a child process of the worker, under a ``Supervisor`` with every limit, as
it is locally, and its trace comes back as the task's result. The cluster
bounds how many go at once. Cancel sets a named ``distributed.Event`` that
every task of the batch watches (stopping its run, whose process group is
killed) and cancels the tasks not started.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from concviz.experiments.pool import Batch, Job, OnResult, Result, execute, failed

log = logging.getLogger("concviz.experiments")

CANCEL_POLL_S = 0.2


class SchedulerError(Exception):
    """The scheduler cannot be used: ``distributed`` missing, or nothing answers at the address."""


def _cancel_event(batch_id: str) -> str:
    return f"concviz-cancel-{batch_id}"


def run_on_worker(job: Job, batch_id: str) -> Result:
    """A task: the run, stopped if its batch is cancelled meanwhile.

    The run goes in a thread of its own while the task's thread watches for
    the cancel (a ``distributed.Event`` works only in the task's own context),
    and for the task being cancelled or released on this worker."""
    from distributed import Event, get_worker

    cancelled = Event(_cancel_event(batch_id))
    worker = get_worker()
    key = worker.get_current_task()
    running: list[Any] = []
    outcome: list[Result] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(execute(job, running.append))
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run, name=f"concviz-run-{job['run_id']}", daemon=True)
    thread.start()
    stopped = False
    while thread.is_alive():
        thread.join(CANCEL_POLL_S)
        if stopped or not thread.is_alive():
            continue
        task = worker.state.tasks.get(key)
        try:
            cancel = cancelled.is_set()
        except Exception:  # the scheduler went away: stop rather than run on unwatched
            cancel = True
        if cancel or task is None or task.state in ("cancelled", "released", "forgotten"):
            for supervisor in running:
                supervisor.stop()
            stopped = bool(running)  # not started yet: stop it at the next look
    if errors:
        raise errors[0]
    return outcome[0]


class DaskPool:
    def __init__(self, address: str, timeout: float = 10.0) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise SchedulerError("--scheduler needs the 'distributed' package: pip install 'concviz[experiments]'")
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise SchedulerError(f"cannot reach the Dask scheduler at {address}: {error}")
        self.address = address

    def submit(self, jobs: list[Job], on_result: OnResult) -> Batch:
        from distributed import Event, as_completed

        batch = Batch(jobs, on_result)
        if not jobs:
            return batch
        futures = {self.client.submit(run_on_worker, job, batch.id, key=f"concviz-run-{job['run_id']}",
                                      pure=False): job for job in jobs}
        batch.mark_started()
        event = Event(_cancel_event(batch.id), client=self.client)

        def cancel() -> None:
            try:
                event.set()
                self.client.cancel(list(futures))
            except Exception:
                log.exception("cancelling a sweep on the Dask cluster failed")

        batch.add_cancel_hook(cancel)

        def collect() -> None:
            left = dict(futures)
            for future in as_completed(list(futures), loop=self.client.loop):
                job = left.pop(future)
                if future.cancelled():
                    batch.complete(job, None)
                    continue
                try:
                    result = future.result()
                except Exception as error:
                    log.warning("run %s failed on the Dask cluster: %s", job["run_id"], error)
                    result = failed(job, f"the Dask task failed: {type(error).__name__}: {error}")
                batch.complete(job, result)
            for job in left.values():  # as_completed gave up on them (the client closed)
                batch.complete(job, None)
            try:
                event.clear()
            except Exception:
                pass

        threading.Thread(target=collect, name=f"concviz-dask-{batch.id}", daemon=True).start()
        return batch

    def close(self) -> None:
        self.client.close()
