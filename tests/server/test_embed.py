"""Embeds and tours on the server: who may frame what, who may change what, and a run's tour."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from concviz.cli import UsageError, build_parser
from concviz.server.app import create_app
from concviz.server.embedding import is_embed_path, normalise_origin

from .conftest import BASE

SLIDES = "https://slides.example.edu"
OWN = BASE  # the page's own origin: what the embedded page's requests carry
JSON_HEADERS = {"content-type": "application/json"}
EMBED_PATHS = ("/embed/?scenario=race&threads=5", "/embed", "/embed/runs/0123456789ab")
OTHER_PATHS = ("/", "/runs/0123456789ab", "/?scenario=race", "/api/scenarios", "/api/health",
               "/static/dist/nothing-here.js", "/embedded", "/api/runs/0123456789ab")


# --- the framing policy -------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("path", EMBED_PATHS)
async def test_embed_routes_may_be_framed_only_by_this_server_when_no_origin_is_configured(
        make_app: Callable[..., Any], path: str) -> None:
    p = await make_app()
    response = await p.client.get(path)
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert response.headers.get_list("content-security-policy") == ["frame-ancestors 'self'"]


@pytest.mark.asyncio
@pytest.mark.parametrize("path", EMBED_PATHS)
async def test_embed_routes_name_the_configured_origins_in_frame_ancestors(
        make_app: Callable[..., Any], path: str) -> None:
    p = await make_app(embed_origins=(SLIDES, "http://localhost:8080/"))
    response = await p.client.get(path)
    assert response.headers.get_list("content-security-policy") == [
        f"frame-ancestors 'self' {SLIDES} http://localhost:8080"]
    assert "x-frame-options" not in response.headers


@pytest.mark.asyncio
@pytest.mark.parametrize("path", OTHER_PATHS)
async def test_every_other_route_keeps_frame_ancestors_self(make_app: Callable[..., Any], path: str) -> None:
    p = await make_app(embed_origins=(SLIDES,))
    response = await p.client.get(path)
    assert response.headers.get_list("content-security-policy") == ["frame-ancestors 'self'"]
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert SLIDES not in str(response.headers)


@pytest.mark.asyncio
async def test_a_refused_request_carries_the_framing_headers_too(make_app: Callable[..., Any]) -> None:
    p = await make_app(embed_origins=(SLIDES,))
    response = await p.client.get("/embed/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert response.headers["content-security-policy"] == f"frame-ancestors 'self' {SLIDES}"


@pytest.mark.asyncio
async def test_the_page_lists_the_origins_that_may_embed_it(make_app: Callable[..., Any]) -> None:
    p = await make_app(embed_origins=(SLIDES, SLIDES + ":443"))
    assert (await p.client.get("/api/embed")).json() == {"origins": [SLIDES]}
    q = await make_app()
    assert (await q.client.get("/api/embed")).json() == {"origins": []}


# --- configuring origins ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "origin"), [
    ("https://Slides.Example.edu/", "https://slides.example.edu"), ("http://localhost:8080", "http://localhost:8080"),
    ("http://localhost:80", "http://localhost"), ("https://x.org:443", "https://x.org"),
    ("http://[::1]:9000", "http://[::1]:9000"),
])
def test_embed_origins_are_normalised(given: str, origin: str) -> None:
    assert normalise_origin(given) == origin


@pytest.mark.parametrize("given", [
    "*", "https://*.example.edu", "https://a.example/path", "ftp://a.example", "a.example", "'self'",
    "https://a.example; script-src *", "https://a .example", "http://a.example:0", "http://a.example:99999", "",
])
def test_an_origin_that_could_widen_the_policy_is_refused(given: str) -> None:
    with pytest.raises(ValueError, match="expected"):
        normalise_origin(given)


def test_serve_takes_repeatable_embed_origins() -> None:
    ns = build_parser().parse_args(["serve", "--embed-origin", SLIDES, "--embed-origin", "http://localhost:8080/"])
    assert ns.embed_origins == [SLIDES, "http://localhost:8080"]
    assert build_parser().parse_args(["serve"]).embed_origins == []
    with pytest.raises(UsageError, match=r"argument --embed-origin: expected an origin like .* got '\*'"):
        build_parser().parse_args(["serve", "--embed-origin", "*"])


def test_the_app_refuses_a_bad_origin_given_in_code(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="no wildcard"):
        create_app(tmp_path, embed_origins=("https://*.example.edu",))


def test_embed_paths_are_exactly_the_embed_routes() -> None:
    assert is_embed_path("/embed") and is_embed_path("/embed/") and is_embed_path("/embed/runs/x")
    assert not is_embed_path("/embedded") and not is_embed_path("/api/embed") and not is_embed_path("/")


# --- who may change things: the embedded page yes, the slide deck no -------------------------------------


@pytest.mark.asyncio
async def test_an_embed_origin_may_frame_but_never_start_a_run(make_app: Callable[..., Any]) -> None:
    p = await make_app(embed_origins=(SLIDES,))
    body = {"scenario": "race", "params": {"threads": 1}}
    refused = await p.client.post("/api/runs", json=body, headers={"origin": SLIDES})
    assert refused.status_code == 403
    assert "cross-origin request refused" in refused.json()["detail"]
    framed_fetch = {"origin": SLIDES, "sec-fetch-site": "cross-site"}
    assert (await p.client.post("/api/runs", json=body, headers=framed_fetch)).status_code == 403
    # The embedded page is served by concviz: its own requests carry concviz's origin.
    own = await p.client.post("/api/runs", json=body, headers={"origin": OWN, "sec-fetch-site": "same-origin"})
    assert own.status_code == 201
    await wait_ended(p.client, own.json()["id"])


@pytest.mark.asyncio
async def test_an_embed_origin_may_not_change_a_tour(make_app: Callable[..., Any]) -> None:
    p = await make_app(embed_origins=(SLIDES,))
    response = await p.client.put("/api/runs/0123456789ab/tour", content=b"null",
                                  headers=JSON_HEADERS | {"origin": SLIDES})
    assert response.status_code == 403


# --- a run's tour ----------------------------------------------------------------------------------------


async def wait_ended(client: httpx.AsyncClient, run_id: str) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        record: dict[str, Any] = (await client.get(f"/api/runs/{run_id}")).json()
        if record["status"] not in ("pending", "running"):
            return record
        assert asyncio.get_running_loop().time() < deadline, f"run {run_id} did not end"
        await asyncio.sleep(0.02)


@pytest.mark.asyncio
async def test_a_run_comes_with_its_scenarios_tour_until_it_has_its_own(make_app: Callable[..., Any]) -> None:
    p = await make_app()
    run_id = (await p.client.post("/api/runs", json={"scenario": "race", "params": {"threads": 3}})).json()["id"]
    record = await wait_ended(p.client, run_id)
    assert record["tour_source"] == "scenario" and record["tour_error"] is None
    assert record["tour"]["stops"][1]["at"] == {"lost_update": 1, "step": "read"}

    own = {"version": 1, "title": "Mine", "stops": [{"at": {"t": 1000}, "window": 2000000, "note": "here"}]}
    saved = await p.client.put(f"/api/runs/{run_id}/tour", json=own)
    assert saved.status_code == 200
    assert saved.json() == {"id": run_id, "tour": own, "tour_source": "run", "tour_error": None}
    record = (await p.client.get(f"/api/runs/{run_id}")).json()
    assert (record["tour"], record["tour_source"]) == (own, "run")
    assert all("tour" not in r for r in (await p.client.get("/api/runs")).json())

    empty = await p.client.put(f"/api/runs/{run_id}/tour", json={"stops": []})
    assert empty.json()["tour"] == {"version": 1, "stops": []} and empty.json()["tour_source"] == "run"
    back = await p.client.put(f"/api/runs/{run_id}/tour", content=b"null", headers=JSON_HEADERS)
    assert back.json()["tour_source"] == "scenario"


@pytest.mark.asyncio
async def test_a_run_without_a_scenario_tour_has_none(make_app: Callable[..., Any]) -> None:
    p = await make_app()
    run_id = (await p.client.post("/api/runs", json={"scenario": "busy", "params": {"iterations": 10}})).json()["id"]
    record = await wait_ended(p.client, run_id)
    assert (record["tour"], record["tour_source"], record["tour_error"]) == (None, "none", None)


@pytest.mark.asyncio
async def test_a_bad_tour_is_refused_with_the_field_and_the_reason(make_app: Callable[..., Any]) -> None:
    p = await make_app()
    run_id = (await p.client.post("/api/runs", json={"scenario": "busy", "params": {"iterations": 10}})).json()["id"]
    bad = {"stops": [{"at": {"kind": "lock.blocked"}, "note": "x"}]}
    response = await p.client.put(f"/api/runs/{run_id}/tour", json=bad)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "stops", "0", "at", "kind"]
    assert error["msg"] == ("tour.stops[0].at.kind: expected an event kind, got 'lock.blocked' "
                            "(did you mean 'lock.block'?)")
    text = await p.client.put(f"/api/runs/{run_id}/tour", content=b"{}", headers={"content-type": "text/plain"})
    assert text.status_code == 415
    nan = await p.client.put(f"/api/runs/{run_id}/tour", content=b'{"stops": [{"at": {"fraction": NaN}, "note": "x"}]}',
                             headers=JSON_HEADERS)
    assert nan.status_code == 422 and "between 0 and 1, got NaN" in nan.json()["detail"][0]["msg"]
    await wait_ended(p.client, run_id)


@pytest.mark.asyncio
async def test_a_tour_for_an_unknown_run_is_404(make_app: Callable[..., Any]) -> None:
    p = await make_app()
    response = await p.client.put("/api/runs/0123456789ab/tour", json={"stops": []})
    assert response.status_code == 404
    assert (await p.client.put("/api/runs/..%2Fetc/tour", json={"stops": []})).status_code == 404
