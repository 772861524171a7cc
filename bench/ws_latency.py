"""Latency from recording an event in the child to receiving it in a Python WebSocket client.

Both ends read CLOCK_MONOTONIC (``time.perf_counter_ns``), shared by every
process on the machine. The scenario prints ``perf_counter_ns()`` now and
then; each ``print`` event carries that value and its own ``t`` (ns since the
run's start), which gives the run's start on the shared clock, hence the
recording time of *every* event: ``start + t``. Latency = receipt − that.

Two workloads: a steady trickle (≤ 1k events/s) and a 100k-event burst. Each
runs twice: with the recorder's normal flush period (``recorder.FLUSH_S`` =
2 ms: an event waits up to that long in the child before it is even written),
and with a 1 ms flush period (set by the scenario itself) to show what the
pipe, the server and the WebSocket add.

    .venv/bin/python bench/ws_latency.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ws_throughput import server

TRICKLE = '''"""Trickle: about 600 events/s for a few seconds (benchmark)."""

import time

{flush}
PARAMS = []
LINES = False
for i in range(1500):
    print(time.perf_counter_ns())
    time.sleep(0.005)
'''

BURST = '''"""Burst: 100k events as fast as they come, timestamped now and then (benchmark)."""

import threading
import time

{flush}
PARAMS = []
LINES = False
lock = threading.Lock()
print(time.perf_counter_ns())
time.sleep(0.2)
for i in range(50_000):
    lock.acquire()
    lock.release()
    if i % 5000 == 0:
        print(time.perf_counter_ns())
print(time.perf_counter_ns())
'''

FAST_FLUSH = "import concviz.recorder\nconcviz.recorder.FLUSH_S = 0.001"


class Event(msgspec.Struct):
    seq: int
    t: int
    kind: str
    args: dict[str, Any]


class Message(msgspec.Struct):
    type: str
    events: list[Event] = []


decode_message = msgspec.json.Decoder(Message).decode


async def measure(url: str, scenario: str) -> list[float]:
    """Latencies in ms of every event of one run."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        run_id = (await client.post("/api/runs", json={"scenario": scenario, "params": {}})).json()["id"]
    # Each message is timed as it arrives and decoded after the run: decoding
    # as they come would put this client's own parsing (on the same two cores)
    # between the receipt of one message and the next.
    arrived: list[tuple[int, str | bytes]] = []
    ws_url = url.replace("http://", "ws://") + f"/ws/runs/{run_id}"
    async with connect(ws_url, max_size=None, compression=None) as ws:
        async for raw in ws:
            arrived.append((time.perf_counter_ns(), raw))
            if '"type":"end"' in (raw if isinstance(raw, str) else raw.decode())[:40]:
                break
    received: list[tuple[int, list[Event]]] = []
    for now, raw in arrived:
        message = decode_message(raw)
        if message.type == "events":
            received.append((now, message.events))
    # The run's start on the shared clock: a printed value is read just before
    # its print event's own clock reading, so value − t ≤ start; the largest is closest.
    start = max(int(e.args["text"]) - e.t for _, evs in received for e in evs
                if e.kind == "print" and e.args["text"].strip().isdigit())
    return [(now - (start + e.t)) / 1e6 for now, evs in received for e in evs]


def describe(name: str, latencies: list[float]) -> str:
    q = statistics.quantiles(latencies, n=100)
    return (f"  {name:<44} {len(latencies):>7,} events  p50 {statistics.median(latencies):7.2f} ms  "
            f"p99 {q[98]:7.2f} ms  max {max(latencies):7.2f} ms")


def main() -> None:
    scenarios = {
        "trickle": TRICKLE.format(flush=""), "trickle_fast": TRICKLE.format(flush=FAST_FLUSH),
        "burst": BURST.format(flush=""), "burst_fast": BURST.format(flush=FAST_FLUSH),
    }
    print(f"ws_latency: recording in the child → receipt in a Python client ({os.cpu_count()} CPUs)")
    with server(scenarios) as url:
        for name, what in [
            ("trickle", "≤1k events/s, recorder flush 2 ms (default)"),
            ("trickle_fast", "≤1k events/s, recorder flush 1 ms"),
            ("burst", "100k-event burst, recorder flush 2 ms (default)"),
            ("burst_fast", "100k-event burst, recorder flush 1 ms"),
        ]:
            print(describe(what, asyncio.run(measure(url, name))))


if __name__ == "__main__":
    main()
