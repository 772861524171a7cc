"""Runs through a real server: viewers live and late, stalled viewers, stop, deadlock, traces."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from .helpers import Server, Watched, handshake, poll, run_child, session_members, watch

RACE = {"threads": 10, "gap": 0.001}


def assert_whole_run(w: Watched, run_id: str) -> None:
    assert w.header is not None and w.header["run_id"] == run_id
    assert w.end is not None
    assert w.seqs == list(range(len(w.seqs))), "events must come gap-free and in order"
    assert w.end["summary"]["events"] == len(w.seqs)
    assert w.close_code == 1000


def test_two_viewers_get_the_same_gap_free_run(server: Server) -> None:
    run_id = server.start_run("busy", threads=2, iterations=20_000)
    results: dict[str, Watched] = {}
    first_events = threading.Event()

    def early() -> None:
        results["early"] = watch(server.ws_url, run_id)

    def first() -> None:
        # A viewer that joins mid-run: after the first one has seen events.
        w = watch(server.ws_url, run_id, until_events=1)
        first_events.set()
        assert w.events

    threading.Thread(target=first).start()
    viewer = threading.Thread(target=early)
    viewer.start()
    assert first_events.wait(30)
    results["mid"] = watch(server.ws_url, run_id)
    viewer.join(60)
    a, b = results["early"], results["mid"]
    assert_whole_run(a, run_id)
    assert_whole_run(b, run_id)
    assert a.events == b.events
    assert a.header == b.header and a.end == b.end
    assert len(a.events) > 80_000


def test_race_run_is_seen_whole_by_a_live_and_a_late_viewer(server: Server) -> None:
    run_id = server.start_run("race", **RACE)
    live = watch(server.ws_url, run_id)
    record = server.wait_ended(run_id)
    late = watch(server.ws_url, run_id)
    assert_whole_run(live, run_id)
    assert_whole_run(late, run_id)
    assert live.events == late.events and live.end == late.end
    assert record["status"] == "finished" and record["exit_code"] == 0
    assert record["params"] == {"threads": 10, "gap": 0.001, "switch_interval": 0.005}
    assert record["summary"]["watched"]["num"]["writes"] >= 10
    assert late.header is not None and late.header["params"] == record["params"]
    assert any(e["kind"] == "var.write" for e in late.events)


def test_trace_download_is_the_same_trace_as_the_stream(server: Server) -> None:
    run_id = server.start_run("race", **RACE)
    during = server.get(f"/api/runs/{run_id}/trace")  # follows the live run to its end
    server.wait_ended(run_id)
    after = server.get(f"/api/runs/{run_id}/trace")
    assert during.status_code == after.status_code == 200
    assert during.headers["content-type"].startswith("application/x-ndjson")
    assert during.content == after.content
    lines = [json.loads(line) for line in after.text.splitlines()]
    assert lines[0]["type"] == "header" and lines[-1]["type"] == "end"
    events = lines[1:-1]
    assert [e["seq"] for e in events] == list(range(len(events)))
    w = watch(server.ws_url, run_id)
    assert w.events == events and w.end == lines[-1]


def test_runs_are_listed_newest_first(server: Server) -> None:
    first = server.start_run("race", threads=1)
    second = server.start_run("race", threads=2)
    server.wait_ended(first)
    server.wait_ended(second)
    ids = [r["id"] for r in server.get("/api/runs").json()]
    assert ids.index(second) < ids.index(first)
    assert [r["id"] for r in server.get("/api/runs", params={"limit": 1}).json()] == [ids[0]]


def test_deadlock_run_ends_deadlocked_with_a_two_thread_cycle(server: Server) -> None:
    run_id = server.start_run("deadlock", threads=10, hold=0.01)
    w = watch(server.ws_url, run_id)
    record = server.wait_ended(run_id)
    assert record["status"] == "deadlocked"
    cycle = record["summary"]["deadlock"]["cycle"]
    assert len(cycle) == 2
    assert {step["waits_for"] for step in cycle} == {"LockA", "LockB"}
    assert w.end is not None and w.end["status"] == "deadlocked"
    assert w.end["summary"]["deadlock"]["cycle"] == cycle


def test_viewer_messages_that_are_not_json_get_an_error_answer(server: Server) -> None:
    run_id = server.start_run("linger", seconds=30)
    try:
        with connect(f"{server.ws_url}/ws/runs/{run_id}", max_size=None, open_timeout=10) as ws:
            for text in ["{nope", "[" * 10_000, '{"type": "launch"}', '{"type": "ping"}']:
                ws.send(text)
            answers: list[dict[str, Any]] = []
            while len(answers) < 4:
                data = json.loads(ws.recv(timeout=10))
                if data["type"] in ("error", "pong"):
                    answers.append(data)
        assert [a["type"] for a in answers] == ["error", "error", "error", "pong"]
        assert answers[0]["message"].startswith("invalid JSON")
        assert server.get("/api/health").json()["ok"] is True
    finally:
        server.post(f"/api/runs/{run_id}/stop")
        server.wait_ended(run_id)


def test_unknown_run_closes_the_websocket_with_4404(server: Server) -> None:
    w = watch(server.ws_url, "0123456789ab")
    assert w.close_code == 4404
    assert "no run" in w.close_reason


def test_stopping_a_run_leaves_no_process_behind(server: Server) -> None:
    run_id = server.start_run("linger", threads=3, seconds=50)
    watched = watch(server.ws_url, run_id, until_events=1)
    assert watched.events
    child = run_child(server)
    # The runner and its grandchild `sleep` (started after the run's first events).
    assert poll(lambda: len(session_members(child)) >= 2, timeout=10), session_members(child)
    response = server.post(f"/api/runs/{run_id}/stop")
    assert response.status_code == 202
    record = server.wait_ended(run_id, timeout=30)
    assert record["status"] == "stopped"
    assert poll(lambda: session_members(child) == [], timeout=10), session_members(child)
    w = watch(server.ws_url, run_id)
    assert w.end is not None and w.end["status"] == "stopped"
    assert w.seqs == list(range(len(w.seqs)))


def test_a_viewer_leaving_mid_run_leaves_the_run_going_and_then_no_process(server: Server) -> None:
    run_id = server.start_run("race", threads=5, gap=0.5)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(handshake(f"/ws/runs/{run_id}", f"127.0.0.1:{server.port}"))
        assert sock.recv(12) == b"HTTP/1.1 101"
        child = run_child(server)
    # The viewer vanished without a close frame; the run is unaffected.
    record = server.wait_ended(run_id)
    assert record["status"] == "finished"
    assert poll(lambda: session_members(child) == [], timeout=10)
    assert poll(lambda: server.get("/api/health").json()["viewers"] == 0, timeout=10)


def _stalled_viewer(server: Server, run_id: str) -> socket.socket:
    """A WebSocket viewer that never reads: its receive buffer is tiny and stays full."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    sock.sendall(handshake(f"/ws/runs/{run_id}", f"127.0.0.1:{server.port}"))
    return sock


def _drain(sock: socket.socket, timeout: float = 30.0) -> bytes:
    sock.settimeout(timeout)
    data = bytearray()
    while chunk := sock.recv(1 << 20):
        data += chunk
    return bytes(data)


@pytest.mark.parametrize("settings", [
    {"send_timeout": 60.0, "max_lag": 100_000},  # dropped for falling behind
    {"send_timeout": 1.0, "max_lag": 10**9},  # dropped for a send that does not finish
], ids=["lag", "send-timeout"])
def test_a_stalled_viewer_never_delays_the_run_and_is_dropped(
    make_server: Callable[..., Server], settings: dict[str, Any]
) -> None:
    server = make_server(**settings)
    # At a pace a reader in Python keeps up with on a busy machine (a few
    # hundred thousand events a second): only the stalled viewer falls behind.
    run_id = server.start_run("busy", threads=2, iterations=60_000, pause=0.005)
    stalled = _stalled_viewer(server, run_id)
    try:
        reader = watch(server.ws_url, run_id)
        record = server.wait_ended(run_id)
        assert record["status"] == "finished"
        assert_whole_run(reader, run_id)
        assert len(reader.events) > 200_000
        # The stalled viewer is let go...
        assert poll(lambda: server.get("/api/health").json()["viewers"] == 0, timeout=30)
        assert "dropped" in server.log()
        # ...and the server closes its connection once what was already sent is read.
        received = _drain(stalled)
        assert received.startswith(b"HTTP/1.1 101")
        assert b'"type":"end"' not in received
    finally:
        stalled.close()
    # Reconnecting catches up with the whole run from the history.
    again = watch(server.ws_url, run_id)
    assert again.events == reader.events


def test_too_many_viewers_of_one_run_are_refused_in_the_handshake_429(make_server: Callable[..., Server]) -> None:
    server = make_server(max_viewers_per_run=2)
    run_id = server.start_run("linger", seconds=30)
    try:
        with connect(f"{server.ws_url}/ws/runs/{run_id}", open_timeout=10) as a, \
                connect(f"{server.ws_url}/ws/runs/{run_id}", open_timeout=10) as b:
            assert json.loads(a.recv(timeout=10))["type"] == "header"
            assert json.loads(b.recv(timeout=10))["type"] == "header"
            with pytest.raises(InvalidStatus) as refused:
                watch(server.ws_url, run_id)
            assert refused.value.response.status_code == 429
            assert refused.value.response.headers["retry-after"] == "5"
            assert b"too many viewers of this run" in refused.value.response.body
    finally:
        server.post(f"/api/runs/{run_id}/stop")
        server.wait_ended(run_id)


def test_run_program_output_goes_to_a_log_file_not_the_server_output(server: Server) -> None:
    run_id = server.start_run("race", threads=3)
    server.wait_ended(run_id)
    log = server.data_dir / "logs" / f"{run_id}.log"
    assert "final num" in log.read_text()
    assert "final num" not in server.log()
    assert os.stat(log).st_mode & 0o077 == 0
