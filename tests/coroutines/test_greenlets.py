"""greenlet and gevent programs under `concviz run`: the same behaviour, and
every greenlet a coroutine of the thread it runs on."""

from __future__ import annotations

from pathlib import Path

from .helpers import names, run_both


def test_gevent_spawn_and_joinall_record_the_hub_and_every_greenlet(tmp_path: Path) -> None:
    _, events = run_both(tmp_path, """
        import gevent
        from gevent import monkey
        monkey.patch_all()

        def job(n):
            gevent.sleep(0.01 * n)
            return n * n

        jobs = [gevent.spawn(job, n) for n in range(4)]
        gevent.joinall(jobs)
        print([j.value for j in jobs])
    """)
    coros = {e["obj"]: e["args"] for e in events if e.get("kind") == "coro.new"}
    kinds = sorted((a["kind"], a["name"]) for a in coros.values())
    assert ("gevent", "Hub") in kinds
    assert [name for kind, name in kinds if kind == "gevent" and name != "Hub"] == [f"Greenlet-{i}" for i in range(4)]
    ended = {names(events)[e["obj"]] for e in events if e.get("kind") == "coro.end"}
    assert {f"Greenlet-{i}" for i in range(4)} <= ended
    # Every switch into a greenlet comes from the hub or the main greenlet: gevent schedules through its hub.
    by_id = names(events)
    for e in events:
        if e.get("kind") == "coro.switch" and by_id[e["obj"]].startswith("Greenlet"):
            assert by_id[e["args"]["origin"]] in ("Hub", "main greenlet")
    assert events[-1]["summary"]["coroutines"]["Hub"]["kind"] == "gevent"


def test_greenlets_in_another_thread_are_coroutines_of_that_thread(tmp_path: Path) -> None:
    _, events = run_both(tmp_path, """
        import threading
        from greenlet import greenlet

        def ping():
            for _ in range(3):
                print("ping", flush=True)
                pong_gr.switch()

        def pong():
            while True:
                print("pong", flush=True)
                ping_gr.switch()

        def worker():
            global ping_gr, pong_gr
            ping_gr = greenlet(ping)
            pong_gr = greenlet(pong)
            ping_gr.switch()

        t = threading.Thread(target=worker)
        t.start()
        t.join()
    """)
    switches = [e for e in events if e.get("kind") == "coro.switch"]
    assert switches and {e["tid"] for e in switches} == {1}  # the worker thread, not the main one
    by_id = names(events)
    assert {by_id[e["obj"]] for e in switches} >= {"ping_gr", "pong_gr"}


def test_greenlet_is_traced_from_its_first_import_in_the_importing_thread_and_later_ones(tmp_path: Path) -> None:
    # Until the program imports greenlet, no thread pays for a greenlet trace
    # (and greenlet is not loaded for it); from then on, the importing thread
    # and every thread started later record their switches.
    _, events = run_both(tmp_path, """
        import sys
        import threading

        print("greenlet" in sys.modules)

        def ping_pong():
            from greenlet import greenlet
            def pong():
                while True:
                    main.switch()
            main = greenlet.getcurrent()
            other = greenlet(pong)
            for _ in range(2):
                other.switch()

        first = threading.Thread(target=ping_pong, name="first")
        first.start()
        first.join()
        later = threading.Thread(target=ping_pong, name="later")
        later.start()
        later.join()
    """)
    begun = {e["args"]["name"]: e["args"]["thread"] for e in events if e.get("kind") == "thread.begin"}
    switches = [e["tid"] for e in events if e.get("kind") == "coro.switch"]
    # four switches each, and two more as the thread's end kills the greenlet it left suspended
    assert sorted(switches) == [begun["first"]] * 6 + [begun["later"]] * 6


def test_a_greenlet_class_that_watches_its_attributes_sees_only_the_programs_reads(tmp_path: Path) -> None:
    # Naming a greenlet and following its switches reads run, parent,
    # gr_frame and dead; a class that overrides __getattribute__ must not see
    # those reads (greenlet's own suite checks exactly this), and its
    # greenlets are still introduced, named and ended.
    _, events = run_both(tmp_path, """
        from greenlet import greenlet

        seen = []

        class Watched(greenlet):
            def __getattribute__(self, name):
                if not name.startswith("__"):
                    seen.append(name)
                return greenlet.__getattribute__(self, name)

        def work():
            main.switch(1)
            return 2

        main = greenlet.getcurrent()
        g = Watched(work)
        print(g.switch(), g.switch(), g.dead)
        print(seen)
    """)
    by_id = names(events)
    assert sorted(by_id.values()) == ["g", "main greenlet"]  # introduced as work, named after its variable
    assert [by_id[e["obj"]] for e in events if e.get("kind") == "coro.end"] == ["g"]


def test_a_throw_into_a_greenlet_is_recorded_as_such(tmp_path: Path) -> None:
    _, events = run_both(tmp_path, """
        from greenlet import greenlet, GreenletExit

        def body():
            try:
                greenlet.getcurrent().parent.switch("paused")
            except GreenletExit:
                print("told to exit")

        g = greenlet(body)
        print(g.switch())
        g.throw()
        print(g.dead)
    """)
    throws = [e for e in events if e.get("kind") == "coro.switch" and e["args"]["throw"]]
    assert len(throws) == 1
    assert names(events)[throws[0]["obj"]] == "g"


def test_threads_under_gevent_monkey_patching_are_greenlets_named_after_them(tmp_path: Path) -> None:
    _, events = run_both(tmp_path, """
        from gevent import monkey
        monkey.patch_all()
        import threading
        import time

        def work(n):
            time.sleep(0.02)
            print("worker", n)

        threads = [threading.Thread(target=work, args=(n,), name=f"worker-{n}") for n in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print("joined")
    """)
    end = events[-1]
    assert end["status"] == "finished" and end["summary"]["deadlock"] is None
    assert end["summary"]["threads"] == 1  # green threads are not OS threads
    coroutines = end["summary"]["coroutines"]
    assert {f"worker-{n}" for n in range(3)} <= set(coroutines)
    assert all(coroutines[f"worker-{n}"]["kind"] == "gevent" for n in range(3))
    by_id = names(events)
    joins = [(by_id[e["obj"]], by_id[e["args"]["target"]]) for e in events
             if e.get("kind") == "coro.wait" and e["args"]["what"] == "join"]
    assert joins and all(joiner == "main greenlet" and joined.startswith("worker-") for joiner, joined in joins)
