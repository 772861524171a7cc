"""GET /api/runs/{id}/export on the in-process app (the server tests' fixtures)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from .tef import check

pytestmark = pytest.mark.asyncio


async def ended_run(api: httpx.AsyncClient, scenario: str, **params: Any) -> str:
    run_id: str = (await api.post("/api/runs", json={"scenario": scenario, "params": params})).json()["id"]
    deadline = asyncio.get_running_loop().time() + 60
    while (await api.get(f"/api/runs/{run_id}")).json()["status"] in ("pending", "running"):
        assert asyncio.get_running_loop().time() < deadline, f"run {run_id} did not end"
        await asyncio.sleep(0.02)
    return run_id


async def test_an_ended_run_downloads_as_a_perfetto_trace_and_an_offline_page(api: httpx.AsyncClient) -> None:
    run_id = await ended_run(api, "semaphore", threads=4, work=0.01)
    chrome = await api.get(f"/api/runs/{run_id}/export", params={"format": "chrome"})
    assert chrome.status_code == 200, chrome.text
    assert chrome.headers["content-type"] == "application/json"
    assert chrome.headers["content-disposition"] == f'attachment; filename="semaphore-{run_id}.trace.json"'
    doc = chrome.json()
    assert check(doc)["C"] > 0, "the semaphore's permits"
    assert doc["otherData"]["run_id"] == run_id
    page = await api.get(f"/api/runs/{run_id}/export")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-disposition"] == f'attachment; filename="semaphore-{run_id}.html"'
    assert 'id="concviz-trace"' in page.text and "default-src 'none'" in page.text


async def test_an_unknown_format_is_400_and_an_unknown_run_404(api: httpx.AsyncClient) -> None:
    run_id = await ended_run(api, "race", threads=1)
    response = await api.get(f"/api/runs/{run_id}/export", params={"format": "pdf"})
    assert response.status_code == 400
    assert response.json() == {"detail": "expected 'html' or 'chrome' for 'format', got 'pdf'"}
    missing = await api.get("/api/runs/0123456789ab/export")
    assert missing.status_code == 404 and "no run with id" in missing.json()["detail"]


async def test_a_run_still_going_is_not_exported_409(api: httpx.AsyncClient) -> None:
    run_id = (await api.post("/api/runs", json={"scenario": "linger", "params": {"seconds": 30}})).json()["id"]
    try:
        response = await api.get(f"/api/runs/{run_id}/export", params={"format": "chrome"})
        assert response.status_code == 409
        assert json.loads(response.text)["detail"].endswith("export it once it has ended")
    finally:
        await api.post(f"/api/runs/{run_id}/stop")
        deadline = asyncio.get_running_loop().time() + 30
        while (await api.get("/api/health")).json()["runs"] != 0:
            assert asyncio.get_running_loop().time() < deadline, "the stopped run did not end"
            await asyncio.sleep(0.02)


async def test_the_offline_page_carries_the_tour_saved_with_the_run(api: httpx.AsyncClient) -> None:
    run_id = await ended_run(api, "semaphore", threads=4, work=0.01)
    tour = {"version": 1, "title": "Mine", "stops": [{"at": {"fraction": 0.5},
                                                      "note": "Half way: </script> stays inside"}]}
    saved = await api.put(f"/api/runs/{run_id}/tour", json=tour)
    assert saved.status_code == 200, saved.text
    page = (await api.get(f"/api/runs/{run_id}/export")).text
    start = page.index('<script type="application/json" id="concviz-tour">') + len(
        '<script type="application/json" id="concviz-tour">')
    block = page[start:page.index("</script>", start)]
    assert json.loads(block)["title"] == "Mine"
    assert json.loads(block)["stops"][0]["note"] == "Half way: </script> stays inside"
