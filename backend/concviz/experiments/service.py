"""The server's sweeps: plan → store → pool → outcomes → store, with cancel, delete and retention.

One ``SweepService`` per app (``server/sweeps.py`` makes it on first use).
Its executor is a ``LocalPool`` (``Settings.sweep_jobs`` runs at once) or,
with ``Settings.sweep_scheduler``, a ``DaskPool``. A sweep's state goes
queued → running → done | cancelled; one the server stopped during is
cancelled at the next start, with the runs that had ended kept.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

from concviz.experiments import outcomes, retention, storage
from concviz.experiments.pool import Batch, Job, LocalPool, Result, make_job
from concviz.experiments.sweep import Plan
from concviz.server.store import Store

log = logging.getLogger("concviz.server")


class _Live:
    def __init__(self, sweep: dict[str, Any], plan: Plan, jobs: list[Job]) -> None:
        self.sweep = sweep
        self.plan = plan
        self.jobs = jobs
        self.batch: Batch | None = None
        self.outcomes: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()


class SweepService:
    def __init__(self, store: Store, *, jobs: int | None = None, scheduler: str | None = None, prestart: bool = True,
                 policy: retention.Policy | None = None, run_timeout: float = 60.0, max_threads: int = 2000,
                 max_events: int = 500_000, max_memory: int | None = 1 << 30) -> None:
        self.store = store
        self.policy = policy or retention.Policy()
        self.timeout, self.max_threads, self.max_events = run_timeout, max_threads, max_events
        self.max_memory = max_memory
        if scheduler:
            from concviz.experiments.cluster import DaskPool

            self.pool: Any = DaskPool(scheduler)
        else:
            self.pool = LocalPool(jobs, prestart=prestart)
        self._lock = threading.Lock()
        self._live: dict[str, _Live] = {}
        storage.recover(store)
        self.apply_retention()

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self, plan: Plan) -> dict[str, Any]:
        """Store the sweep and its planned runs, then queue them. Returns the sweep as ``get`` would."""
        sweep: dict[str, Any] = {"id": uuid.uuid4().hex[:12], "scenario": plan.scenario.name, "params": plan.values,
                 "repeat": plan.repeat, "result": plan.result, "state": "queued", "created_at": time.time()}
        jobs = [make_job(plan.scenario.name, params, plan.result, timeout=self.timeout, max_threads=self.max_threads,
                         max_events=self.max_events, max_memory=self.max_memory) for params in plan.runs]
        storage.insert_sweep(self.store, sweep, [(j["run_id"], j["params"]) for j in jobs]).result()
        live = _Live(sweep, plan, jobs)
        with self._lock:
            self._live[sweep["id"]] = live
        with live.lock:
            live.batch = self.pool.submit(jobs, lambda job, result: self._ended(live, job, result))
        threading.Thread(target=self._follow, args=(live,), name=f"concviz-sweep-{sweep['id']}",
                         daemon=True).start()
        log.info("sweep %s started: %s, %d runs", sweep["id"], plan.scenario.name, len(jobs))
        return sweep

    def _ended(self, live: _Live, job: Job, result: Result | None) -> None:
        if result is None:
            return
        if live.sweep["state"] == "queued":
            live.sweep["state"] = "running"
            storage.set_state(self.store, live.sweep["id"], "running")
        outcome = outcomes.outcome(result["end"], live.plan.result)
        with live.lock:
            live.outcomes[job["run_id"]] = outcome
        storage.store_run(self.store, live.plan.scenario.name, job["params"], result, outcome, time.time())

    def _follow(self, live: _Live) -> None:
        assert live.batch is not None
        live.batch.wait()
        state = "cancelled" if live.batch.cancelled.is_set() else "done"
        runs = [{"run_id": j["run_id"], "params": j["params"], "outcome": live.outcomes.get(j["run_id"])}
                for j in live.jobs]
        storage.set_keep(self.store, live.sweep["id"], outcomes.outliers(runs, live.plan.swept))
        storage.set_state(self.store, live.sweep["id"], state).result()
        live.sweep["state"] = state
        with self._lock:
            self._live.pop(live.sweep["id"], None)
        log.info("sweep %s %s: %d runs ended", live.sweep["id"], state, len(live.outcomes))
        self.apply_retention()

    def cancel(self, sweep_id: str) -> bool:
        """Stop a live sweep (False: it is not live)."""
        with self._lock:
            live = self._live.get(sweep_id)
        if live is None:
            return False
        live.sweep["state"] = "cancelled"
        assert live.batch is not None
        live.batch.cancel()
        return True

    def delete(self, sweep_id: str) -> bool:
        """Cancel (if live) and delete the sweep with its runs; False if there is no such sweep."""
        if self.get(sweep_id) is None:
            return False
        with self._lock:
            live = self._live.get(sweep_id)
        if live is not None and live.batch is not None:
            live.batch.cancel()
            live.batch.wait(30)
            # its follower marks it cancelled; wait for that so that the delete comes after every write
            deadline = time.monotonic() + 10
            while sweep_id in self._live and time.monotonic() < deadline:
                time.sleep(0.02)
        storage.delete_sweep(self.store, sweep_id).result()
        return True

    def is_live_run(self, run_id: str) -> bool:
        with self._lock:
            lives = list(self._live.values())
        return any(run_id in {j["run_id"] for j in live.jobs} and run_id not in live.outcomes for live in lives)

    def apply_retention(self) -> dict[str, Any]:
        with self._lock:
            protected = set(self._live)
        done: dict[str, Any] = {}
        self.store.write(lambda conn: done.update(retention.enforce(conn, self.policy, protected))).result()
        if done.get("deleted_runs") or done.get("trimmed_runs"):
            log.info("retention: %s", done)
        return done

    def shutdown(self) -> None:
        """Stop every live sweep (no run process is left) and the pool."""
        with self._lock:
            lives = list(self._live.values())
        for live in lives:
            if live.batch is not None:
                live.batch.cancel()
        self.pool.close()

    # --- reads ------------------------------------------------------------------------------

    def list(self) -> list[dict[str, Any]]:
        sweeps: list[dict[str, Any]] = self.store.read(storage.list_sweeps)
        for sweep in sweeps:
            sweep.update(self._progress(sweep["id"], sweep["done"], sweep["total"], sweep["state"]),
                         metric=self.metric(sweep))
        return sweeps

    def get(self, sweep_id: str) -> dict[str, Any] | None:
        sweep: dict[str, Any] | None = self.store.read(lambda conn: storage.get_sweep(conn, sweep_id))
        if sweep is None:
            return None
        with self._lock:
            live = self._live.get(sweep_id)
        # running first: a run leaves it only after its outcome is known, so it is in one or the other
        running = set(live.batch.running_ids()) if live is not None and live.batch is not None else set()
        known = dict(live.outcomes) if live is not None else {}
        # a run not started is queued only while its sweep is live and not cancelled
        cancelled = live is None or (live.batch is not None and live.batch.cancelled.is_set())
        not_started = "cancelled" if cancelled else "queued"
        for run in sweep["runs"]:
            if run["outcome"] is None and run["run_id"] in known:
                ended = known[run["run_id"]]  # ended, not yet written
                run.update(outcome=ended, status=ended["status"], exit_code=ended["exit_code"])
            if run["status"] is None:
                run["status"] = "running" if run["run_id"] in running else not_started
        done = sum(1 for r in sweep["runs"] if r["outcome"] is not None)
        swept = list(sweep["params"])
        sweep.update(self._progress(sweep_id, done, sweep["total"], sweep["state"]))
        sweep["table"] = outcomes.table(sweep["runs"], swept)
        sweep["metric"] = self.metric(sweep)
        return sweep

    def _progress(self, sweep_id: str, done: int, total: int, state: str) -> dict[str, Any]:
        with self._lock:
            live = self._live.get(sweep_id)
        eta = live.batch.eta_s() if live is not None and live.batch is not None else 0.0
        if live is not None:
            state = live.sweep["state"]
            if state == "queued" and live.batch is not None and live.batch.started_at is not None:
                state = "running"
        return {"done": done, "total": total, "state": state, "eta_s": eta}

    @staticmethod
    def metric(sweep: dict[str, Any]) -> str:
        """The metric the sweep is about (the table's key): the scenario's result if it declares one."""
        return "result" if sweep.get("result") else "lost_updates"
