"""Retention on a real store filled by a real sweep: trim non-outlier traces first, then whole runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from concviz.experiments import retention

from .test_api import wait_state

pytestmark = pytest.mark.asyncio


def enforce(app: Any, policy: retention.Policy, now: float | None = None) -> dict[str, Any]:
    done: dict[str, Any] = {}
    store = app.state.sweeps.store
    store.write(lambda conn: done.update(retention.enforce(conn, policy, now=now))).result()
    return done


async def test_traces_of_ordinary_runs_go_first_then_the_oldest_runs(make_app: Callable[..., Any]) -> None:
    app, client = await make_app()
    created = (await client.post("/api/sweeps", json={"scenario": "race", "params": {"threads": [5], "gap": [0.0]},
                                                      "repeat": 6})).json()
    sweep = await wait_state(client, created["id"], ("done",))
    kept = {r["run_id"] for r in sweep["runs"] if r["trace"] == "kept"}
    assert sweep["runs"][0]["run_id"] in kept and len(kept) < 6
    size = enforce(app, retention.Policy())["bytes"]
    assert size > 0

    done = await asyncio.to_thread(enforce, app, retention.Policy(max_bytes=size - 1))
    assert done["trimmed_runs"] >= 1 and done["deleted_runs"] == 0
    sweep = (await client.get(f"/api/sweeps/{created['id']}")).json()
    trimmed = [r for r in sweep["runs"] if r["trace"] == "trimmed"]
    assert trimmed and not kept & {r["run_id"] for r in trimmed}
    for run in trimmed:  # the record and outcome stay; the events are gone
        assert run["outcome"]["status"] == "finished"
        lines = (await client.get(f"/api/runs/{run['run_id']}/trace")).text.splitlines()
        assert [line[:15] for line in lines] == ['{"type":"header', '{"type":"end","']

    created_at = {r["run_id"]: (await client.get(f"/api/runs/{r['run_id']}")).json()["created_at"]
                  for r in sweep["runs"]}
    done = await asyncio.to_thread(enforce, app, retention.Policy(max_runs=2))
    assert done["deleted_runs"] == 4
    newest = sorted(created_at, key=created_at.__getitem__)[-2:]
    left = [r["run_id"] for r in (await client.get(f"/api/sweeps/{created['id']}")).json()["runs"]]
    assert sorted(left) == sorted(newest)

    done = await asyncio.to_thread(enforce, app, retention.Policy(max_age_days=1), time.time() + 2 * 86400)
    assert (done["deleted_runs"], done["deleted_sweeps"], done["bytes"]) == (2, 1, 0)
    assert (await client.get(f"/api/sweeps/{created['id']}")).status_code == 404
