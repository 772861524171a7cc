"""Run a sweep's runs: each exactly as ``concviz run`` does, a child process under a ``Supervisor``.

``execute`` is one run, start to end, returning its trace (header, event
lines, end record); it is what a Dask worker calls too (``cluster``). A run of
a sweep records no source lines and has no live viewer, which keeps it as
cheap as a run gets; its limits (time, threads, events) are a run's usual ones.

``LocalPool`` runs at most ``jobs`` of them at once, in threads of this
process (each thread waits on its child), from one queue shared by every
sweep submitted to it. ``Batch`` is one sweep's share: progress, an estimate of
the time left, and ``cancel``, which drops its queued runs and stops its
running ones (the supervisor kills each run's whole process group).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import msgspec

from concviz import scenarios
from concviz.supervisor import RunSpec, Status, Supervisor
from concviz.translate import Lines

log = logging.getLogger("concviz.experiments")

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.decode

Job = dict[str, Any]
"""``{run_id, scenario, params, result, timeout, max_threads, max_events}`` (JSON: it may travel to a worker)."""
Result = dict[str, Any]
"""``{run_id, header: bytes, lines: list[bytes], end_line: bytes, end: dict}``."""
OnResult = Callable[[Job, "Result | None"], None]
"""Called once per job: with its result, or None for a job a cancel dropped before it started."""


def make_job(scenario: str, params: dict[str, Any], result: str | None, *, timeout: float = 60.0,
             max_threads: int = 2000, max_events: int = 500_000, max_memory: int | None = 1 << 30,
             run_id: str | None = None) -> Job:
    return {"run_id": run_id or uuid.uuid4().hex[:12], "scenario": scenario, "params": params, "result": result,
            "timeout": timeout, "max_threads": max_threads, "max_events": max_events, "max_memory": max_memory}


def spec_for(job: Job) -> RunSpec:
    scenario = scenarios.find(job["scenario"])
    watch = set(scenario.watch) | ({job["result"]} if job.get("result") else set())
    argv = [f"--{k}={v!r}" if isinstance(v, float) else f"--{k}={v}" for k, v in job["params"].items()]
    return RunSpec(path=str(scenario.path), target=scenario.name, argv=argv, params=job["params"],
                   watch=sorted(watch), lines=False, timeout=job["timeout"], max_threads=job["max_threads"],
                   max_events=job["max_events"], max_memory=job.get("max_memory"), run_id=job["run_id"])


class _Collect:
    """A Sink that keeps the whole trace."""

    def __init__(self) -> None:
        self.header_line = b""
        self.lines: list[bytes] = []
        self.end_line = b""

    def header(self, line: bytes) -> None:
        self.header_line = line

    def events(self, lines: Lines) -> None:
        self.lines.extend(lines)

    def end(self, line: bytes) -> None:
        self.end_line = line


def execute(job: Job, started: Callable[[Supervisor], None] | None = None, zygote: Any = None) -> Result:
    """One run to its end; ``started`` is given the supervisor first (to stop it from another thread);
    with a ``zygote.Zygote`` the run's process is forked from it instead of started afresh."""
    sink = _Collect()
    spec = spec_for(job)
    devnull = os.open(os.devnull, os.O_WRONLY)  # the program's output is in the trace
    spec.stdout = devnull
    end: dict[str, Any]
    try:
        if zygote is not None:
            from concviz.experiments.zygote import ZygoteSupervisor

            supervisor: Supervisor = ZygoteSupervisor(spec, sink, zygote)
        else:
            supervisor = Supervisor(spec, sink)
        if started is not None:
            started(supervisor)
        end = supervisor.run()
    finally:
        os.close(devnull)
    return {"run_id": job["run_id"], "header": sink.header_line, "lines": sink.lines, "end_line": sink.end_line,
            "end": end}


def failed(job: Job, message: str) -> Result:
    """The result of a run whose supervisor raised: a crashed end with the reason."""
    end: dict[str, Any] = {"type": "end", "status": Status.CRASHED.value, "exit_code": None, "duration_ns": 0,
                           "summary": {}, "error": message}
    header = {"type": "header", "run_id": job["run_id"], "target": job["scenario"], "params": job["params"]}
    return {"run_id": job["run_id"], "header": _encode(header), "lines": [], "end_line": _encode(end), "end": end}


class Batch:
    """One sweep's runs in a pool: progress, time left, cancel."""

    def __init__(self, jobs: list[Job], on_result: OnResult) -> None:
        self.id = uuid.uuid4().hex[:12]
        self.total = len(jobs)
        self.done = 0
        """Runs that ended (whatever their status)."""
        self.dropped = 0
        """Runs a cancel dropped before they started."""
        self.started_at: float | None = None
        self.on_result = on_result
        self.cancelled = threading.Event()
        self.finished = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[str, Supervisor] = {}
        self._on_cancel: list[Callable[[], None]] = []
        if not jobs:
            self.finished.set()

    def eta_s(self) -> float | None:
        """Seconds left at the rate so far (None before the first run ends)."""
        if self.finished.is_set():
            return 0.0
        if not self.done or self.started_at is None:
            return None
        rate = self.done / max(time.monotonic() - self.started_at, 1e-9)
        return (self.total - self.done - self.dropped) / rate

    def cancel(self) -> None:
        """Drop the queued runs and stop the running ones; ``finished`` is set once every run is
        accounted for (the pool skips a cancelled batch's queued runs without starting them)."""
        self.cancelled.set()
        with self._lock:
            running = list(self._running.values())
            hooks = list(self._on_cancel)
        for supervisor in running:
            supervisor.stop()
        for hook in hooks:
            hook()

    def running_ids(self) -> list[str]:
        with self._lock:
            return list(self._running)

    def wait(self, timeout: float | None = None) -> bool:
        return self.finished.wait(timeout)

    # --- called by the executors ----------------------------------------------------------

    def add_cancel_hook(self, hook: Callable[[], None]) -> None:
        with self._lock:
            self._on_cancel.append(hook)

    def begin(self, run_id: str, supervisor: Supervisor) -> None:
        with self._lock:
            self.started_at = self.started_at or time.monotonic()
            self._running[run_id] = supervisor
        if self.cancelled.is_set():
            supervisor.stop()

    def mark_started(self) -> None:
        """For executors that cannot tell when each run starts (a cluster): the clock of the estimate starts now."""
        with self._lock:
            self.started_at = self.started_at or time.monotonic()

    def complete(self, job: Job, result: Result | None) -> None:
        try:
            self.on_result(job, result)
        except Exception:
            log.exception("a sweep could not take the result of run %s", job["run_id"])
        with self._lock:
            self._running.pop(job["run_id"], None)
            if result is None:
                self.dropped += 1
            else:
                self.done += 1
        self._settle()

    def _settle(self) -> None:
        with self._lock:
            if self.done + self.dropped >= self.total:
                self.finished.set()


_STOP = object()


class LocalPool:
    """At most ``jobs`` runs at once on this machine, first come first served across sweeps."""

    def __init__(self, jobs: int | None = None, prestart: bool = False) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.prestart = prestart
        """Fork each run from a pre-started interpreter (``zygote``): faster starts, shared hash seed."""
        self._zygote: Any = None
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._batches: list[Batch] = []
        self._closed = False

    def submit(self, jobs: list[Job], on_result: OnResult) -> Batch:
        batch = Batch(jobs, on_result)
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is closed")
            self._batches = [b for b in self._batches if not b.finished.is_set()] + [batch]
            if self.prestart and self._zygote is None:
                from concviz.experiments.zygote import Zygote

                self._zygote = Zygote()
            while len(self._threads) < self.jobs:
                thread = threading.Thread(target=self._work, name=f"concviz-sweep-{len(self._threads)}", daemon=True)
                thread.start()
                self._threads.append(thread)
        for job in jobs:
            self._queue.put((batch, job))
        return batch

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            batch, job = item
            if batch.cancelled.is_set():
                batch.complete(job, None)
                continue
            def started(supervisor: Supervisor, batch: Batch = batch, run_id: str = job["run_id"]) -> None:
                batch.begin(run_id, supervisor)

            try:
                result = execute(job, started, self._zygote)
            except Exception as error:
                log.exception("run %s of a sweep failed inside the pool", job["run_id"])
                result = failed(job, f"internal error: {type(error).__name__}")
            batch.complete(job, result)

    def close(self, timeout: float = 10.0) -> None:
        """Cancel every batch, wait for the running runs to be stopped, end the threads."""
        with self._lock:
            self._closed = True
            batches = list(self._batches)
            threads = list(self._threads)
        for batch in batches:
            if not batch.finished.is_set():
                batch.cancel()
        for _ in threads:
            self._queue.put(_STOP)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None
