"""gevent's locks, semaphores, events and queues under `concviz run`: the same
behaviour as under plain Python, recorded like their threading counterparts,
with greenlets as holders and waiters."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from concviz.analysis.fold import Fold

from .helpers import names, run_both


def objects(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["args"]["name"]: e["args"] for e in events if e.get("kind") == "obj.new"}


def test_every_primitive_behaves_the_same_and_is_recorded_with_greenlets_as_holders(tmp_path: Path) -> None:
    _, events = run_both(tmp_path, """
        from gevent import monkey
        monkey.patch_all()
        import threading
        import gevent
        import gevent.lock
        import gevent.thread
        from gevent.event import AsyncResult, Event
        from gevent.queue import JoinableQueue, LifoQueue, PriorityQueue, Queue

        lock = threading.Lock()
        sem = gevent.lock.BoundedSemaphore(2)
        rl = gevent.lock.RLock()
        ready = Event()
        answer = AsyncResult()
        jobs = JoinableQueue()
        # What programs check: gevent's own names and the stdlib's, after patching.
        print(type(lock).__name__, isinstance(lock, threading.Lock), isinstance(lock, gevent.thread.LockType))
        print(isinstance(sem, gevent.lock.Semaphore), isinstance(jobs, Queue), repr(sem)[:28])
        print(sorted(type(q()).__name__ for q in (LifoQueue, PriorityQueue)))

        def worker(n):
            with sem:
                with lock:
                    with rl:
                        with rl:
                            gevent.sleep(0.01)
                            print("worker", n, "in", sem.counter, lock.locked())
            jobs.put(n)
            ready.wait()
            print("worker", n, "got", answer.get())

        def consumer():
            while True:
                item = jobs.get()
                print("consumed", item)
                jobs.task_done()

        workers = [gevent.spawn(worker, n) for n in range(4)]
        gevent.spawn(consumer)
        gevent.sleep(0.1)
        jobs.join()
        ready.set()
        answer.set(42)
        gevent.joinall(workers)
        try:
            sem.release(); sem.release(); sem.release()
        except ValueError as error:
            print("over-release:", error)
        print("done", sem.counter, lock.locked(), jobs.unfinished_tasks)
    """)
    made = objects(events)
    assert {name: args["type"] for name, args in made.items()} == {
        "lock": "Lock", "sem": "BoundedSemaphore", "rl": "RLock", "ready": "Event", "answer": "Event",
        "jobs": "Queue", "LifoQueue-1": "LifoQueue", "PriorityQueue-1": "PriorityQueue"}  # unnamed: numbered
    assert made["sem"]["value"] == 2
    summary = events[-1]["summary"]["objects"]
    counts = {name: (o["acquisitions"], o["max_holders"], o["max_waiters"]) for name, o in summary.items()}
    assert (counts["sem"], counts["lock"]) == ((4, 2, 2), (4, 1, 1))
    assert summary["rl"]["acquisitions"] == 4
    assert summary["ready"]["max_waiters"] == 4
    assert (summary["jobs"]["puts"], summary["jobs"]["gets"], summary["jobs"]["task_done"]) == (4, 4, 4)
    # Holders and waiters are greenlets, not the one OS thread they share.
    by_id = names(events)
    actors = set()
    f = Fold()
    for e in events:
        if "kind" not in e:
            continue
        f.feed(e)
        if e["kind"] == "lock.acquire" and e["obj"] == next(
                o["obj"] for o in events if o.get("kind") == "obj.new" and o["args"]["name"] == "sem"):
            actors.add(by_id[f.running_coroutine[e["tid"]]])
    assert actors == {f"Greenlet-{n}" for n in range(4)}
    # An RLock records its depth; the over-release recorded nothing.
    rl_id = next(e["obj"] for e in events if e.get("kind") == "obj.new" and e["args"]["name"] == "rl")
    depths = [e["args"]["depth"] for e in events if e.get("obj") == rl_id and e.get("kind") == "lock.acquire"]
    assert depths == [1, 2] * 4
    sem_id = next(e["obj"] for e in events if e.get("kind") == "obj.new" and e["args"]["name"] == "sem")
    assert sum(1 for e in events if e.get("obj") == sem_id and e.get("kind") == "lock.release") == 4
    # Waits say on what: the coroutine summary counts them.
    waited = events[-1]["summary"]["coroutines"]["Greenlet-0"]["waited_on"]
    assert waited.get("sleep") == 1 and waited.get("event", 0) >= 1


def test_gevents_own_objects_are_not_recorded(tmp_path: Path) -> None:
    _, events = run_both(tmp_path, """
        import gevent
        from gevent.lock import RLock
        from gevent.pool import Pool
        from gevent.thread import LockType

        rl = RLock()          # holds a Semaphore of gevent's own
        pool = Pool(2)        # holds a Semaphore and greenlets of gevent's
        raw = LockType()      # gevent's class called directly: not a stand-in
        print(pool.map(lambda n: n * n, range(5)))
        with rl:
            print(type(raw).__name__, raw.acquire(), raw.locked())
    """)
    assert [(a["type"], a["name"]) for a in objects(events).values()] == [("RLock", "rl")]


def test_two_greenlets_waiting_for_each_others_semaphore_are_a_deadlock(tmp_path: Path) -> None:
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent("""
        import gevent
        from gevent.lock import Semaphore

        a = Semaphore(1)
        b = Semaphore(1)

        def one():
            with a:
                gevent.sleep(0.01)
                with b:
                    pass

        def two():
            with b:
                gevent.sleep(0.01)
                with a:
                    pass

        gevent.joinall([gevent.spawn(one), gevent.spawn(two)])
    """))
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert plain.returncode == 1 and "LoopExit" in plain.stderr
    recorded = subprocess.run([sys.executable, "-m", "concviz.cli", "run", "-o", "t.jsonl", str(script)],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert recorded.returncode == 1 and "LoopExit" in recorded.stderr
    end = json.loads((tmp_path / "t.jsonl").read_text().splitlines()[-1])
    cycle = end["summary"]["deadlock"]["cycle"]
    assert sorted((s["name"], s["holds"], s["waits_for"], s["line"]) for s in cycle) == [
        ("Greenlet-0", ["a"], "b", 11), ("Greenlet-1", ["b"], "a", 17)]
    assert "deadlock:" in recorded.stderr


def test_a_wait_under_a_gevent_timeout_is_not_a_deadlock(tmp_path: Path) -> None:
    _, events = run_both(tmp_path, """
        import gevent
        from gevent.lock import Semaphore

        a = Semaphore(1)
        b = Semaphore(1)

        def one():
            with a:
                gevent.sleep(0.01)
                try:
                    with gevent.Timeout(0.05):
                        b.acquire()
                except gevent.Timeout:
                    print("one gave up")

        def two():
            with b:
                gevent.sleep(0.01)
                with a:
                    print("two got both")

        gevent.joinall([gevent.spawn(one), gevent.spawn(two)])
    """)
    end = events[-1]
    assert (end["status"], end["summary"]["deadlock"]) == ("finished", None)
    b_id = next(e["obj"] for e in events if e.get("kind") == "obj.new" and e["args"]["name"] == "b")
    block = next(e for e in events if e.get("kind") == "lock.block" and e["obj"] == b_id)
    assert 0 < block["args"]["timeout"] <= 0.05
    assert [e["args"] for e in events if e.get("kind") == "lock.fail" and e["obj"] == b_id] == [{"blocking": True}]


def test_a_greenlet_that_blocks_the_hub_is_named_in_the_summary(tmp_path: Path) -> None:
    _, events = run_both(tmp_path, """
        import time
        import gevent

        def ticker():
            for i in range(3):
                print("tick", i)
                gevent.sleep(0.02)

        def hog():
            gevent.sleep(0.005)
            time.sleep(0.3)  # not monkey-patched: the whole hub waits
            print("hog done")

        gevent.joinall([gevent.spawn(ticker), gevent.spawn(hog)])
    """)
    coroutines = events[-1]["summary"]["coroutines"]
    assert coroutines["Greenlet-1"]["blocking_runs"] == 1
    assert coroutines["Greenlet-1"]["longest_run_ms"] >= 290
    assert coroutines["Greenlet-0"]["blocking_runs"] == 0
    assert coroutines["Hub"]["blocking_runs"] == 0  # the scheduler itself is not one of its coroutines


def test_async_results_futures_names_keep_their_meaning(tmp_path: Path) -> None:
    # result(timeout) and set_result(value): the concurrent.futures names gevent gives AsyncResult.
    _, events = run_both(tmp_path, """
        import gevent
        from gevent.event import AsyncResult

        answer = AsyncResult()
        never = AsyncResult()
        gevent.spawn_later(0.01, answer.set_result, 7)
        print(answer.result(5))
        try:
            never.result(0.01)
        except gevent.Timeout:
            print("timed out")
    """)
    ids = {e["args"]["name"]: e["obj"] for e in events if e.get("kind") == "obj.new"}
    done = [(e["kind"], e["obj"], e["args"]) for e in events if e.get("kind", "").startswith("event.")]
    assert [d for d in done if d[1] == ids["answer"]] == [
        ("event.wait", ids["answer"], {"timeout": 5, "file": str(tmp_path / "prog.py"), "line": 8}),
        ("event.set", ids["answer"], {}), ("event.wake", ids["answer"], {"flag": True})]
    never = [(k, a.get("flag")) for k, o, a in done if o == ids["never"]]
    assert never == [("event.wait", None), ("event.wake", False)]
