"""The REST API in process: scenarios, strict run requests, unknown runs, the page, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from concviz.server import app as app_module

pytestmark = pytest.mark.asyncio

JSON_HEADERS = {"content-type": "application/json"}


async def post_run(api: httpx.AsyncClient, body: bytes | str) -> httpx.Response:
    return await api.post("/api/runs", content=body, headers=JSON_HEADERS)


async def assert_healthy(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/health")
    assert response.status_code == 200
    assert response.json()["ok"] is True


def assert_no_traceback(response: httpx.Response) -> None:
    assert "Traceback" not in response.text
    assert 'File "' not in response.text


async def test_health_is_ok(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/health")).json() == {"ok": True, "runs": 0, "viewers": 0}


async def test_scenarios_list_describes_each_scenario_with_its_parameter_schema(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/scenarios")
    assert response.status_code == 200
    by_name = {s["name"]: s for s in response.json()}
    assert {"race", "deadlock"} <= set(by_name)
    race = by_name["race"]
    assert set(race) >= {"name", "title", "concept", "description", "look_for", "params", "watch", "source",
                         "path"}
    assert race["path"] == "race.py"
    assert race["watch"] == ["num"]
    gap = next(p for p in race["params"] if p["name"] == "gap")
    assert gap["type"] == "float" and gap["min"] == 0 and gap["max"] == 1
    assert "def decrement" in race["source"]


BAD_FIELDS = [
    ('{"scenario": "race", "params": {"gap": NaN}}', ["body", "params", "gap"],
     "expected a number between 0 and 1 for 'gap', got 'NaN'"),
    ('{"scenario": "race", "params": {"gap": Infinity}}', ["body", "params", "gap"], "got 'Infinity'"),
    ('{"scenario": "race", "params": {"gap": -Infinity}}', ["body", "params", "gap"], "got '-Infinity'"),
    ('{"scenario": "race", "params": {"threads": NaN}}', ["body", "params", "threads"],
     "expected an integer between 1 and 500 for 'threads', got 'NaN'"),
    ('{"scenario": "race", "params": {"threads": true}}', ["body", "params", "threads"],
     "expected an integer between 1 and 500 for 'threads'"),
    ('{"scenario": "race", "params": {"gap": false}}', ["body", "params", "gap"], "expected a number"),
    ('{"scenario": "race", "params": {"threads": 1000000000000000000000000000000}}',
     ["body", "params", "threads"], "got 1000000000000000000000000000000"),
    ('{"scenario": "race", "params": {"gap": 1e400}}', ["body", "params", "gap"], "expected a number"),
    ('{"scenario": "race", "params": {"threads": 2.5}}', ["body", "params", "threads"], "expected an integer"),
    ('{"scenario": "race", "params": {"threads": "10"}}', ["body", "params", "threads"], "got '10'"),
    ('{"scenario": "race", "params": {"gap": -0.5}}', ["body", "params", "gap"], "got -0.5"),
    ('{"scenario": "race", "params": {"colour": 1}}', ["body", "params", "colour"], "unknown parameter 'colour'"),
    ('{"scenario": "race", "params": [1, 2]}', ["body", "params"], "expected an object of parameter values"),
    ('{"scenario": "nosuchthing"}', ["body", "scenario"], "no scenario named 'nosuchthing'"),
    ('{"scenario": "../x"}', ["body", "scenario"], "no scenario named '../x'"),
    ('{"scenario": "/etc/passwd"}', ["body", "scenario"], "no scenario named '/etc/passwd'"),
    ('{"scenario": "race.py"}', ["body", "scenario"], "no scenario named 'race.py'"),
    ('{"scenario": "RACE"}', ["body", "scenario"], "no scenario named 'RACE'"),
    ('{"scenario": 42}', ["body", "scenario"], "expected a scenario name (a string), got 42"),
    ('{"params": {}}', ["body", "scenario"], "missing field 'scenario'"),
    ('{"scenario": "race", "path": "/tmp/x.py"}', ["body", "path"], "unknown field 'path'"),
    ("[]", ["body"], "expected a JSON object"),
    ("NaN", ["body"], "expected a JSON object like"),
]


@pytest.mark.parametrize(("body", "loc", "message"), BAD_FIELDS)
async def test_bad_run_request_is_refused_422_with_the_field_and_a_precise_message(
    api: httpx.AsyncClient, body: str, loc: list[Any], message: str
) -> None:
    response = await post_run(api, body)
    assert response.status_code == 422, response.text
    assert_no_traceback(response)
    errors = response.json()["detail"]
    matching = [e for e in errors if e["loc"] == loc]
    assert matching, errors
    assert message in matching[0]["msg"]
    await assert_healthy(api)
    assert (await api.get("/api/runs")).json() == []


async def test_every_bad_field_is_reported_at_once(api: httpx.AsyncClient) -> None:
    response = await post_run(api, '{"scenario": "race", "params": {"threads": 0, "gap": NaN, "x": 1}}')
    assert response.status_code == 422
    locs = [e["loc"][-1] for e in response.json()["detail"]]
    assert sorted(locs) == ["gap", "threads", "x"]


BAD_BODIES = [
    ("{", "invalid JSON"),
    ('{"scenario": "race",}', "invalid JSON"),
    ("", "empty"),
    (b"\xff\xfe{}", "not UTF-8"),
    ("[" * 60_000, "invalid JSON"),
    ('{"scenario": "race"} trailing', "invalid JSON"),
]


@pytest.mark.parametrize(("body", "message"), BAD_BODIES)
async def test_invalid_json_is_refused_400_with_a_message(
    api: httpx.AsyncClient, body: str | bytes, message: str
) -> None:
    response = await post_run(api, body)
    assert response.status_code == 400, response.text
    assert message in response.json()["detail"]
    assert_no_traceback(response)
    await assert_healthy(api)


async def test_oversized_body_is_refused_413(api: httpx.AsyncClient) -> None:
    body = '{"scenario": "race", "params": {}, "pad": "' + "x" * 70_000 + '"}'
    response = await post_run(api, body)
    assert response.status_code == 413
    assert "65536" in response.json()["detail"]
    await assert_healthy(api)


async def test_oversized_body_without_a_length_is_refused_413(api: httpx.AsyncClient) -> None:
    async def chunks() -> Any:
        for _ in range(100):
            yield b"x" * 1000

    response = await api.post("/api/runs", content=chunks(), headers=JSON_HEADERS)
    assert response.status_code == 413
    await assert_healthy(api)


async def test_run_request_must_be_json(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/runs", content='{"scenario": "race"}', headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


@pytest.mark.parametrize("run_id", ["0123456789ab", "nope", "x" * 100, "%00", "a.b"])
async def test_unknown_run_is_404_everywhere(api: httpx.AsyncClient, run_id: str) -> None:
    for response in [await api.get(f"/api/runs/{run_id}"), await api.get(f"/api/runs/{run_id}/trace"),
                     await api.post(f"/api/runs/{run_id}/stop")]:
        assert response.status_code == 404, response.text
        assert "no run with id" in response.json()["detail"]


async def test_path_like_run_ids_are_404(api: httpx.AsyncClient) -> None:
    for path in ["/api/runs/..%2F..%2Fetc%2Fpasswd", "/api/runs/../../etc/passwd/trace"]:
        response = await api.get(path)
        assert response.status_code == 404
        assert_no_traceback(response)


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1001", "1e3"])
async def test_run_list_limit_is_checked(api: httpx.AsyncClient, limit: str) -> None:
    response = await api.get("/api/runs", params={"limit": limit})
    assert response.status_code == 400
    assert "'limit'" in response.json()["detail"]


async def test_unexpected_error_is_500_json_without_traceback(make_app: Callable[..., Any]) -> None:
    p = await make_app(raise_errors=False)

    def broken(limit: int) -> list[dict[str, Any]]:
        raise RuntimeError("secret internals")

    p.app.state.manager.store.list_runs = broken
    response = await p.client.get("/api/runs")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    assert "secret" not in response.text
    await assert_healthy(p.client)


async def test_page_says_the_front_end_is_not_built_when_it_is_missing(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(app_module, "ENTRY", tmp_path / "missing" / "app.js")
    response = await api.get("/")
    assert response.status_code == 200
    assert "<title>concviz</title>" in response.text
    assert "front end not built" in response.text
    assert "make run" in response.text
    assert '<div id="app"></div>' in response.text
    assert "app.js" not in response.text.split("<body>")[0]


@pytest.mark.parametrize("path", ["/", "/runs/0123456789ab"])
async def test_page_loads_the_built_front_end(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, path: str
) -> None:
    entry = tmp_path / "app.js"
    entry.write_text("")
    monkeypatch.setattr(app_module, "ENTRY", entry)
    response = await api.get(path)
    assert response.status_code == 200
    assert '<div id="app"></div>' in response.text
    assert '<link rel="stylesheet" href="/static/dist/app.css">' in response.text
    assert '<script type="module" src="/static/dist/app.js"></script>' in response.text
    assert "not built" not in response.text


async def test_missing_static_file_is_404(api: httpx.AsyncClient) -> None:
    assert (await api.get("/static/dist/nothing-here.js")).status_code == 404


async def test_too_many_runs_at_once_is_429_until_one_ends(make_app: Callable[..., Any]) -> None:
    p = await make_app(max_runs=1)
    first = await p.client.post("/api/runs", json={"scenario": "linger", "params": {"seconds": 30}})
    assert first.status_code == 201
    second = await p.client.post("/api/runs", json={"scenario": "race", "params": {"threads": 1}})
    assert second.status_code == 429
    assert "at once" in second.json()["detail"]
    run_id = first.json()["id"]
    assert (await p.client.post(f"/api/runs/{run_id}/stop")).status_code == 202
    deadline = asyncio.get_running_loop().time() + 30
    while (await p.client.get("/api/health")).json()["runs"] != 0:
        assert asyncio.get_running_loop().time() < deadline, "the stopped run did not end"
        await asyncio.sleep(0.02)
    record = (await p.client.get(f"/api/runs/{run_id}")).json()
    assert record["status"] == "stopped"
    again = await p.client.post("/api/runs", json={"scenario": "race", "params": {"threads": 1}})
    assert again.status_code == 201


async def test_stopping_an_ended_run_is_409(make_app: Callable[..., Any]) -> None:
    p = await make_app()
    run_id = (await p.client.post("/api/runs", json={"scenario": "race", "params": {"threads": 1}})).json()["id"]
    deadline = asyncio.get_running_loop().time() + 30
    while (await p.client.get(f"/api/runs/{run_id}")).json()["status"] in ("pending", "running"):
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.02)
    response = await p.client.post(f"/api/runs/{run_id}/stop")
    assert response.status_code == 409
    assert "already ended (finished)" in response.json()["detail"]
