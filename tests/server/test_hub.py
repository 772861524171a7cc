"""The live fan-out and the store, in process: no gap, no duplicate, bounded lag, recovery."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import msgspec
import pytest

from concviz.server.hub import Hub, Item, Viewer
from concviz.server.store import Store
from concviz.server.streaming import event_messages, messages

pytestmark = pytest.mark.asyncio


def line(seq: int) -> bytes:
    return b'{"seq":%d,"t":%d,"pid":1,"tid":0,"kind":"sleep.end","obj":null,"args":{}}' % (seq, seq)


async def collect(viewer: Viewer) -> list[Item]:
    got: list[Item] = []
    while not (got and got[-1][0] == "end"):
        items = await viewer.next_items()
        assert not viewer.overflowed
        got.extend(items)
    return got


async def test_viewers_subscribing_at_any_moment_see_every_event_once_in_order() -> None:
    hub = Hub()
    batches = 2000
    subscribed = 0
    progress = threading.Condition()

    def publish() -> None:
        hub.publish("header", [b'{"type":"header"}'])
        seq = 0
        for n in range(batches):
            size = n % 7 + 1
            hub.publish("events", [line(s) for s in range(seq, seq + size)])
            seq += size
            if n % 200 == 0:  # let the subscribers in between batches, at varying points
                with progress:
                    progress.wait_for(lambda n=n: subscribed > n // 200, timeout=10)  # type: ignore[misc]
        hub.publish("end", [b'{"type":"end"}'])

    viewers = []
    publisher = threading.Thread(target=publish)
    publisher.start()
    for _ in range(batches // 200 + 1):
        viewer = Viewer(max_lag=10**9)
        assert hub.subscribe(viewer)
        viewers.append(asyncio.create_task(collect(viewer)))
        with progress:
            subscribed += 1
            progress.notify_all()
        await asyncio.sleep(0)
    results = await asyncio.gather(*viewers)
    publisher.join()
    expected_events = sum(n % 7 + 1 for n in range(batches))
    for got in results:
        assert got[0] == ("header", [b'{"type":"header"}'])
        assert got[-1] == ("end", [b'{"type":"end"}'])
        events = [ev for kind, lines in got if kind == "events" for ev in lines]
        assert events == [line(s) for s in range(expected_events)]


async def test_a_viewer_too_far_behind_is_marked_overflowed_and_forgets_its_backlog() -> None:
    hub = Hub()
    viewer = Viewer(max_lag=10)
    hub.subscribe(viewer)
    hub.publish("events", [line(s) for s in range(8)])
    hub.publish("events", [line(s) for s in range(8, 16)])
    assert viewer.overflowed
    assert await viewer.next_items() == []
    late = Viewer(max_lag=10)
    assert hub.subscribe(late)  # history does not count against the lag
    assert not late.overflowed
    assert sum(len(lines) for _, lines in late.take()) == 16


async def test_a_retired_hub_sends_viewers_to_the_store() -> None:
    hub = Hub()
    hub.publish("end", [b"{}"])
    hub.retire()
    assert not hub.subscribe(Viewer(max_lag=10))


async def test_messages_merge_batches_up_to_the_limit_and_keep_the_raw_lines() -> None:
    items: list[Item] = [("header", [b"H"]), ("events", [line(0), line(1)]), ("events", [line(2)]),
                         ("events", [line(s) for s in range(3, 10)]), ("end", [b"E"])]
    out = list(messages(items, max_events=4, max_bytes=1 << 20))
    assert out[0] == b"H" and out[-1] == b"E"
    decoded = [msgspec.json.decode(m) for m in out[1:-1]]
    assert [len(m["events"]) for m in decoded] == [4, 4, 2]
    assert [e["seq"] for m in decoded for e in m["events"]] == list(range(10))
    assert out[1] == b'{"type":"events","events":[' + b",".join(line(s) for s in range(4)) + b"]}"


async def test_messages_stay_under_the_byte_limit() -> None:
    lines = [line(s) for s in range(100)]
    out = list(event_messages(lines, max_events=1000, max_bytes=len(lines[0]) * 10))
    assert all(len(msgspec.json.decode(m)["events"]) <= 10 for m in out)
    assert [e["seq"] for m in out for e in msgspec.json.decode(m)["events"]] == list(range(100))


async def test_store_keeps_event_chunks_in_order_and_recovers_an_unfinished_run(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    await asyncio.wrap_future(store.insert_run(
        {"id": "r1", "scenario": "race", "params": {"threads": 1}, "status": "pending", "created_at": 1.0}))
    store.set_running("r1", b'{"type":"header"}')
    store.add_events("r1", 0, [line(0), line(1)])
    store.add_events("r1", 2, [line(2)])
    store.close()

    again = Store(tmp_path / "db.sqlite3")
    try:
        assert again.recover_interrupted() == ["r1"]
        record = again.get_run("r1")
        assert record is not None
        assert record["status"] == "interrupted" and record["events"] == 3
        header, end = again.trace_ends("r1")
        assert header == b'{"type":"header"}'
        assert end is not None and msgspec.json.decode(end)["status"] == "interrupted"
        chunks = again.read_chunks("r1", 0)
        assert b"".join(blob for _, blob in chunks) == b"".join(line(s) + b"\n" for s in range(3))
        assert again.read_chunks("r1", 3) == []
        assert again.recover_interrupted() == []
    finally:
        again.close()
