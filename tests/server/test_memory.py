"""A live run holds a bounded window of its events in the server; the rest is read from the store."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from .helpers import Server, poll, watch


def test_a_viewer_joining_late_sees_every_event_once_from_store_and_memory(
        make_server: Callable[..., Server]) -> None:
    server = make_server(live_window_bytes=20_000, max_unstored_events=2_000)
    run_id = server.start_run("busy", threads=2, iterations=100_000)
    assert poll(lambda: server.get(f"/api/runs/{run_id}").json()["events"] > 20_000, timeout=60)
    late = watch(server.ws_url, run_id)
    record = server.wait_ended(run_id)
    assert late.end is not None and late.header is not None
    assert late.seqs == list(range(record["events"]))
    again = watch(server.ws_url, run_id)
    assert again.seqs == late.seqs


@pytest.mark.asyncio
async def test_a_live_run_keeps_only_its_window_in_memory(make_app: Callable[..., Any]) -> None:
    p = await make_app(live_window_bytes=50_000, max_unstored_events=5_000)
    response = await p.client.post("/api/runs", json={"scenario": "busy", "params": {"iterations": 200_000}})
    assert response.status_code == 201, response.text
    run = p.app.state.manager.live(response.json()["id"])
    peak = 0
    while not run.ended:
        peak = max(peak, run.hub.held_bytes)
        await asyncio.sleep(0.005)
    assert run.hub.events > 100_000
    # The window plus the batches the store has not committed yet (at most max_unstored_events lines).
    assert peak < 50_000 + 5_000 * 200, peak
