"""Every process of a run records into one trace, whatever the start method."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from concviz.recorder import ID_SHIFT

from .helpers import METHODS, run_program

CHILD = """
import multiprocessing as mp
import sys, threading

def work(n):
    lock = threading.Lock()
    with lock:
        print(f"child {n}\\n", end="", flush=True)  # one write: two processes share the pipe

if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    procs = [mp.Process(target=work, args=(n,)) for n in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print("codes", [p.exitcode for p in procs])
"""


@pytest.mark.parametrize("method", METHODS)
def test_each_child_process_is_recorded_with_its_parent_and_exit(tmp_path: Path, method: str) -> None:
    run = run_program(tmp_path, CHILD, method)
    assert run.proc.returncode == 0, run.proc.stderr
    assert sorted(run.proc.stdout.splitlines()) == ["child 0", "child 1", "codes [0, 0]"]
    assert [e["seq"] for e in run.events] == list(range(len(run.events)))
    assert [e["t"] for e in run.events] == sorted(e["t"] for e in run.events)
    begins = run.begins()
    root = run.events[0]["pid"]
    assert begins[root]["args"]["method"] == "root"
    names = run.names()
    children = [pid for pid, name in names.items() if name.startswith("Process-")]
    assert len(children) == 2
    for pid in children:
        begin = begins[pid]
        assert begin["tid"] == pid << ID_SHIFT
        # A forkserver's children are forked by the forkserver, itself a child of the program.
        parent = begin["args"]["ppid"]
        assert parent == root or names.get(parent) == "forkserver"
        assert begin["args"]["method"] == {"fork": "fork", "spawn": "spawn", "forkserver": "forkserver"}[method]
        mine = [e for e in run.events if e["pid"] == pid]
        assert mine[0]["kind"] == "process.begin" and mine[-1]["kind"] == "process.end"
        assert [e["args"]["exit_code"] for e in mine if e["kind"] == "process.exit"] == [0]
        assert any(e["kind"] == "print" for e in mine) and any(e["kind"] == "lock.acquire" for e in mine)
    starts = {e["args"]["pid"]: e for e in run.kinds("process.start")}
    joined = {e["args"]["pid"]: e for e in run.kinds("process.joined")}
    for pid in children:
        assert starts[pid]["pid"] == root and starts[pid]["seq"] < begins[pid]["seq"]
        assert joined[pid]["args"]["exit_code"] == 0
    summary = run.end["summary"]["processes"]
    assert {int(pid) for pid in summary} >= {root, *children}
    assert all(summary[str(pid)]["parent"] in (root, *begins) for pid in children)


def test_a_child_killed_by_a_signal_shows_it(tmp_path: Path) -> None:
    run = run_program(tmp_path, """
        import multiprocessing as mp, os, signal

        def die():
            os.kill(os.getpid(), signal.SIGKILL)

        if __name__ == "__main__":
            p = mp.Process(target=die)
            p.start()
            p.join()
            print(p.exitcode)
    """)
    assert run.proc.stdout == "-9\n"
    (joined,) = run.kinds("process.joined")
    assert joined["args"]["exit_code"] == -9
    child = joined["args"]["pid"]
    assert [e["kind"] for e in run.events if e["pid"] == child][-1] == "process.end"
    assert run.end["summary"]["processes"][str(child)]["exit_code"] == -9


def test_terminate_is_recorded(tmp_path: Path) -> None:
    run = run_program(tmp_path, """
        import multiprocessing as mp, time

        def forever():
            while True:
                time.sleep(0.01)

        if __name__ == "__main__":
            p = mp.Process(target=forever)
            p.start()
            p.terminate()
            p.join()
            print(p.exitcode)
    """)
    assert run.proc.stdout == "-15\n"
    assert [e["kind"] for e in run.kinds("process.terminate", "process.joined")] == [
        "process.terminate", "process.joined"]


def test_spawn_without_the_main_guard_fails_as_under_plain_python(tmp_path: Path) -> None:
    source = """
        import multiprocessing as mp

        def f():
            pass

        p = mp.get_context("spawn").Process(target=f)
        p.start()
        p.join()
        print("child exit code", p.exitcode)
    """
    run = run_program(tmp_path, source)
    plain = subprocess.run([sys.executable, str(tmp_path / "prog.py")], capture_output=True, text=True, timeout=60)
    assert (run.proc.returncode, run.proc.stdout) == (plain.returncode, plain.stdout) == (0, "child exit code 1\n")
    # The child's own error, the standard library's explanation of the missing guard.
    assert "freeze_support" in plain.stderr and "freeze_support" in run.proc.stderr


@pytest.mark.parametrize("method", METHODS)
def test_a_queue_item_put_in_a_child_is_got_in_the_parent(tmp_path: Path, method: str) -> None:
    run = run_program(tmp_path, """
        import multiprocessing as mp, sys

        def child(q, jq):
            q.put([42, None, "hello"])
            item = jq.get()
            jq.task_done()

        if __name__ == "__main__":
            mp.set_start_method(sys.argv[1])
            q = mp.Queue()
            jq = mp.JoinableQueue()
            p = mp.Process(target=child, args=(q, jq))
            p.start()
            jq.put("task")
            print(q.get())
            jq.join()
            p.join()
    """, method)
    assert run.proc.stdout == "[42, None, 'hello']\n", run.proc.stderr
    objects = {e["args"]["name"]: e["obj"] for e in run.kinds("obj.new")}
    puts = {(e["obj"], e["args"]["id"]): e for e in run.kinds("queue.put")}
    gets = run.kinds("queue.get")
    assert len(gets) == 2
    for get in gets:
        put = puts[(get["obj"], get["args"]["id"])]
        assert put["pid"] != get["pid"] and put["seq"] < get["seq"]
        assert put["args"]["item"] == get["args"]["item"]
    (from_child,) = [g for g in gets if g["obj"] == objects["q"]]
    assert from_child["args"]["item"] == "[42, None, 'hello']"
    assert [e["args"]["unfinished"] for e in run.kinds("queue.task_done")] == [0]


@pytest.mark.parametrize("method", METHODS)
def test_a_deadlock_between_two_processes_is_found(tmp_path: Path, method: str) -> None:
    run = run_program(tmp_path, """
        import multiprocessing as mp, sys

        def worker(first, second, mine, theirs):
            with first:
                mine.set()
                theirs.wait()
                with second:
                    pass

        if __name__ == "__main__":
            mp.set_start_method(sys.argv[1])
            lock_a = mp.Lock()
            lock_b = mp.Lock()
            one, two = mp.Event(), mp.Event()
            p1 = mp.Process(target=worker, args=(lock_a, lock_b, one, two))
            p2 = mp.Process(target=worker, args=(lock_b, lock_a, two, one))
            p1.start(); p2.start()
            p1.join(); p2.join()
    """, method)
    assert run.end["status"] == "deadlocked", run.proc.stderr
    assert run.proc.returncode == 3
    cycle = run.end["summary"]["deadlock"]["cycle"]
    assert sorted(step["waits_for"] for step in cycle) == ["lock_a", "lock_b"]
    assert len({step["thread"] >> ID_SHIFT for step in cycle}) == 2  # two different processes


def test_a_process_shared_semaphore_and_event_behave_and_record(tmp_path: Path) -> None:
    run = run_program(tmp_path, """
        import multiprocessing as mp

        def child(sem, ev, rl):
            with rl:
                with rl:
                    pass
            with sem:
                ev.set()

        if __name__ == "__main__":
            sem = mp.BoundedSemaphore(2)
            ev = mp.Event()
            rl = mp.RLock()
            p = mp.Process(target=child, args=(sem, ev, rl))
            p.start()
            print(ev.wait(10), sem.get_value())
            p.join()
            try:
                sem.release(); sem.release(); sem.release()
            except ValueError as error:
                print("ValueError", error)
    """)
    assert run.proc.stdout.splitlines()[0].startswith("True")
    assert run.proc.stdout.splitlines()[-1] == "ValueError semaphore or lock released too many times"
    objects = {e["args"]["name"]: e for e in run.kinds("obj.new")}
    assert (objects["sem"]["args"]["type"], objects["sem"]["args"]["value"]) == ("BoundedSemaphore", 2)
    depths = [e["args"]["depth"] for e in run.events if e["obj"] == objects["rl"]["obj"]
              and e["kind"] in ("lock.acquire", "lock.release")]
    assert depths == [1, 2, 1, 0]
    root = run.events[0]["pid"]
    on_event = [(e["pid"] == root, e["kind"]) for e in run.events if e["obj"] == objects["ev"]["obj"]]
    assert (False, "event.set") in on_event  # set in the child
    # The parent waited (and woke with the flag set) unless the child had set it already.
    waits = [kind for in_root, kind in on_event if in_root and kind.startswith("event.w")]
    assert waits in ([], ["event.wait", "event.wake"])


@pytest.mark.parametrize("method", METHODS)
def test_pipe_messages_are_linked_from_send_to_recv_across_processes(tmp_path: Path, method: str) -> None:
    source = """
        import multiprocessing as mp, sys

        def child(conn):
            for _ in range(3):
                conn.send(conn.recv() ** 2)
            conn.send_bytes(b"raw")

        if __name__ == "__main__":
            mp.set_start_method(sys.argv[1])
            parent_conn, child_conn = mp.Pipe()
            p = mp.Process(target=child, args=(child_conn,))
            p.start()
            for i in range(3):
                parent_conn.send(i + 2)
                print(parent_conn.recv())
            print(parent_conn.recv_bytes())
            p.join()
            reader, writer = mp.Pipe(duplex=False)
            writer.send("one way")
            print(reader.recv(), reader.poll())
    """
    run = run_program(tmp_path, source, method)
    plain = subprocess.run([sys.executable, str(tmp_path / "prog.py"), method], capture_output=True, text=True,
                           timeout=60)
    assert run.proc.stdout == plain.stdout == "4\n9\n16\nb'raw'\none way False\n", run.proc.stderr
    pipes = {e["args"]["name"]: e["obj"] for e in run.kinds("obj.new") if e["args"]["type"] == "Pipe"}
    assert set(pipes) == {"parent_conn, child_conn", "reader, writer"}
    sends = {(e["obj"], e["args"]["end"], e["args"]["id"]): e for e in run.kinds("pipe.send")}
    recvs = run.kinds("pipe.recv")
    assert len(sends) == len(recvs) == 8
    for recv in recvs:
        send = sends[(recv["obj"], 1 - recv["args"]["end"], recv["args"]["id"])]
        assert send["seq"] < recv["seq"] and send["args"]["item"] == recv["args"]["item"]
        if recv["obj"] == pipes["parent_conn, child_conn"]:
            assert send["pid"] != recv["pid"]  # every message of the first pipe crossed processes
    for tid in {e["tid"] for e in run.kinds("pipe.block")}:
        waits = [e["kind"] for e in run.kinds("pipe.block", "pipe.wake") if e["tid"] == tid]
        assert waits == ["pipe.block", "pipe.wake"] * (len(waits) // 2)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pool_tasks_are_linked_from_submit_to_worker_to_result(tmp_path: Path, method: str) -> None:
    source = """
        import multiprocessing as mp, sys
        from multiprocessing.pool import ThreadPool

        def square(x):
            return x * x

        def fail(x):
            raise ValueError(x)

        if __name__ == "__main__":
            mp.set_start_method(sys.argv[1])
            pool = mp.Pool(3)
            print(pool.apply_async(square, (7,)).get())
            print(pool.map(square, range(10), chunksize=3))
            print(list(pool.imap(square, range(4))))
            try:
                pool.apply(fail, (1,))
            except ValueError as error:
                print("ValueError", error)
            pool.close()
            pool.join()
            with ThreadPool(2) as threads:
                print(threads.map(square, [1, 2]))
    """
    run = run_program(tmp_path, source, method)
    plain = subprocess.run([sys.executable, str(tmp_path / "prog.py"), method], capture_output=True, text=True,
                           timeout=60)
    assert run.proc.stdout == plain.stdout, run.proc.stderr
    pools = {e["args"]["name"]: e["obj"] for e in run.kinds("obj.new") if e["args"]["type"].endswith("Pool")}
    assert set(pools) == {"pool", "ThreadPool-1"}
    submits = {e["args"]["job"]: e for e in run.kinds("pool.submit")}
    assert [(s["obj"], s["args"]["tasks"]) for s in submits.values()] == [
        (pools["pool"], 1), (pools["pool"], 4), (pools["pool"], None), (pools["pool"], 1), (pools["ThreadPool-1"], 2)]
    tasks = {(e["args"]["job"], e["args"]["i"]): e for e in run.kinds("pool.task")}
    dones = {(e["args"]["job"], e["args"]["i"]): e for e in run.kinds("pool.done")}
    results = {(e["args"]["job"], e["args"]["i"]): e for e in run.kinds("pool.result")}
    assert set(tasks) == set(dones) == set(results) and len(tasks) == 1 + 4 + 4 + 1 + 2
    root = run.events[0]["pid"]
    for key, task in tasks.items():
        submit, done, result = submits[key[0]], dones[key], results[key]
        assert submit["seq"] < task["seq"] < done["seq"] < result["seq"]
        assert task["tid"] == done["tid"]  # one worker ran it
        in_process_pool = submit["obj"] == pools["pool"]
        assert (task["pid"] != root) == in_process_pool
        assert done["args"]["ok"] == result["args"]["ok"] == (key != (3, 0))
    workers = {e["pid"] for e in tasks.values()} - {root}
    assert all(run.names()[pid].endswith(tuple(f"PoolWorker-{n}" for n in range(1, 4))) for pid in workers)
    assert [e["kind"] for e in run.kinds("pool.close", "pool.join", "pool.joined") if e["obj"] == pools["pool"]] == [
        "pool.close", "pool.join", "pool.joined"]
    summary = run.end["summary"]["objects"]["pool"]
    assert (summary["jobs"], summary["tasks"], summary["failed"]) == (4, 10, 1)


@pytest.mark.parametrize("method", METHODS)
def test_calls_on_a_managers_shared_objects_are_recorded_from_every_process(tmp_path: Path, method: str) -> None:
    source = """
        import multiprocessing as mp, queue, sys

        def work(shared, d, i):
            shared.append(i * i)
            d[i] = str(i)

        if __name__ == "__main__":
            mp.set_start_method(sys.argv[1])
            with mp.Manager() as manager:
                shared = manager.list()
                d = manager.dict()
                procs = [mp.Process(target=work, args=(shared, d, i)) for i in range(1, 4)]
                for p in procs:
                    p.start()
                for p in procs:
                    p.join()
                print(sorted(shared), sorted(d.items()))
                q = manager.Queue()
                q.put("x")
                print(q.get(), isinstance(q, queue.Queue))
    """
    run = run_program(tmp_path, source, method)
    plain = subprocess.run([sys.executable, str(tmp_path / "prog.py"), method], capture_output=True, text=True,
                           timeout=60)
    assert run.proc.stdout == plain.stdout == "[1, 4, 9] [(1, '1'), (2, '2'), (3, '3')]\nx False\n", run.proc.stderr
    objects = {e["args"]["name"]: e for e in run.kinds("obj.new")}
    assert objects["shared"]["args"]["type"] == "ListProxy" and objects["d"]["args"]["type"] == "DictProxy"
    appends = [e for e in run.kinds("proxy.call") if e["obj"] == objects["shared"]["obj"] and
               e["args"]["method"] == "append"]
    root = run.events[0]["pid"]
    assert len(appends) == 3 and all(e["pid"] != root for e in appends)
    assert sorted(e["args"]["args"] for e in appends) == ["1", "4", "9"]
    # The list's value, read back after each append: it holds that append
    # (and maybe others' that came in between), and the one of the append
    # that reached the manager last is the whole list (which that is, the
    # trace's order of the events need not say: each is timed in its process).
    for append in appends:
        assert int(append["args"]["args"]) in eval(append["args"]["value"])
    assert max((sorted(eval(e["args"]["value"])) for e in appends), key=len) == [1, 4, 9]
    assert run.end["summary"]["objects"]["shared"]["proxy_calls"] >= 3 + 1
    names = run.names()
    assert any(name.startswith("SyncManager") for name in names.values())


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_shared_value_race_between_processes_names_every_lost_update(tmp_path: Path, method: str) -> None:
    source = """
        import multiprocessing as mp, sys

        def add(counter, start, n):
            start.wait()
            for _ in range(n):
                counter.value += 1

        if __name__ == "__main__":
            mp.set_start_method(sys.argv[1])
            counter = mp.Value("i", 0)
            start = mp.Event()
            procs = [mp.Process(target=add, args=(counter, start, 3000)) for _ in range(2)]
            for p in procs:
                p.start()
            start.set()
            for p in procs:
                p.join()
            print(counter.value)
    """
    run = run_program(tmp_path, source, method)
    assert run.end["status"] == "finished", run.proc.stderr
    final = int(run.proc.stdout)
    watched = run.end["summary"]["watched"]["counter.value"]
    assert watched["final"] == final and watched["writes"] == 6000
    # Every increment that is missing is a lost update, and the other way round.
    assert watched["lost_updates"] == 6000 - final
    writers = {e["pid"] for e in run.kinds("var.write")}
    assert len(writers) == 2 and run.events[0]["pid"] not in writers


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_process_shared_condition_and_barrier_record_waits_and_wakes(tmp_path: Path, method: str) -> None:
    source = """
        import multiprocessing as mp, sys

        def waiter(cond, barrier, flag):
            barrier.wait()
            with cond:
                cond.wait_for(lambda: flag.value == 1)
            print("woken")

        if __name__ == "__main__":
            mp.set_start_method(sys.argv[1])
            cond = mp.Condition()
            barrier = mp.Barrier(2)
            flag = mp.Value("i", 0)
            p = mp.Process(target=waiter, args=(cond, barrier, flag))
            p.start()
            barrier.wait()
            with cond:
                flag.value = 1
                cond.notify_all()
            p.join()
            print(p.exitcode)
    """
    run = run_program(tmp_path, source, method)
    assert run.proc.stdout == "woken\n0\n", run.proc.stderr
    objects = {e["args"]["name"]: e for e in run.kinds("obj.new")}
    assert objects["cond"]["args"]["lock"] == objects["cond.lock"]["obj"]
    assert objects["barrier"]["args"]["value"] == 2
    passes = [e for e in run.kinds("barrier.pass") if e["obj"] == objects["barrier"]["obj"]]
    assert sorted(e["args"]["index"] for e in passes) == [0, 1] and len({e["pid"] for e in passes}) == 2
    cond = objects["cond"]["obj"]
    root = run.events[0]["pid"]
    assert [e["pid"] for e in run.kinds("cond.notify") if e["obj"] == cond] == [root]
    # The child waited only if it came before the notify; every wait ends in a wake of its own thread.
    for tid in {e["tid"] for e in run.kinds("cond.wait") if e["obj"] == cond}:
        mine = [e["kind"] for e in run.kinds("cond.wait", "cond.wake") if e["obj"] == cond and e["tid"] == tid]
        assert mine == ["cond.wait", "cond.wake"] * (len(mine) // 2)


@pytest.mark.parametrize("method", METHODS)
def test_process_pool_executor_calls_are_linked_to_the_worker_and_back(tmp_path: Path, method: str) -> None:
    source = """
        import concurrent.futures as cf, multiprocessing as mp, sys

        def cube(x):
            if x == 4:
                raise ValueError(x)
            return x ** 3

        if __name__ == "__main__":
            ctx = mp.get_context(sys.argv[1])
            executor = cf.ProcessPoolExecutor(max_workers=2, mp_context=ctx)
            print(list(executor.map(cube, range(4))))
            print(type(executor.submit(cube, 4).exception()).__name__)
            executor.shutdown()
    """
    run = run_program(tmp_path, source, method)
    assert run.proc.stdout == "[0, 1, 8, 27]\nValueError\n", run.proc.stderr
    (executor,) = [e for e in run.kinds("obj.new") if e["args"]["type"] == "ProcessPoolExecutor"]
    assert executor["args"]["name"] == "executor" and executor["args"]["value"] == 2
    root = run.events[0]["pid"]
    for job in range(5):
        submit, task, done, result = (
            [e for e in run.kinds(kind) if e["args"]["job"] == job]
            for kind in ("pool.submit", "pool.task", "pool.done", "pool.result"))
        assert len(submit) == len(task) == len(done) == len(result) == 1
        assert submit[0]["seq"] < task[0]["seq"] < done[0]["seq"] < result[0]["seq"]
        assert task[0]["pid"] != root and submit[0]["pid"] == result[0]["pid"] == root
        assert done[0]["args"]["ok"] == result[0]["args"]["ok"] == (job != 4)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_shared_arrays_items_are_watched_variables(tmp_path: Path, method: str) -> None:
    source = """
        import multiprocessing as mp, sys

        def fill(arr, i):
            arr[i] = i * 10
            arr[-1] += 1

        if __name__ == "__main__":
            mp.set_start_method(sys.argv[1])
            arr = mp.Array("i", 4)
            procs = [mp.Process(target=fill, args=(arr, i)) for i in range(3)]
            for p in procs:
                p.start()
            for p in procs:
                p.join()
            print(arr[:], len(arr))
    """
    run = run_program(tmp_path, source, method)
    # `arr[-1] += 1` is a read and a write, each under the array's lock but
    # not both: the children may lose an update, and the trace must say so.
    printed = run.proc.stdout.strip()
    last = int(printed.split("]")[0].split(",")[-1])
    assert printed == f"[0, 10, 20, {last}] 4", run.proc.stderr
    watched = run.end["summary"]["watched"]
    assert {name: w["final"] for name, w in watched.items() if name != "arr[0:4]"} == {
        "arr[0]": 0, "arr[1]": 10, "arr[2]": 20, "arr[3]": last}
    assert watched["arr[3]"]["writes"] == 3 and watched["arr[3]"]["lost_updates"] == 3 - last
    assert {e["pid"] for e in run.kinds("var.write")} - {run.events[0]["pid"]} == {
        e["pid"] for e in run.kinds("var.write")}  # every write came from a child


def test_a_forked_child_sees_only_its_own_thread_while_it_records(tmp_path: Path) -> None:
    # The child records through a writer thread of concviz's own; like threading,
    # sys._current_frames() must not show it (CPython's test_threading checks this).
    run = run_program(tmp_path, """
        import os, sys, threading, time
        threads = [threading.Thread(target=time.sleep, args=(0.2,)) for _ in range(4)]
        for t in threads:
            t.start()
        pid = os.fork()
        if pid == 0:
            lock = threading.Lock()
            with lock:  # recorded: the child's writer is running
                time.sleep(0.05)
            os._exit(50 + len(sys._current_frames()) + len(threading.enumerate()))
        _, status = os.waitpid(pid, 0)
        print("child exit", os.waitstatus_to_exitcode(status))
        for t in threads:
            t.join()
    """)
    assert run.proc.stdout == "child exit 52\n", run.proc.stderr
    root = run.events[0]["pid"]
    assert [e["pid"] != root for e in run.events if e["kind"] == "lock.acquire"] == [True]  # the child's lock
