"""Runs survive the server: past runs stay, a run cut by the server's death is interrupted."""

from __future__ import annotations

import json
from collections.abc import Callable

from .helpers import Server, poll, run_child, session_members, watch


def test_a_restarted_server_keeps_past_runs_and_marks_a_killed_run_interrupted(
    make_server: Callable[..., Server]
) -> None:
    first = make_server()
    done = first.start_run("race", threads=10, gap=0.001)
    before = watch(first.ws_url, done)
    first.wait_ended(done)
    cut = first.start_run("linger", threads=2, seconds=50)
    seen = watch(first.ws_url, cut, until_events=5)
    child = run_child(first)
    first.kill()  # SIGKILL: no shutdown code runs
    # The run's processes die with the server (the child watches its lifeline).
    assert poll(lambda: session_members(child) == [], timeout=10), session_members(child)

    second = make_server(data_dir=first.data_dir)
    records = {r["id"]: r for r in second.get("/api/runs").json()}
    assert records[done]["status"] == "finished"
    assert records[cut]["status"] == "interrupted"
    assert records[cut]["finished_at"] is not None
    assert records[cut]["events"] >= len(seen.events) > 0
    assert records[cut]["summary"]["events"] == records[cut]["events"]
    assert "server stopped" in records[cut]["error"]

    after = watch(second.ws_url, done)
    assert after.events == before.events and after.end == before.end
    replay = watch(second.ws_url, cut)
    assert replay.seqs == list(range(records[cut]["events"]))
    assert replay.events[: len(seen.events)] == seen.events
    assert replay.end is not None and replay.end["status"] == "interrupted"
    trace = [json.loads(line) for line in second.get(f"/api/runs/{cut}/trace").text.splitlines()]
    assert trace[0]["type"] == "header" and trace[-1]["type"] == "end"
    assert trace[1:-1] == replay.events


def test_a_run_going_when_the_server_shuts_down_is_recorded_interrupted(
    make_server: Callable[..., Server]
) -> None:
    first = make_server()
    run_id = first.start_run("linger", threads=2, seconds=50)
    watch(first.ws_url, run_id, until_events=1)
    child = run_child(first)
    first.stop()  # SIGINT: a graceful shutdown
    assert first.proc is not None and first.proc.returncode == 0, first.log()
    assert session_members(child) == []
    second = make_server(data_dir=first.data_dir)
    record = second.get(f"/api/runs/{run_id}").json()
    assert record["status"] == "interrupted"
    assert "shut down" in record["error"]
