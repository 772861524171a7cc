"""Controlled runs over HTTP: starting them, stepping them by hand, refusing bad steps."""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from concviz.control import schedule as schedule_file

from .helpers import Server, poll


class Viewer:
    """A WebSocket viewer in a thread of its own, collecting the run's events."""

    def __init__(self, server: Server, run_id: str) -> None:
        self.events: list[dict[str, Any]] = []
        self.end: dict[str, Any] | None = None
        self.header: dict[str, Any] | None = None
        self._ws = connect(f"{server.ws_url}/ws/runs/{run_id}", max_size=None, open_timeout=10)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with self._ws, contextlib.suppress(ConnectionClosed):
            for message in self._ws:
                data = json.loads(message)
                if data["type"] == "events":
                    self.events.extend(data["events"])
                elif data["type"] == "end":
                    self.end = data
                elif data["type"] == "header":
                    self.header = data

    def pause(self, decision: int) -> dict[str, Any]:
        found: list[dict[str, Any]] = []

        def paused() -> bool:
            found[:] = [e for e in self.events if e["kind"] == "control.pause" and e["args"]["decision"] == decision]
            return bool(found) or self.end is not None

        assert poll(paused, timeout=30), f"no pause at decision {decision}"
        assert found, f"the run ended before decision {decision}: {self.end}"
        return found[0]["args"]

    def close(self) -> None:
        self._ws.close()
        self._thread.join(5)


def start(server: Server, scenario: str, control: dict[str, Any], **params: Any) -> str:
    response = server.post("/api/runs", {"scenario": scenario, "params": params, "control": control})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_a_deadlock_made_by_hand_in_step_mode(server: Server) -> None:
    # A schedule that deadlocks, found at random; then the same choices made one by one.
    found = start(server, "deadlock", {"strategy": "random", "seed": 0}, threads=2)
    record = server.wait_ended(found)
    assert record["status"] == "deadlocked"
    steps = record["summary"]["schedule"]["steps"]

    run_id = start(server, "deadlock", {"strategy": "step"}, threads=2)
    stepper, onlooker = Viewer(server, run_id), Viewer(server, run_id)
    try:
        for decision, index in enumerate(steps):
            pause = stepper.pause(decision)
            assert pause["steps"] == steps[:decision]
            movable = {t["index"] for t in pause["threads"] if t["can_move"]}
            assert index in movable
            for t in pause["threads"]:
                assert t["what"] and (t["can_move"] or t["reason"])
            response = server.post(f"/api/runs/{run_id}/step", {"thread": index})
            assert response.status_code == 200, response.text
            assert response.json() == {"decision": decision, "thread": index}
        record = server.wait_ended(run_id)
        assert record["status"] == "deadlocked"
        assert record["summary"]["schedule"]["steps"] == steps
        assert record["summary"]["schedule"]["strategy"] == "step"
        assert poll(lambda: onlooker.end is not None, timeout=10)
        pauses = [e for e in onlooker.events if e["kind"] == "control.pause"]
        assert len(pauses) == len(steps), "a second viewer sees every pause"
        assert onlooker.header is not None and onlooker.header["control"]["strategy"] == "step"
    finally:
        stepper.close()
        onlooker.close()


def test_bad_steps_are_refused_and_change_nothing(server: Server) -> None:
    run_id = start(server, "deadlock", {"strategy": "step"}, threads=2)
    viewer = Viewer(server, run_id)
    try:
        pause = viewer.pause(0)
        stuck = [t["index"] for t in pause["threads"] if not t["can_move"]]
        movable = [t["index"] for t in pause["threads"] if t["can_move"]]
        post = server.post
        assert post(f"/api/runs/{run_id}/step", {"thread": 99}).status_code == 404
        assert post(f"/api/runs/{run_id}/step", {"thread": "1"}).status_code == 404
        assert post(f"/api/runs/{run_id}/step", {"hop": 1}).status_code == 400
        assert post(f"/api/runs/{run_id}/step", [1]).status_code == 400
        assert post(f"/api/runs/{run_id}/step", {"finish": "never"}).status_code == 400
        assert post("/api/runs/000000000000/step", {"thread": 0}).status_code == 404
        if stuck:
            refused = post(f"/api/runs/{run_id}/step", {"thread": stuck[0]})
            assert refused.status_code == 409 and "cannot move" in refused.json()["detail"]
        assert not [e for e in viewer.events if e["kind"] == "control.pause" and e["args"]["decision"] == 1]
        ok = post(f"/api/runs/{run_id}/step", {"thread": movable[0]})
        assert ok.status_code == 200
        finish = post(f"/api/runs/{run_id}/step", {"finish": "random", "seed": 2})
        if finish.status_code == 409:  # the program was not paused yet: wait for it
            viewer.pause(1)
            finish = post(f"/api/runs/{run_id}/step", {"finish": "random", "seed": 2})
        assert finish.status_code == 200, finish.text
        record = server.wait_ended(run_id)
        assert record["status"] in ("finished", "deadlocked")
        late = post(f"/api/runs/{run_id}/step", {"thread": 0})
        assert late.status_code == 409 and "ended" in late.json()["detail"]
    finally:
        viewer.close()
    free = server.start_run("race", threads=2, gap=0.0)
    server.wait_ended(free)
    refused = server.post(f"/api/runs/{free}/step", {"thread": 0})
    assert refused.status_code == 409


def test_a_share_link_schedule_replays_the_run(server: Server) -> None:
    first = start(server, "race", {"strategy": "random", "seed": 5}, threads=20, gap=0.0)
    record = server.wait_ended(first)
    steps = record["summary"]["schedule"]["steps"]
    encoded = schedule_file.encode(steps)
    again = start(server, "race", {"strategy": "replay", "schedule": encoded}, threads=20, gap=0.0)
    replayed = server.wait_ended(again)
    assert replayed["summary"]["watched"] == record["summary"]["watched"]
    assert replayed["summary"]["schedule"]["steps"] == steps


def test_bad_control_fields_are_refused_before_anything_starts(server: Server) -> None:
    before = len(server.get("/api/runs").json())
    for control in ({"strategy": "chaos"}, {"strategy": "random", "seed": -1}, {"strategy": "pct", "pct_depth": 0},
                    {"strategy": "replay"}, {"strategy": "replay", "schedule": "!!"}, {"strategy": "random", "x": 1},
                    "random", {"strategy": "replay", "steps": [1, "a"]}):
        response = server.post("/api/runs", {"scenario": "race", "params": {}, "control": control})
        assert response.status_code == 422, (control, response.text)
    assert len(server.get("/api/runs").json()) == before


def test_an_exploration_from_the_page_finds_the_deadlock_and_stores_its_replay(server: Server) -> None:
    response = server.post("/api/explorations", {"scenario": "deadlock", "params": {"threads": 2}, "runs": 50})
    assert response.status_code == 201, response.text
    exploration_id = response.json()["id"]
    state: dict[str, Any] = {}

    def done() -> bool:
        state.update(server.get(f"/api/explorations/{exploration_id}").json())
        return state["state"] != "running"

    assert poll(done, timeout=60)
    assert state["state"] == "found" and state["found"]["what"] == "deadlock"
    assert 1 <= state["tried"] <= 50
    replay = server.wait_ended(state["found"]["run_id"])
    assert replay["status"] == "deadlocked"
    assert replay["summary"]["schedule"]["diverged"] is None


def test_an_exploration_can_be_cancelled_and_finds_nothing_where_there_is_nothing(server: Server) -> None:
    clean = server.post("/api/explorations", {"scenario": "rlock", "runs": 3}).json()
    long = server.post("/api/explorations", {"scenario": "race_locked", "params": {"threads": 50},
                                             "runs": 1000}).json()
    cancelled = server.post(f"/api/explorations/{long['id']}/cancel")
    assert cancelled.status_code == 202
    for exploration, final in ((clean, "clean"), (long, "cancelled")):
        state: dict[str, Any] = {}

        def done(e: dict[str, Any] = exploration) -> bool:
            state.update(server.get(f"/api/explorations/{e['id']}").json())
            return state["state"] != "running"

        assert poll(done, timeout=60)
        assert state["state"] == final, state
    assert state["tried"] < 1000
    for body in ({"scenario": "race", "runs": 0}, {"scenario": "race", "runs": 10**9},
                 {"scenario": "race", "strategy": "step"}, {"scenario": "nope"}, {"scenario": "race", "seed": -2},
                 {"scenario": "race", "params": {"threads": 10**6}}, {"scenario": "race", "extra": 1}):
        assert server.post("/api/explorations", body).status_code == 422, body
    assert server.get("/api/explorations/doesnotexist").status_code == 404
