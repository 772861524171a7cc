"""Events per second from a run's child, through the server, to a Python WebSocket client.

Starts a real server (``serve`` on a free port) with a scenario directory of
its own holding one busy scenario: 4 threads taking and releasing a lock in a
loop, 2 events per turn, no line events. A client posts the run, watches it
live and checks that every event arrives once, in order (seq 0..n-1). Then a
late viewer replays the stored run (the server's side alone, without the
child). Prints the median of a few rounds.

    .venv/bin/python bench/ws_throughput.py [--iterations N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]

BUSY = '''"""Busy: {threads} threads taking and releasing a lock as fast as they can (benchmark)."""

import threading

PARAMS = []
LINES = False
ITERATIONS = {iterations}
lock = threading.Lock()


def work():
    for _ in range(ITERATIONS):
        lock.acquire()
        lock.release()


threads = [threading.Thread(target=work) for _ in range({threads})]
for t in threads:
    t.start()
for t in threads:
    t.join()
'''


class Event(msgspec.Struct):
    seq: int


class Message(msgspec.Struct):
    type: str
    events: list[Event] = []


decode_message = msgspec.json.Decoder(Message).decode


@contextlib.contextmanager
def server(scenarios: dict[str, str], **settings: object) -> Iterator[str]:
    """A real server on 127.0.0.1 with only ``scenarios`` (name → source); yields its URL."""
    with tempfile.TemporaryDirectory(prefix="concviz-bench-") as tmp:
        scenario_dir = Path(tmp) / "scenarios"
        scenario_dir.mkdir()
        for name, source in scenarios.items():
            (scenario_dir / f"{name}.py").write_text(source)
        log_path = Path(tmp) / "server.log"
        code = ("import sys; from concviz.server.app import serve; "
                f"sys.exit(serve(host='127.0.0.1', port=0, data_dir={tmp + '/data'!r}, **{settings!r}))")
        env = dict(os.environ, CONCVIZ_SCENARIOS=str(scenario_dir))
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 20
            url = ""
            while not url:
                text = log_path.read_text(errors="replace")
                if "serving on " in text:
                    url = text[text.index("serving on ") + 11:].split()[0].rstrip("/")
                elif proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start:\n{text}")
                else:
                    time.sleep(0.05)
            yield url
        finally:
            proc.terminate()
            proc.wait(15)


async def watch(url: str, run_id: str) -> tuple[int, float, float, float]:
    """(events, first event time, last event time, end time), checking seq continuity."""
    expected = 0
    first = last = 0.0
    ws_url = url.replace("http://", "ws://") + f"/ws/runs/{run_id}"
    async with connect(ws_url, max_size=None, max_queue=64, compression=None) as ws:
        async for raw in ws:
            message = decode_message(raw)
            if message.type == "events":
                now = time.perf_counter()
                if not expected:
                    first = now
                for ev in message.events:
                    if ev.seq != expected:
                        raise SystemExit(f"event lost or out of order: got seq {ev.seq}, expected {expected}")
                    expected += 1
                last = now
            elif message.type == "end":
                return expected, first, last, time.perf_counter()
    raise SystemExit("the stream ended without an end message")


async def one_round(url: str, scenario: str) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        posted = time.perf_counter()
        response = await client.post("/api/runs", json={"scenario": scenario, "params": {}})
        run_id = response.json()["id"]
        n, first, last, ended = await watch(url, run_id)
        record = (await client.get(f"/api/runs/{run_id}")).json()
        if record["status"] != "finished" or record["events"] != n:
            raise SystemExit(f"run {run_id} {record['status']} with {record['events']} events, got {n}")
        replay_start = time.perf_counter()
        m, _, _, replay_end = await watch(url, run_id)
        if m != n:
            raise SystemExit(f"the replay had {m} events, the run {n}")
    child_seconds = await _duration(url, run_id)
    return {
        "events": n,
        "live_rate": n / (last - first),
        "post_to_end_rate": n / (ended - posted),
        "child_rate": n / child_seconds,
        "replay_rate": n / (replay_end - replay_start),
    }


async def _duration(url: str, run_id: str) -> float:
    """Seconds the child took to record its events (from the trace's first to last ``t``)."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        text = (await client.get(f"/api/runs/{run_id}/trace")).content.splitlines()
    first = msgspec.json.decode(text[1])["t"]
    last = msgspec.json.decode(text[-2])["t"]
    return max(1e-9, (last - first) / 1e9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=150_000, help="lock turns per thread (2 events each)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    # Four threads sharing a lock, as before; and one thread, whose lock is never
    # contended: four threads spend most of their time in CPython's own lock
    # convoy (the raw lock's cycle is about 1.3 µs then), so one thread shows
    # what the path itself carries.
    workloads = {"busy": BUSY.format(iterations=args.iterations, threads=4),
                 "solo": BUSY.format(iterations=4 * args.iterations, threads=1)}
    with server(workloads) as url:
        results = {name: [asyncio.run(one_round(url, name)) for _ in range(args.rounds)] for name in workloads}
    for name, rounds in results.items():
        print(f"ws_throughput ({name}: {'4 threads' if name == 'busy' else '1 thread'}): "
              f"{int(rounds[0]['events']):,} events per run, {args.rounds} rounds, "
              f"{os.cpu_count()} CPUs; medians, events/s; no event lost or reordered")
        for key, what in [
            ("child_rate", "the child recording (first to last event t)"),
            ("live_rate", "live, child → server → client (first to last event received)"),
            ("post_to_end_rate", "live, from POST to the end message (includes child start-up)"),
            ("replay_rate", "replay of the stored run to a late viewer (server → client only)"),
        ]:
            print(f"  {statistics.median(r[key] for r in rounds):>12,.0f}  {what}")

if __name__ == "__main__":
    main()
