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

    def pause(self, after: int = -1) -> dict[str, Any]:
        """The first pause at a decision after ``after``."""
        found: list[dict[str, Any]] = []

        def paused() -> bool:
            found[:] = [e for e in self.events if e["kind"] == "control.pause" and e["args"]["decision"] > after]
            return bool(found) or self.end is not None

        assert poll(paused, timeout=30), f"no pause after decision {after}"
        assert found, f"the run ended with no pause after decision {after}: {self.end}"
        return found[0]["args"]

    def close(self) -> None:
        self._ws.close()
        self._thread.join(5)


def start(server: Server, scenario: str, control: dict[str, Any], **params: Any) -> str:
    response = server.post("/api/runs", {"scenario": scenario, "params": params, "control": control})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_a_deadlock_made_by_hand_in_step_mode(server: Server) -> None:
    run_id = start(server, "deadlock", {"strategy": "step"}, threads=2)
    stepper, onlooker = Viewer(server, run_id), Viewer(server, run_id)
    chosen: dict[int, int] = {}
    try:
        # The person's rule: always the newest thread that can move. Thread 1
        # takes LockA, thread 2 takes LockB, and each then waits for the other.
        while True:
            pauses = [e["args"] for e in stepper.events if e["kind"] == "control.pause"
                      and e["args"]["decision"] not in chosen]
            if not pauses:
                if stepper.end is not None:
                    break
                assert poll(lambda: stepper.end is not None or any(
                    e["kind"] == "control.pause" and e["args"]["decision"] not in chosen for e in stepper.events),
                    timeout=30)
                continue
            pause = pauses[0]
            assert [s for d, s in sorted(chosen.items())] == [pause["steps"][d] for d in sorted(chosen)]
            for t in pause["threads"]:
                assert t["what"] and (t["can_move"] or t["reason"])
            movable = [t for t in pause["threads"] if t["can_move"]]
            assert len([t for t in movable if t["file"]]) >= 2, "a person is asked between lines of the program"
            index = max(t["index"] for t in movable)
            response = server.post(f"/api/runs/{run_id}/step", {"thread": index})
            assert response.status_code == 200, response.text
            assert response.json() == {"decision": pause["decision"], "thread": index}
            chosen[pause["decision"]] = index
        record = server.wait_ended(run_id)
        assert record["status"] == "deadlocked"
        schedule = record["summary"]["schedule"]
        assert schedule["strategy"] == "step" and chosen
        assert all(schedule["steps"][d] == i for d, i in chosen.items())
        assert poll(lambda: onlooker.end is not None, timeout=10)
        pauses = [e for e in onlooker.events if e["kind"] == "control.pause"]
        assert len(pauses) == len(chosen), "a second viewer sees every pause"
        assert onlooker.header is not None and onlooker.header["control"]["strategy"] == "step"
    finally:
        stepper.close()
        onlooker.close()
    # The share link of that run replays it to the same deadlock.
    again = start(server, "deadlock", {"strategy": "replay", "schedule": schedule_file.encode(schedule["steps"])},
                  threads=2)
    replayed = server.wait_ended(again)
    assert replayed["status"] == "deadlocked"
    assert replayed["summary"]["deadlock"] == record["summary"]["deadlock"]


def test_bad_steps_are_refused_and_change_nothing(server: Server) -> None:
    run_id = start(server, "deadlock", {"strategy": "step"}, threads=2)
    viewer = Viewer(server, run_id)
    try:
        pause = viewer.pause()
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
        assert not [e for e in viewer.events if e["kind"] == "control.pause"
                    and e["args"]["decision"] > pause["decision"]], "a refused step moved nothing"
        ok = post(f"/api/runs/{run_id}/step", {"thread": movable[0]})
        assert ok.status_code == 200
        finish = post(f"/api/runs/{run_id}/step", {"finish": "random", "seed": 2})
        if finish.status_code == 409:  # the program was not paused yet: wait for it
            viewer.pause(pause["decision"])
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


def wait_explored(server: Server, exploration_id: str) -> dict[str, Any]:
    state: dict[str, Any] = {}

    def done() -> bool:
        state.update(server.get(f"/api/explorations/{exploration_id}").json())
        return state["state"] != "running"

    assert poll(done, timeout=60), state
    return state


def test_an_exploration_from_the_page_finds_the_deadlock_and_stores_its_replay(server: Server) -> None:
    response = server.post("/api/explorations", {"scenario": "deadlock", "params": {"threads": 2}, "runs": 50})
    assert response.status_code == 201, response.text
    exploration_id = response.json()["id"]
    state = wait_explored(server, exploration_id)
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
        state = wait_explored(server, exploration["id"])
        assert state["state"] == final, state
    assert state["tried"] < 1000
    for body in ({"scenario": "race", "runs": 0}, {"scenario": "race", "runs": 10**9},
                 {"scenario": "race", "strategy": "step"}, {"scenario": "nope"}, {"scenario": "race", "seed": -2},
                 {"scenario": "race", "params": {"threads": 10**6}}, {"scenario": "race", "extra": 1}):
        assert server.post("/api/explorations", body).status_code == 422, body
    assert server.get("/api/explorations/doesnotexist").status_code == 404
