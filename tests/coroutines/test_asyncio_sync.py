"""asyncio's Lock, Semaphore, Event, Condition and queues under `concviz run`:
the program behaves as under plain Python, every object the program makes is
recorded with tasks as its holders and waiters, and a deadlock between tasks
is found — but never one that a timeout will end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from .helpers import run_both

PRIMITIVES = """
    import asyncio

    async def producer(q, n):
        for i in range(n):
            await q.put(i)
        await q.join()

    async def consumer(q, ev, sem, cond):
        while True:
            item = await q.get()
            async with sem:
                await asyncio.sleep(0.001)
            q.task_done()
            if item == 4:
                ev.set()
                await asyncio.sleep(0.01)
                async with cond:
                    cond.notify_all()

    async def waiter(ev, cond):
        await ev.wait()
        async with cond:
            await cond.wait()
        print("waiter done")

    async def main():
        q = asyncio.Queue(maxsize=2)
        ev = asyncio.Event()
        sem = asyncio.BoundedSemaphore(1)
        cond = asyncio.Condition()
        w = asyncio.create_task(waiter(ev, cond), name="waiter")
        await asyncio.sleep(0)
        consumers = [asyncio.create_task(consumer(q, ev, sem, cond), name=f"consumer{i}") for i in range(2)]
        await producer(q, 5)
        await w
        for c in consumers:
            c.cancel()
        try:
            sem.release()
        except ValueError as error:
            print("over-release:", error)
        print(isinstance(q, asyncio.Queue), asyncio.iscoroutinefunction(asyncio.Lock.acquire))

    asyncio.run(main())
"""


def actors(events: list[dict[str, Any]]) -> list[tuple[str, str | None, str]]:
    """(kind, the running coroutine's name, object name) for every object event."""
    coros: dict[int, str] = {}
    objects: dict[int, str] = {}
    running: str | None = None
    out = []
    for e in events:
        kind = e.get("kind", "")
        if kind == "coro.new":
            coros[e["obj"]] = e["args"]["name"]
        elif kind == "coro.switch":
            running = coros[e["obj"]]
        elif kind == "obj.new":
            objects[e["obj"]] = e["args"]["name"]
        elif kind.split(".")[0] in ("lock", "event", "cond", "queue"):
            out.append((kind, running, objects[e["obj"]]))
    return out


def test_every_primitive_is_recorded_with_tasks_as_actors(tmp_path: Path) -> None:
    _, events = run_both(tmp_path, PRIMITIVES)
    done = actors(events)
    objects = {e["args"]["name"]: e["args"] for e in events if e.get("kind") == "obj.new"}
    assert {name: a["type"] for name, a in objects.items()} == {
        "q": "Queue", "ev": "Event", "sem": "BoundedSemaphore", "cond": "Condition", "cond.lock": "Lock",
        "event loop selector": "EpollSelector"}  # the loop's own, where it waits for I/O between steps
    assert objects["q"]["value"] == 2 and objects["sem"]["value"] == 1
    assert ("queue.block", "Task-1 (main)", "q") in done  # a put on the full queue
    assert sum(1 for kind, _, name in done if kind == "queue.put") == 5
    gets = [e["args"]["id"] for e in events if e.get("kind") == "queue.get"]
    assert gets == [1, 2, 3, 4, 5]  # each get names its put
    assert {who for kind, who, name in done if kind == "lock.acquire" and name == "sem"} == {"consumer0", "consumer1"}
    assert ("event.wait", "waiter", "ev") in done
    assert {who for kind, who, name in done if kind == "event.set"} <= {"consumer0", "consumer1"}
    assert ("cond.wait", "waiter", "cond") in done
    assert [k for k, who, name in done if name == "q" and k.startswith("queue.join")] == ["queue.join", "queue.joined"]
    # The over-release raised in the program and recorded nothing.
    releases = sum(1 for kind, _, name in done if kind == "lock.release" and name == "sem")
    assert releases == sum(1 for kind, _, name in done if kind == "lock.acquire" and name == "sem") == 5
    summary = events[-1]["summary"]
    assert summary["objects"]["sem"]["max_holders"] == 1
    assert summary["threads"] == 1  # tasks are coroutines of the thread, not threads


def test_a_deadlock_between_two_tasks_is_found_and_stops_the_run(tmp_path: Path) -> None:
    script = tmp_path / "prog.py"
    script.write_text(
        "import asyncio\n"
        "async def transfer(first, second):\n"
        "    async with first:\n"
        "        await asyncio.sleep(0.01)\n"
        "        async with second:\n"
        "            print('never')\n"
        "async def main():\n"
        "    a = asyncio.Lock()\n"
        "    b = asyncio.Lock()\n"
        "    await asyncio.gather(transfer(a, b), transfer(b, a))\n"
        "asyncio.run(main())\n")
    done = subprocess.run([sys.executable, "-m", "concviz.cli", "run", "-q", "-o", "t.jsonl", str(script)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    end = json.loads((tmp_path / "t.jsonl").read_text().splitlines()[-1])
    cycle = end["summary"]["deadlock"]["cycle"]
    assert sorted((step["holds"], step["waits_for"]) for step in cycle) == [(["a"], "b"), (["b"], "a")]


def test_waits_that_a_timeout_will_end_are_not_a_deadlock(tmp_path: Path) -> None:
    _, events = run_both(tmp_path, """
        import asyncio

        async def transfer(name, first, second, patience):
            async with first:
                await asyncio.sleep(0.01)
                try:
                    async with asyncio.timeout(patience):
                        async with second:
                            print(name, "transferred")
                except TimeoutError:
                    print(name, "gave up")

        async def main():
            a = asyncio.Lock()
            b = asyncio.Lock()
            # Timeouts far apart: two that end together (a late loop, a busy
            # machine) would both give up, under Python as under concviz.
            await asyncio.gather(transfer("ab", a, b, 0.2), transfer("ba", b, a, 2.0))

        asyncio.run(main())
    """)
    assert events[-1]["status"] == "finished"
    blocks = [e["args"]["timeout"] for e in events if e.get("kind") == "lock.block"]
    assert len(blocks) == 2 and all(0 < t <= 2.0 for t in blocks) and min(blocks) <= 0.2


def test_the_loop_waits_for_io_in_selects_on_its_own_thread(tmp_path: Path) -> None:
    _, events = run_both(tmp_path, """
        import asyncio

        async def handle(reader, writer):
            writer.write((await reader.readline()).upper())
            await writer.drain()
            writer.close()

        async def client(port, text):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(text.encode() + b"\\n")
            answer = await reader.readline()
            writer.close()
            return answer.decode().strip()

        async def main():
            server = await asyncio.start_server(handle, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            print(await asyncio.gather(*(client(port, w) for w in ("one", "two", "three"))))
            server.close()

        asyncio.run(main())
    """)
    selector = next(e for e in events if e.get("kind") == "obj.new" and e["args"]["name"] == "event loop selector")
    selects = [e for e in events if e.get("kind") == "select.end" and e["obj"] == selector["obj"]]
    assert sum(e["args"]["ready"] for e in selects) >= 6  # a connection and a line each way per client, at least
    assert {e["tid"] for e in selects} == {0}
    # While the loop waits, no task runs: the actor of each select is the loop itself.
    running = {}
    loop = next(e["obj"] for e in events if e.get("kind") == "coro.new" and e["args"]["name"] == "event loop")
    for e in events:
        if e.get("kind") == "coro.switch":
            running[e["tid"]] = e["obj"]
        elif e.get("kind") == "select.begin" and e["obj"] == selector["obj"] and e["tid"] in running:
            assert running[e["tid"]] == loop


def test_a_task_renamed_with_set_name_takes_its_new_name(tmp_path: Path) -> None:
    _, events = run_both(tmp_path, """
        import asyncio

        async def worker():
            asyncio.current_task().set_name("fetcher")
            await asyncio.sleep(0.01)

        async def main():
            task = asyncio.create_task(worker())
            await asyncio.sleep(0)
            await task
            print(task.get_name())

        asyncio.run(main())
    """)
    coroutines = events[-1]["summary"]["coroutines"]
    assert coroutines["fetcher"]["switches"] == 2
    assert "Task-2 (worker)" not in coroutines


def test_run_in_executor_links_the_awaiting_task_to_the_worker_thread(tmp_path: Path) -> None:
    _, events = run_both(tmp_path, """
        import asyncio
        import time
        from concurrent.futures import ThreadPoolExecutor

        def blocking(n):
            time.sleep(0.01)
            if n == 3:
                raise ValueError(n)
            return n * n

        async def main():
            loop = asyncio.get_running_loop()
            print(await asyncio.gather(*(loop.run_in_executor(None, blocking, n) for n in range(3))))
            with ThreadPoolExecutor(2) as pool:
                try:
                    await loop.run_in_executor(pool, blocking, 3)
                except ValueError as error:
                    print("raised", repr(error))

        asyncio.run(main())
    """)
    pools = {e["obj"]: e["args"]["name"] for e in events
             if e.get("kind") == "obj.new" and e["args"]["type"] == "ThreadPoolExecutor"}
    assert sorted(pools.values()) == ["ThreadPoolExecutor-1", "event loop executor"]  # `with ... as` names nothing
    submits = {e["args"]["job"]: e for e in events if e.get("kind") == "pool.submit"}
    tasks = {e["args"]["job"]: e for e in events if e.get("kind") == "pool.task"}
    done = {e["args"]["job"]: e["args"]["ok"] for e in events if e.get("kind") == "pool.done"}
    assert len(submits) == 4 and tasks.keys() == submits.keys() == done.keys()
    assert sorted(done.values()) == [False, True, True, True]
    # Submitted by the main task on the loop's thread, run on the executors' own threads.
    running: dict[int, int] = {}
    main = next(e["obj"] for e in events if e.get("kind") == "coro.new" and e["args"]["name"] == "Task-1 (main)")
    for e in events:
        if e.get("kind") == "coro.switch":
            running[e["tid"]] = e["obj"]
        elif e.get("kind") == "pool.submit":
            assert (e["tid"], running.get(e["tid"])) == (0, main)
            assert e["obj"] in pools
    assert all(t["tid"] != 0 and t["seq"] > submits[job]["seq"] for job, t in tasks.items())
