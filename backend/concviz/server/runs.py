"""Runs started by the server: one ``Supervisor`` in one thread per run.

A ``Run`` is the supervisor's sink: each line it receives goes to the store
(queued, never blocking) and to the run's ``Hub`` (its live viewers). The
``RunManager`` caps how many runs go at once, knows the live runs, and lets
a run go (``retire``) once the store holds its whole trace, so that memory
holds only live runs and later viewers read the store.

Neighbours: ``supervisor`` runs the child; ``store`` persists; ``hub`` fans
out; ``api`` and ``ws`` call in from the event loop.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import msgspec

from concviz.scenarios import Scenario
from concviz.server.hub import Hub
from concviz.server.settings import Settings
from concviz.server.store import Store
from concviz.supervisor import RunSpec, Status, Supervisor
from concviz.translate import Lines

log = logging.getLogger("concviz.server")

SHUTDOWN_ERROR = "the server shut down during the run"

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.decode


class TooManyRuns(Exception):
    pass


def argv_for(values: dict[str, Any]) -> list[str]:
    """Parameter values as the scenario's ``--name=value`` arguments (repr keeps floats exact)."""
    return [f"--{k}={v!r}" if isinstance(v, float) else f"--{k}={v}" for k, v in values.items()]


class Run:
    def __init__(self, manager: RunManager, scenario: Scenario, values: dict[str, Any],
                 control: dict[str, Any] | None = None) -> None:
        settings = manager.settings
        self.manager = manager
        self.spec = RunSpec(
            path=str(scenario.path), target=scenario.name, argv=argv_for(values), params=values,
            watch=list(scenario.watch), lines=scenario.lines, timeout=settings.run_timeout,
            max_threads=settings.max_threads, max_events=settings.max_events, control=control,
            max_memory=settings.max_memory,
        )
        self.id = self.spec.run_id
        self.scenario = scenario.name
        self.params = values
        self.status = Status.PENDING.value
        self.exit_code: int | None = None
        self.created_at = time.time()
        self.finished_at: float | None = None
        self.summary: dict[str, Any] | None = None
        self.error: str | None = None
        self.hub = Hub(settings.live_window_bytes, lambda: manager.store.committed(self.id))
        self.supervisor = Supervisor(self.spec, self)
        self.shutting_down = False
        self.client = ""
        """Who started it (an IP address), for the per-client limit on runs."""
        self.viewers = 0
        """WebSocket viewers of this run, counted from their handshake (event loop only)."""
        self.thread = threading.Thread(target=self._main, name=f"concviz-run-{self.id}", daemon=True)

    def record(self) -> dict[str, Any]:
        return {
            "id": self.id, "scenario": self.scenario, "params": self.params, "status": self.status,
            "exit_code": self.exit_code, "created_at": self.created_at, "finished_at": self.finished_at,
            "events": self.hub.events, "summary": self.summary, "error": self.error,
        }

    @property
    def ended(self) -> bool:
        return self.hub.ended

    def stop(self) -> None:
        self.supervisor.stop()

    # --- the Sink, called from the run's thread -----------------------------------------------

    def header(self, line: bytes) -> None:
        self.status = Status.RUNNING.value
        self.manager.store.set_running(self.id, line)
        self.hub.publish("header", [line])

    def events(self, lines: Lines) -> None:
        store = self.manager.store
        # Back-pressure: while the store is far behind, the run waits (and so does its program),
        # so that what memory holds of a live run stays bounded.
        behind = self.hub.events - self.manager.settings.max_unstored_events
        while behind > 0 and not store.wait_stored(self.id, behind):
            pass
        store.add_events(self.id, self.hub.events, lines)
        self.hub.publish("events", lines)

    def end(self, line: bytes) -> None:
        end = _decode(line)
        if self.shutting_down and end.get("status") == Status.STOPPED.value:
            end.update(status=Status.INTERRUPTED.value, exit_code=None, error=SHUTDOWN_ERROR)
            line = _encode(end)
        self.exit_code = end.get("exit_code")
        self.summary = end.get("summary")
        self.error = end.get("error")
        self.finished_at = time.time()
        self.status = end.get("status", Status.CRASHED.value)
        saved = self.manager.store.finish(self.id, self.record(), line)
        self.hub.publish("end", [line])
        saved.add_done_callback(lambda _: self.manager.retire(self))

    # --- the run's thread -------------------------------------------------------------------------

    def _main(self) -> None:
        log_fd = -1
        try:
            log_path = self.manager.log_dir / f"{self.id}.log"
            log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            self.spec.stdout = log_fd
            self.supervisor.run()
        except Exception as error:
            log.exception("run %s failed inside the server", self.id)
            self._fail(f"internal error: {type(error).__name__}")
        finally:
            if log_fd >= 0:
                os.close(log_fd)
            self.manager.thread_done(self)

    def _fail(self, message: str) -> None:
        """End a run whose supervisor raised, so that its trace and viewers still get an end."""
        if self.hub.ended:
            return
        if self.status == Status.PENDING.value:
            self.header(_encode(self.supervisor.header()))
        self.end(_encode({"type": "end", "status": Status.CRASHED.value, "exit_code": None,
                          "duration_ns": 0, "summary": {}, "error": message}))


class RunManager:
    def __init__(self, store: Store, data_dir: Path, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.log_dir = data_dir / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._live: dict[str, Run] = {}
        self._threads = 0
        self.viewers = 0
        """WebSocket viewers now connected (changed from the event loop only)."""

    def reserve(self, scenario: Scenario, values: dict[str, Any], control: dict[str, Any] | None = None) -> Run:
        """A new run, counted against the limit and visible to viewers; ``launch`` it once stored."""
        with self._lock:
            if self._threads >= self.settings.max_runs:
                raise TooManyRuns(
                    f"{self._threads} runs are going, the most at once; wait for one to end or stop one")
            self._threads += 1
        try:
            run = Run(self, scenario, values, control)
        except BaseException:
            self._release()
            raise
        with self._lock:
            self._live[run.id] = run
        return run

    def launch(self, run: Run) -> None:
        run.thread.start()

    def abandon(self, run: Run, reason: str) -> None:
        """A reserved run that will not be launched: end it for anyone already watching."""
        run.hub.publish("header", [_encode(run.supervisor.header())])
        run.hub.publish("end", [_encode({"type": "end", "status": Status.CRASHED.value, "exit_code": None,
                                         "duration_ns": 0, "summary": {}, "error": reason})])
        self.retire(run)
        self._release()

    def _release(self) -> None:
        with self._lock:
            self._threads -= 1

    def thread_done(self, run: Run) -> None:
        self._release()

    def retire(self, run: Run) -> None:
        run.hub.retire()
        with self._lock:
            self._live.pop(run.id, None)

    def live(self, run_id: str) -> Run | None:
        with self._lock:
            return self._live.get(run_id)

    def runs_of(self, client: str) -> int:
        """Runs ``client`` started that have not ended yet."""
        return sum(1 for run in self.live_runs() if run.client == client and not run.ended)

    def live_runs(self) -> list[Run]:
        with self._lock:
            return list(self._live.values())

    @property
    def running(self) -> int:
        with self._lock:
            return self._threads

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop every live run (recorded as ``interrupted``) and wait for their threads."""
        runs = self.live_runs()
        for run in runs:
            run.shutting_down = True
            run.stop()
        deadline = time.monotonic() + timeout
        for run in runs:
            if run.thread.is_alive():
                run.thread.join(max(0.0, deadline - time.monotonic()))
