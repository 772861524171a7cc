"""Programs under control: logical sleeps, real waits lent out, endings."""

from __future__ import annotations

import time
from pathlib import Path

from .helpers import run, script_spec

RANDOM = {"strategy": "random", "seed": 1}


def test_sleeps_take_logical_time_in_wake_order(tmp_path: Path) -> None:
    started = time.monotonic()
    trace = run(script_spec(tmp_path, """
        import threading, time
        order = []
        def nap(name, seconds):
            time.sleep(seconds)
            order.append(name)
        threads = [threading.Thread(target=nap, args=(n, s)) for n, s in (("c", 30), ("a", 10), ("b", 20))]
        t0 = time.monotonic()
        for t in threads: t.start()
        for t in threads: t.join()
        print(order, round(time.monotonic() - t0))
    """, RANDOM))
    assert time.monotonic() - started < 20, "60 s of sleeps took no real time"
    assert trace.end["status"] == "finished"
    assert trace.prints() == "['a', 'b', 'c'] 30\n", "woken in order, and the program's clock saw 30 s"
    assert trace.schedule["logical_s"] >= 30


def test_a_real_socket_wait_is_lent_out_and_the_run_goes_on(tmp_path: Path) -> None:
    trace = run(script_spec(tmp_path, """
        import socket, threading
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        lock = threading.Lock()
        got = []
        def serve():
            conn, _ = server.accept()
            with conn:
                data = conn.recv(100)
                with lock:
                    got.append(data)
                conn.sendall(data.upper())
        t = threading.Thread(target=serve)
        t.start()
        client = socket.create_connection(server.getsockname())
        client.sendall(b"ping")
        print(client.recv(100), got)
        t.join()
    """, RANDOM, timeout=30))
    assert trace.end["status"] == "finished", trace.end
    assert trace.prints() == "b'PING' [b'ping']\n"
    assert trace.schedule["loans"] >= 1, "the accept/recv waits were real, and say so"


def test_a_wait_nothing_can_drive_ends_the_run_with_a_message(tmp_path: Path) -> None:
    started = time.monotonic()
    trace = run(script_spec(tmp_path, """
        import os, threading
        r, w = os.pipe()
        def reader():
            os.read(r, 1)
        t = threading.Thread(target=reader, name="reader")
        t.start()
        t.join()
    """, {"strategy": "random", "patience_s": 1.0}, timeout=30))
    assert time.monotonic() - started < 20
    assert trace.end["status"] == "timed_out"
    assert "no thread reached a schedule point" in trace.end["error"]
    assert "reader at program.py:5" in trace.end["error"]


def test_every_thread_blocked_is_a_deadlock_even_without_a_lock_cycle(tmp_path: Path) -> None:
    trace = run(script_spec(tmp_path, """
        import threading
        never = threading.Event()
        t = threading.Thread(target=never.wait, name="waiter")
        t.start()
        t.join()
    """, RANDOM))
    assert trace.end["status"] == "deadlocked" and trace.end["exit_code"] == 3
    stuck = trace.kinds("control.stuck")
    assert len(stuck) == 1 and not stuck[0]["args"].get("message")
    assert {t["what"] for t in stuck[0]["args"]["threads"]} == {"join", "acquire"}
    assert trace.summary["deadlock"]["cycle"], "the run says who waits for what"


def test_threads_still_running_when_main_returns_finish_under_control(tmp_path: Path) -> None:
    trace = run(script_spec(tmp_path, """
        import threading
        from concurrent.futures import ThreadPoolExecutor
        num = 0
        lock = threading.Lock()
        def add():
            global num
            for _ in range(3):
                with lock:
                    num += 1
        for _ in range(3):
            threading.Thread(target=add).start()
        pool = ThreadPoolExecutor(2)
        print(sorted(pool.map(abs, [-1, -2, -3])))
        threading.Thread(target=lambda: print("late", num >= 0), daemon=True).start()
    """, RANDOM))
    assert trace.end["status"] == "finished", trace.end
    assert trace.prints().startswith("[1, 2, 3]\n")
    assert len(trace.kinds("thread.end")) >= 5


def test_a_watched_write_is_recorded_where_it_is_stored(tmp_path: Path) -> None:
    trace = run(script_spec(tmp_path, """
        import threading
        x = 0
        def bump():
            global x
            t = x
            x = t + 1
        threads = [threading.Thread(target=bump) for _ in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(x)
    """, {"strategy": "random", "seed": 3}, watch=("x",)))
    final = int(trace.prints())
    watched = trace.summary["watched"]["x"]
    assert watched["final"] == final
    assert watched["lost_updates"] == 4 - final, "every missing increment is a lost update, and no other"


def test_processes_run_free_and_their_deadlock_still_ends_the_run() -> None:
    from .helpers import scenario_spec

    queue_run = run(scenario_spec("mp_queue", RANDOM, delay=0.05))
    assert queue_run.end["status"] == "finished", queue_run.end
    assert "the parent got [42, None, 'hello']" in queue_run.prints()
    deadlock = run(scenario_spec("process_deadlock", RANDOM, pause=0.1))
    assert deadlock.end["status"] == "deadlocked"
    assert {s["waits_for"] for s in deadlock.summary["deadlock"]["cycle"]} == {"lock_a", "lock_b"}


def test_a_long_computation_between_points_is_not_taken_for_a_hang(tmp_path: Path) -> None:
    trace = run(script_spec(tmp_path, """
        import threading, time
        def crunch():
            end = time.perf_counter() + 2.5
            n = 0
            while time.perf_counter() < end:
                n += 1
        t = threading.Thread(target=crunch)
        t.start()
        t.join()
        print("done")
    """, {"strategy": "random", "patience_s": 1.0}, timeout=30))
    assert trace.end["status"] == "finished", trace.end
    assert trace.prints() == "done\n"
