"""The sweeps API in process: start, progress, table, cancel, delete, compare; bad input starts nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .conftest import session_members

pytestmark = pytest.mark.asyncio


async def wait_state(client: httpx.AsyncClient, sweep_id: str, states: tuple[str, ...],
                     timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        sweep: dict[str, Any] = (await client.get(f"/api/sweeps/{sweep_id}")).json()
        if sweep["state"] in states:
            return sweep
        assert time.monotonic() < deadline, f"sweep {sweep_id} stayed {sweep['state']}"
        await asyncio.sleep(0.05)


async def test_a_sweep_runs_every_value_and_reports_outcomes_per_value(make_app: Callable[..., Any]) -> None:
    _, client = await make_app()
    response = await client.post("/api/sweeps", json={"scenario": "race", "params": {"gap": [0.0, 0.01],
                                                                                     "threads": [6]}, "repeat": 2})
    assert response.status_code == 201, response.text
    started = response.json()
    assert started["state"] in ("queued", "running") and started["total"] == 4
    assert response.headers["location"] == f"/api/sweeps/{started['id']}"
    assert [r["status"] for r in started["runs"]].count("cancelled") == 0
    sweep = await wait_state(client, started["id"], ("done",))
    assert (sweep["done"], sweep["total"], sweep["eta_s"]) == (4, 4, 0.0)
    assert sweep["metric"] == "result"
    assert sweep["scenario"] == "race" and sweep["repeat"] == 2 and sweep["params"] == {"gap": [0.0, 0.01],
                                                                                         "threads": [6]}
    for run in sweep["runs"]:
        assert (run["status"], run["exit_code"]) == ("finished", 0)
        assert run["watched"]["num"]["final"] == run["outcome"]["result"] == run["outcome"]["lost_updates"]
    assert [row["params"] for row in sweep["table"]] == [{"gap": 0.0, "threads": 6}, {"gap": 0.01, "threads": 6}]
    wide = sweep["table"][1]["metrics"]["result"]
    assert wide["min"] >= 3 and sum(bar["count"] for bar in wide["histogram"]) == 2
    # a bar's run opens like any run, with its whole trace
    run_id = wide["histogram"][0]["runs"][0]
    record = (await client.get(f"/api/runs/{run_id}")).json()
    assert record["status"] == "finished" and record["events"] > 0
    trace = (await client.get(f"/api/runs/{run_id}/trace")).text.splitlines()
    assert len(trace) == record["events"] + 2
    # the run list stays the user's own runs
    assert (await client.get("/api/runs")).json() == []
    listed = (await client.get("/api/sweeps")).json()
    assert [(s["id"], s["state"], s["done"], s["total"]) for s in listed] == [(sweep["id"], "done", 4, 4)]


async def test_compare_gives_both_runs_and_the_difference_of_their_summaries(make_app: Callable[..., Any]) -> None:
    _, client = await make_app()
    created = (await client.post("/api/sweeps", json={"scenario": "race", "params": {"gap": [0.0, 0.01],
                                                                                      "threads": [5]}})).json()
    sweep = await wait_state(client, created["id"], ("done",))
    a, b = (r["run_id"] for r in sweep["runs"])
    compared = (await client.get(f"/api/compare?a={a}&b={b}")).json()
    assert compared["a"]["id"] == a and compared["b"]["id"] == b
    assert compared["params"] == {"gap": {"a": 0.0, "b": 0.01, "delta": 0.01}}
    finals = (compared["a"]["outcome"]["result"], compared["b"]["outcome"]["result"])
    if finals[0] != finals[1]:
        assert compared["outcome"]["result"] == {"a": finals[0], "b": finals[1], "delta": finals[1] - finals[0]}
    assert "events" in compared["summary"] or compared["a"]["events"] == compared["b"]["events"]
    assert (await client.get(f"/api/compare?a={a}&b=ffffffffffff")).status_code == 404
    assert (await client.get(f"/api/compare?a={a}")).status_code == 400


async def test_deleting_a_run_and_a_sweep(make_app: Callable[..., Any]) -> None:
    _, client = await make_app()
    created = (await client.post("/api/sweeps", json={"scenario": "race_locked", "params": {"threads": [2, 3],
                                                                                            "gap": [0.0]}})).json()
    sweep = await wait_state(client, created["id"], ("done",))
    first, second = (r["run_id"] for r in sweep["runs"])
    assert (await client.delete(f"/api/runs/{first}")).status_code == 204
    assert (await client.get(f"/api/runs/{first}")).status_code == 404
    assert (await client.delete(f"/api/runs/{first}")).status_code == 404
    assert [r["run_id"] for r in (await client.get(f"/api/sweeps/{created['id']}")).json()["runs"]] == [second]
    assert (await client.delete(f"/api/sweeps/{created['id']}")).status_code == 204
    assert (await client.get(f"/api/sweeps/{created['id']}")).status_code == 404
    assert (await client.get(f"/api/runs/{second}")).status_code == 404
    assert (await client.delete(f"/api/sweeps/{created['id']}")).status_code == 404


async def test_cancel_stops_every_queued_and_running_run_and_leaves_no_process(make_app: Callable[..., Any]) -> None:
    app, client = await make_app()
    created = (await client.post("/api/sweeps", json={"scenario": "linger", "params": {"seconds": [50]},
                                                      "repeat": 5})).json()
    service = app.state.sweeps
    live = service._live[created["id"]]
    deadline = time.monotonic() + 30
    leaders: set[int] = set()
    while len(leaders) < 2 and time.monotonic() < deadline:
        leaders = {s.proc.pid for s in list(live.batch._running.values()) if s.proc is not None}
        await asyncio.sleep(0.02)
    running = (await client.get(f"/api/sweeps/{created['id']}")).json()
    assert running["state"] == "running"
    assert sorted(r["status"] for r in running["runs"]) == ["queued"] * 3 + ["running"] * 2
    response = await client.post(f"/api/sweeps/{created['id']}/cancel")
    assert response.status_code == 202
    sweep = await wait_state(client, created["id"], ("cancelled",))
    assert live.batch.wait(20)
    assert session_members(leaders) == []
    sweep = (await client.get(f"/api/sweeps/{created['id']}")).json()
    assert sorted(r["status"] for r in sweep["runs"]) == ["cancelled"] * 3 + ["stopped"] * 2
    assert (await client.post(f"/api/sweeps/{created['id']}/cancel")).status_code == 409


@pytest.mark.parametrize(("body", "loc", "message"), [
    ({"scenario": "race", "params": {"nope": [1]}}, ["body", "params", "nope"], "unknown parameter 'nope'"),
    ({"scenario": "race", "params": {"threads": "1..200", "gap": "0..1:10"}}, ["body", "params"],
     "2000 runs"),
    ({"scenario": "race", "params": {"gap": "0..2:3"}}, ["body", "params", "gap"],
     "expected a number between 0 and 1 for 'gap', got 2.0"),
    ({"scenario": "race", "params": {"gap": [0.001, 5]}}, ["body", "params", "gap"], "got 5"),
    ({"scenario": "race", "repeat": 0}, ["body", "repeat"], "got 0"),
    ({"scenario": "race", "repeat": 10**9}, ["body", "repeat"], "got 1000000000"),
    ({"scenario": "race", "repeat": True}, ["body", "repeat"], "got True"),
    ({"scenario": "nope"}, ["body", "scenario"], "no scenario named 'nope'"),
    ({"scenario": "race", "params": {"gap": 0.1}}, ["body", "params", "gap"], "expected a list of values"),
    ({"scenario": "race", "extra": 1}, ["body", "extra"], "unknown field 'extra'"),
])
async def test_bad_input_is_refused_and_starts_nothing(make_app: Callable[..., Any], body: dict[str, Any],
                                                       loc: list[str], message: str) -> None:
    app, client = await make_app()
    response = await client.post("/api/sweeps", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail[0]["loc"] == loc and message in detail[0]["msg"]
    assert (await client.get("/api/sweeps")).json() == []
    assert app.state.sweeps.pool._threads == []  # no run was ever queued


async def test_a_cross_site_sweep_is_refused_like_any_state_change(make_app: Callable[..., Any]) -> None:
    _, client = await make_app()
    body = {"scenario": "race", "params": {"threads": [2]}}
    response = await client.post("/api/sweeps", json=body, headers={"origin": "http://evil.example"})
    assert response.status_code == 403
    response = await client.post("/api/sweeps", json=body, headers={"host": "evil.example"})
    assert response.status_code == 400
    response = await client.delete("/api/sweeps/abc", headers={"sec-fetch-site": "cross-site"})
    assert response.status_code == 403
    assert (await client.get("/api/sweeps")).json() == []


async def test_an_ordinary_run_is_deleted_once_ended_and_not_while_it_goes(make_app: Callable[..., Any]) -> None:
    _, client = await make_app()
    going = (await client.post("/api/runs", json={"scenario": "linger", "params": {"seconds": 50}})).json()
    assert (await client.delete(f"/api/runs/{going['id']}")).status_code == 409
    assert (await client.get(f"/api/compare?a={going['id']}&b={going['id']}")).status_code == 409
    assert (await client.post(f"/api/runs/{going['id']}/stop")).status_code == 202
    deadline = time.monotonic() + 30
    while (await client.get(f"/api/runs/{going['id']}")).json()["status"] in ("pending", "running"):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    deadline = time.monotonic() + 10
    while (response := await client.delete(f"/api/runs/{going['id']}")).status_code == 409:  # until retired
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    assert response.status_code == 204
    assert (await client.get(f"/api/runs/{going['id']}")).status_code == 404
    assert (await client.get("/api/runs")).json() == []
