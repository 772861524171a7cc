"""`concviz run` on a user's own unmodified script."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "concviz.cli", "run", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def trace(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_script_args_output_and_exit_status_pass_through(tmp_path: Path) -> None:
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent("""
        import sys
        print("argv:", sys.argv[1:])
        print("to stderr", file=sys.stderr)
        sys.exit(int(sys.argv[1]))
    """))
    proc = run("-o", "t.jsonl", str(script), "7", "--flag", cwd=tmp_path)
    assert proc.returncode == 7
    assert proc.stdout == "argv: ['7', '--flag']\n"
    assert proc.stderr.startswith("to stderr\n")
    lines = trace(tmp_path / "t.jsonl")
    assert lines[0]["argv"] == ["7", "--flag"]
    assert lines[-1]["status"] == "finished" and lines[-1]["exit_code"] == 7
    prints = [e["args"] for e in lines[1:-1] if e["kind"] == "print"]
    assert prints == [{"text": "argv: ['7', '--flag']\n", "stream": "stdout"},
                      {"text": "to stderr\n", "stream": "stderr"}]


def test_watch_on_a_script_names_lost_updates(tmp_path: Path) -> None:
    script = tmp_path / "counter.py"
    script.write_text(textwrap.dedent("""
        import threading, time
        count = 0
        def add():
            global count
            value = count
            time.sleep(0.01)
            count = value + 1
        ts = [threading.Thread(target=add) for _ in range(5)]
        [t.start() for t in ts]
        [t.join() for t in ts]
    """))
    proc = run("--watch", "count", "-o", "t.jsonl", str(script), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    end = trace(tmp_path / "t.jsonl")[-1]
    count = end["summary"]["watched"]["count"]
    assert count["initial"] == 0 and count["writes"] == 6
    assert count["lost_updates"] == 5 - count["final"] > 0
    assert "watched count: 0 →" in proc.stderr


def test_time_limit_stops_the_run_with_124(tmp_path: Path) -> None:
    script = tmp_path / "forever.py"
    script.write_text("import threading\nthreading.Event().wait()\n")
    proc = run("--timeout", "0.5", "-o", "t.jsonl", str(script), cwd=tmp_path)
    assert proc.returncode == 124
    end = trace(tmp_path / "t.jsonl")[-1]
    assert end["status"] == "timed_out"
    assert "time limit of 0.5 s exceeded" in proc.stderr


def test_thread_limit_ends_the_run_with_limit_exceeded(tmp_path: Path) -> None:
    script = tmp_path / "many.py"
    script.write_text(textwrap.dedent("""
        import threading
        stop = threading.Event()
        for _ in range(50):
            threading.Thread(target=stop.wait, daemon=True).start()
    """))
    proc = run("--max-threads", "10", "-o", "t.jsonl", str(script), cwd=tmp_path)
    end = trace(tmp_path / "t.jsonl")[-1]
    assert end["status"] == "limit_exceeded"
    assert end["error"] == "limit of 10 threads exceeded"
    assert proc.returncode == 125


def test_processes_one_after_another_never_reach_the_thread_limit(tmp_path: Path) -> None:
    # More processes than the limit, never more than two alive at once: their
    # streams may outlast them a moment, which must not end the run.
    script = tmp_path / "forks.py"
    script.write_text(textwrap.dedent("""\
        import os
        for _ in range(100):
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
        print("forked 100")
    """))
    proc = run("--max-threads", "4", "-o", "t.jsonl", str(script), cwd=tmp_path)
    lines = trace(tmp_path / "t.jsonl")
    assert lines[-1]["status"] == "finished", lines[-1]
    assert proc.returncode == 0 and "forked 100" in proc.stdout
    assert len({e["pid"] for e in lines[1:-1] if e["kind"] == "process.begin"}) == 101


def test_event_limit_ends_the_run_with_limit_exceeded(tmp_path: Path) -> None:
    script = tmp_path / "busy.py"
    script.write_text("import threading\nlock = threading.Lock()\nwhile True:\n    with lock:\n        pass\n")
    proc = run("--max-events", "1000", "-o", "t.jsonl", str(script), cwd=tmp_path)
    lines = trace(tmp_path / "t.jsonl")
    assert lines[-1]["status"] == "limit_exceeded"
    assert lines[-2]["kind"] == "limit" and lines[-2]["args"] == {"what": "events", "limit": 1000}
    # The program recorded exactly the limit (and the limit event); the
    # supervisor's own events (the process's beginning, CPU samples) are extra.
    recorded = [e for e in lines[1:-1] if e["kind"] not in ("process.begin", "cpu")]
    assert len(recorded) == 1000 + 1
    assert proc.returncode == 125


def test_self_deadlock_on_a_plain_lock_is_a_one_thread_cycle(tmp_path: Path) -> None:
    script = tmp_path / "self.py"
    script.write_text("import threading\nm = threading.Lock()\nm.acquire()\nm.acquire()\n")
    proc = run("-o", "t.jsonl", str(script), cwd=tmp_path)
    assert proc.returncode == 3
    cycle = trace(tmp_path / "t.jsonl")[-1]["summary"]["deadlock"]["cycle"]
    assert cycle == [{"thread": 0, "name": "MainThread", "holds": ["m"], "waits_for": "m",
                      "file": str(script), "line": 4}]


def test_join_cycle_with_a_lock_is_a_deadlock(tmp_path: Path) -> None:
    script = tmp_path / "joiner.py"
    script.write_text(textwrap.dedent("""
        import threading
        gate = threading.Lock()
        def worker():
            gate.acquire()
        gate.acquire()
        t = threading.Thread(target=worker, name="worker")
        t.start()
        t.join()
    """))
    proc = run("-o", "t.jsonl", str(script), cwd=tmp_path)
    assert proc.returncode == 3
    cycle = trace(tmp_path / "t.jsonl")[-1]["summary"]["deadlock"]["cycle"]
    assert sorted(step["waits_for"] for step in cycle) == ["gate", "join(worker)"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_the_run_dies_with_the_cli_that_started_it(tmp_path: Path) -> None:
    import os
    import signal
    import time

    script = tmp_path / "forever.py"
    script.write_text("import threading\nprint('started', flush=True)\nthreading.Event().wait()\n")
    cli = subprocess.Popen([sys.executable, "-m", "concviz.cli", "run", "-o", "t.jsonl", str(script)],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert cli.stdout is not None
        assert cli.stdout.readline() == b"started\n"
        (runner,) = _children(cli.pid)
        os.kill(cli.pid, signal.SIGKILL)
        cli.wait()
        deadline = time.monotonic() + 10
        while _alive(runner) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling for a process to vanish; nothing to synchronise on
        assert not _alive(runner), "the run outlived its parent"
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        if cli.stdout is not None:
            cli.stdout.close()


def test_gevent_monkey_patching_runs_unmodified(tmp_path: Path) -> None:
    script = tmp_path / "green.py"
    script.write_text(textwrap.dedent("""
        from gevent import monkey
        monkey.patch_all()
        import gevent
        def job(n):
            gevent.sleep(0.01)
            print("done", n)
        gevent.joinall([gevent.spawn(job, i) for i in range(3)])
    """))
    proc = run(str(script), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.splitlines()) == ["done 0", "done 1", "done 2"]


def test_a_forked_child_records_as_a_process_of_its_own(tmp_path: Path) -> None:
    script = tmp_path / "forker.py"
    script.write_text(textwrap.dedent("""
        import os, sys, threading
        lock = threading.Lock()
        pid = os.fork()
        if pid == 0:
            with lock:
                print("child")
            sys.exit(0)
        os.waitpid(pid, 0)
        with lock:
            print("parent")
    """))
    proc = run("-o", "t.jsonl", str(script), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = trace(tmp_path / "t.jsonl")
    events = lines[1:-1]
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert [e["t"] for e in events] == sorted(e["t"] for e in events)
    begins = [e for e in events if e["kind"] == "process.begin"]
    assert [b["args"]["method"] for b in begins] == ["root", "fork"]
    parent, child = (b["pid"] for b in begins)
    assert begins[1]["args"]["ppid"] == parent
    assert begins[1]["tid"] == child << 20  # the child's threads never collide with the parent's
    prints = [(e["pid"], e["args"]["text"]) for e in events if e["kind"] == "print"]
    assert prints == [(child, "child\n"), (parent, "parent\n")]
    # One lock, inherited: the same object in both processes.
    acquires = [(e["pid"], e["obj"]) for e in events if e["kind"] == "lock.acquire"]
    assert acquires == [(child, acquires[0][1]), (parent, acquires[0][1])]
    ends = [e for e in events if e["kind"] in ("process.exit", "program.end")]
    assert [(e["pid"], e["kind"]) for e in ends] == [(child, "process.exit"), (parent, "program.end")]
    # process.end is the supervisor seeing the child's stream close: after its exit,
    # but not necessarily before the parent's end (the parent's waitpid may return first).
    (gone,) = [e for e in events if e["kind"] == "process.end"]
    assert gone["pid"] == child and gone["seq"] > ends[0]["seq"]


def test_a_process_gone_without_an_exit_code_is_not_called_running(tmp_path: Path) -> None:
    # os._exit and a signal skip everything that would record an exit code:
    # the summary still knows the process is gone.
    script = tmp_path / "gone.py"
    script.write_text(textwrap.dedent("""
        import os, signal, subprocess, sys
        pid = os.fork()
        if pid == 0:
            os._exit(3)
        os.waitpid(pid, 0)
        subprocess.run([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"])
    """))
    proc = run("-o", "t.jsonl", str(script), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    processes = trace(tmp_path / "t.jsonl")[-1]["summary"]["processes"]
    root = int(next(iter(processes)))
    children = [p for p in processes.values() if p["parent"] == root]
    assert len(children) == 2 and all(p["ended"] and p["exit_code"] is None for p in children)
    summary = proc.stderr.splitlines()
    assert sum(line.endswith(", ended, exit code not recorded") for line in summary) == 2, proc.stderr
    assert not any(line.endswith(", running") for line in summary), proc.stderr


def test_garbage_written_into_the_trace_pipe_ends_the_run_cleanly(tmp_path: Path) -> None:
    script = tmp_path / "vandal.py"
    script.write_text(textwrap.dedent("""
        import json, os, sys
        config = json.loads(open('/proc/self/cmdline', 'rb').read().split(b'\\0')[3])
        print("before", flush=True)
        os.write(config["trace_fd"], b"this is not json\\n")
        import threading
        threading.Event().wait()
    """))
    proc = run("-o", "t.jsonl", "--timeout", "30", str(script), cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = trace(tmp_path / "t.jsonl")
    assert lines[-1]["status"] == "crashed"
    assert lines[-1]["error"].startswith("the run's event stream was corrupted")


@pytest.mark.parametrize("forged", [b'[[99999999999999999999,1,"print",null,null]]',
                                    b'[[1,1,"print",null,null],[9999999999999999999,1,"print",null,null]]'])
def test_a_time_too_large_for_the_trace_ends_the_run_cleanly(tmp_path: Path, forged: bytes) -> None:
    script = tmp_path / "vandal.py"
    script.write_text(textwrap.dedent(f"""
        import json, os, time
        config = json.loads(open('/proc/self/cmdline', 'rb').read().split(b'\\0')[3])
        time.sleep(0.2)  # after the writer's first batches
        os.write(config["trace_fd"], {forged!r} + b"\\n")
        time.sleep(30)
    """))
    proc = run("-o", "t.jsonl", "--timeout", "30", str(script), cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    lines = trace(tmp_path / "t.jsonl")
    assert lines[-1]["status"] == "crashed"
    assert lines[-1]["error"].startswith("the run's event stream was corrupted")


def test_raw_thread_reusing_a_finished_threads_ident_gets_its_own_lane(tmp_path: Path) -> None:
    script = tmp_path / "reuse.py"
    script.write_text(textwrap.dedent("""
        import _thread, threading
        lock = threading.Lock()

        def work():
            with lock:
                pass

        for attempt in range(200):
            named = threading.Thread(target=work, name="named")
            named.start()
            named.join()
            done, got = threading.Event(), []

            def raw():
                got.append(_thread.get_ident())
                with lock:
                    pass
                done.set()

            _thread.start_new_thread(raw, ())
            done.wait()
            if got[0] == named.ident:
                print("reused")
                break
    """))
    proc = run("-q", "-o", "t.jsonl", str(script), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "reused\n"
    events = trace(tmp_path / "t.jsonl")[1:-1]
    ended: set[int] = set()
    for e in events:
        assert e["tid"] not in ended, f"{e} is on the lane of a thread that had ended"
        if e["kind"] == "thread.end":
            ended.add(e["tid"])
    lanes = {e["tid"] for e in events if e["kind"] == "lock.acquire"}
    begun = {e["tid"] for e in events if e["kind"] == "thread.begin"}
    assert lanes <= begun and len(lanes) == 2 * len([e for e in events if e["kind"] == "thread.end"])


def test_an_endless_line_in_the_trace_pipe_is_cut_off_not_held(tmp_path: Path) -> None:
    # The parent keeps a stream's partial line until its newline: a line that
    # never ends must not grow it without bound.
    script = tmp_path / "flood.py"
    script.write_text(textwrap.dedent("""
        import json, os, socket
        # A stream of its own, as a child process would open: nothing else writes into it.
        stream = socket.socket(socket.AF_UNIX)
        stream.connect(json.loads(os.environ["CONCVIZ_CHILD"])["socket"])
        chunk = b"x" * (1 << 20)
        for _ in range(200):
            stream.sendall(chunk)
        import threading
        threading.Event().wait()
    """))
    proc = run("-o", "t.jsonl", "--timeout", "30", str(script), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    end = trace(tmp_path / "t.jsonl")[-1]
    assert (end["status"], end["error"]) == (
        "crashed", "the run's event stream was corrupted: a line longer than 64 MiB without its end")
