"""Sweeps survive the server (a real uvicorn server): a completed sweep reads back the same after a
restart; a sweep cut by the server's death is cancelled at the next start, its ended runs kept."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from server.helpers import Server, poll  # tests/server/helpers.py: a real server process on a free port

from .conftest import session_members


def wait_state(server: Server, sweep_id: str, states: tuple[str, ...], timeout: float = 60) -> dict[str, Any]:
    sweep: dict[str, Any] = {}

    def reached() -> bool:
        sweep.update(server.get(f"/api/sweeps/{sweep_id}").json())
        return sweep["state"] in states

    assert poll(reached, timeout=timeout), f"sweep {sweep_id} stayed {sweep.get('state')}"
    return sweep


def test_a_restart_keeps_a_completed_sweep_and_cancels_one_cut_short(tmp_path: Path, scenario_dir: Path) -> None:
    data = tmp_path / "data"
    first = Server(data, tmp_path / "first.log", scenario_dir, {"sweep_jobs": 2}).start()
    try:
        response = first.post("/api/sweeps", {"scenario": "race", "params": {"gap": [0.0, 0.005], "threads": [4]},
                                              "repeat": 2})
        assert response.status_code == 201, response.text
        done = wait_state(first, response.json()["id"], ("done",))
        cut = first.post("/api/sweeps", {"scenario": "linger", "params": {"seconds": [50]}, "repeat": 4}).json()
        wait_state(first, cut["id"], ("running",))
    finally:
        first.kill()  # SIGKILL: no shutdown code runs; the runs die with their lifeline
    second = Server(data, tmp_path / "second.log", scenario_dir, {"sweep_jobs": 2}).start()
    try:
        again = second.get(f"/api/sweeps/{done['id']}").json()
        assert again["runs"] == done["runs"] and again["table"] == done["table"]
        assert (again["state"], again["done"], again["total"]) == ("done", 4, 4)
        cancelled = second.get(f"/api/sweeps/{cut['id']}").json()
        assert cancelled["state"] == "cancelled" and "server stopped" in cancelled["error"]
        assert {r["status"] for r in cancelled["runs"]} == {"cancelled"}
        listed = {s["id"]: s["state"] for s in second.get("/api/sweeps").json()}
        assert listed == {done["id"]: "done", cut["id"]: "cancelled"}
        run = done["runs"][0]["run_id"]
        assert second.get(f"/api/runs/{run}").json()["status"] == "finished"
    finally:
        second.stop()
    assert second.proc is not None and second.proc.returncode == 0, second.log()


def test_a_graceful_shutdown_stops_a_running_sweep_and_leaves_no_process(tmp_path: Path, scenario_dir: Path) -> None:
    server = Server(tmp_path / "data", tmp_path / "server.log", scenario_dir, {"sweep_jobs": 2}).start()
    sweep = server.post("/api/sweeps", {"scenario": "linger", "params": {"seconds": [50]}, "repeat": 3}).json()
    wait_state(server, sweep["id"], ("running",))
    # The runs' processes lead their own sessions: find them among the server's descendants
    # (forked by its pre-started interpreter).
    leaders: set[int] = set()
    deadline = time.monotonic() + 20
    while len(leaders) < 3 and time.monotonic() < deadline:
        assert server.proc is not None
        leaders = {pid for pid in _descendants(server.proc.pid) if _is_session_leader(pid)}
        time.sleep(0.05)
    assert len(leaders) == 3  # the pre-started interpreter and two runs
    server.stop()  # SIGINT
    assert server.proc is not None and server.proc.returncode == 0, server.log()
    assert session_members(leaders) == []


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _descendants(pid: int) -> list[int]:
    out = _children(pid)
    for child in list(out):
        out.extend(_descendants(child))
    return out


def _is_session_leader(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return int(stat[stat.rindex(")") + 2 :].split()[3]) == pid
