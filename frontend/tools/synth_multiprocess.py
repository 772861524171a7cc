"""A synthetic multi-process concviz trace, for looking at the front end's
process headers, CPU strips and cross-process arrows without a backend.

Three worker processes (fork) count primes for tasks the main process puts
into a multiprocessing Queue, on a machine with two cores, so that three busy
workers wait for a core a third of the time; a fourth process logs what the
main process sends it through a Pipe and is terminated at the end. CPU samples
every 10 ms, as the supervisor takes them from /proc/PID/task/TID/schedstat.

    python frontend/tools/synth_multiprocess.py OUT.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

US = 1_000
MS = 1_000_000
SAMPLE = 10 * MS
CORES = 2

SRC = '''"""Three worker processes count primes for tasks from a Queue; a logger gets messages through a Pipe."""
import multiprocessing as mp


def count_primes(n):
    return sum(all(k % d for d in range(2, int(k ** 0.5) + 1)) for k in range(2, n))


def worker(tasks, results):
    while (n := tasks.get()) is not None:
        results.put(count_primes(n))


def logger(conn):
    while True:
        print(conn.recv())


if __name__ == "__main__":
    tasks, results = mp.Queue(), mp.Queue()
    parent, child = mp.Pipe()
    workers = [mp.Process(target=worker, args=(tasks, results)) for _ in range(3)]
    log = mp.Process(target=logger, args=(child,))
    for p in workers + [log]:
        p.start()
    for n in [30000, 50000, 20000, 40000, 60000, 25000, 35000, 45000, 15000]:
        tasks.put(n)
    for i in range(9):
        parent.send(f"result {i}: {results.get()}")
    for p in workers:
        tasks.put(None)
    for p in workers:
        p.join()
    log.terminate()
    log.join()
'''

PATH = "examples/mp_primes.py"
ROOT = 5100
PPID = 5000


def line_of(text: str) -> int:
    for i, line in enumerate(SRC.splitlines(), 1):
        if text in line:
            return i
    raise ValueError(text)


class Trace:
    def __init__(self) -> None:
        self.events: list[dict] = []
        self.order = 0

    def emit(self, t: int, pid: int, tid: int, kind: str, obj: int | None = None, /, **args: object) -> None:
        self.events.append(
            {"t": int(t), "pid": pid, "tid": tid, "kind": kind, "obj": obj, "args": args, "_o": self.order}
        )
        self.order += 1


def main_tid(pid: int) -> int:
    return pid << 20


def build() -> tuple[list[dict], dict, int]:
    tr = Trace()
    e = tr.emit
    # busy[(pid, tid)] = [(a, b)] intervals of CPU-bound work; light[(pid, tid)] = [(a, b, share)]
    busy: dict[tuple[int, int], list[tuple[int, int]]] = {}
    light: dict[tuple[int, int], list[tuple[int, int, float]]] = {}

    e(0, ROOT, 0, "process.begin", None, pid=ROOT, ppid=PPID, name="MainProcess", method="root")
    light[(ROOT, 0)] = [(0, 4 * MS, 0.9)]
    e(
        4 * MS,
        ROOT,
        0,
        "obj.new",
        1,
        type="Queue",
        name="tasks",
        value=None,
        lock=None,
        file=PATH,
        line=line_of("tasks, results ="),
    )
    e(
        4 * MS + 20 * US,
        ROOT,
        0,
        "obj.new",
        2,
        type="Queue",
        name="results",
        value=None,
        lock=None,
        file=PATH,
        line=line_of("tasks, results ="),
    )
    e(
        4 * MS + 40 * US,
        ROOT,
        0,
        "obj.new",
        3,
        type="Pipe",
        name="parent, child",
        value=None,
        lock=None,
        file=PATH,
        line=line_of("mp.Pipe()"),
    )
    workers = [ROOT + 1, ROOT + 2, ROOT + 3]
    logger = ROOT + 4
    t = 5 * MS
    for i, pid in enumerate([*workers, logger]):
        name = f"Process-{i + 1}"
        e(t, ROOT, 0, "line", None, file=PATH, line=line_of("p.start()"))
        e(t + 10 * US, ROOT, 0, "process.start", None, pid=pid, name=name)
        begin = t + 2600 * US
        e(begin, pid, main_tid(pid), "process.begin", None, pid=pid, ppid=ROOT, name=None, method="fork")
        e(begin + 150 * US, pid, main_tid(pid), "process.name", None, name=name)
        light[(pid, main_tid(pid))] = [(begin, begin + 2 * MS, 0.8)]
        t += 3 * MS
    light[(ROOT, 0)].append((5 * MS, t, 0.7))

    # The main thread puts the tasks; a feeder thread (multiprocessing's) starts with the first put.
    sizes = [30000, 50000, 20000, 40000, 60000, 25000, 35000, 45000, 15000]
    put_t: list[int] = []
    e(t, ROOT, 0, "thread.new", None, thread=1, name="QueueFeederThread", daemon=True, target="_feed")
    e(t + 10 * US, ROOT, 0, "thread.start", None, thread=1)
    e(
        t + 60 * US,
        ROOT,
        1,
        "thread.begin",
        None,
        thread=1,
        name="QueueFeederThread",
        daemon=True,
        ident=140001,
        native=ROOT + 40,
    )
    light[(ROOT, 1)] = [(t, t + 2 * MS, 0.3)]
    t += 200 * US
    for k, n in enumerate(sizes):
        e(t, ROOT, 0, "line", None, file=PATH, line=line_of("tasks.put(n)"))
        e(t + 20 * US, ROOT, 0, "queue.put", 1, id=k + 1, item=str(n), size=k + 1, op="put")
        put_t.append(t + 20 * US)
        t += 120 * US
    light[(ROOT, 0)].append((put_t[0] - 200 * US, t, 0.8))

    # Workers: each takes the next task when free; a task of n costs n/600 µs of CPU... stretched by sharing two cores.
    free = {pid: 5 * MS + 2600 * US + 3 * MS * i + 2 * MS for i, pid in enumerate(workers)}
    results: list[tuple[int, int, int]] = []  # (t, pid, value)
    next_task = 0
    remaining = {pid: [] for pid in workers}
    while next_task < len(sizes):
        pid = min(workers, key=lambda p: free[p])
        remaining[pid].append(next_task)
        ft = free[pid]
        tid = main_tid(pid)
        avail = put_t[next_task]
        if ft < avail:
            e(ft, pid, tid, "queue.block", 1, op="get", timeout=None, file=PATH, line=line_of("tasks.get()"))
            e(avail + 80 * US, pid, tid, "queue.wake", 1, op="get", ok=True)
            ft = avail + 80 * US
        e(
            ft + 20 * US,
            pid,
            tid,
            "queue.get",
            1,
            id=next_task + 1,
            item=str(sizes[next_task]),
            size=len(sizes) - next_task - 1,
        )
        dur = int(sizes[next_task] / 1000 * MS * 1.2)
        a = ft + 40 * US
        busy.setdefault((pid, tid), []).append((a, a + dur))
        e(a, pid, tid, "line", None, file=PATH, line=line_of("return sum(all("))
        value = sizes[next_task] // 10 - 3
        e(a + dur, pid, tid, "line", None, file=PATH, line=line_of("results.put("))
        e(a + dur + 30 * US, pid, tid, "queue.put", 2, id=next_task + 1, item=str(value), size=1)
        results.append((a + dur + 30 * US, pid, value))
        free[pid] = a + dur + 100 * US
        next_task += 1

    # The main thread gets the results as they come and sends each to the logger.
    t = max(t, put_t[-1] + 100 * US)
    log_tid = main_tid(logger)
    e(t - 50 * US, logger, log_tid, "pipe.block", 3, end=1, file=PATH, line=line_of("print(conn.recv())"))
    results.sort()
    for i, (rt, _pid, value) in enumerate(results):
        if t < rt:
            e(t, ROOT, 0, "queue.block", 2, op="get", timeout=None, file=PATH, line=line_of("results.get()"))
            e(rt + 90 * US, ROOT, 0, "queue.wake", 2, op="get", ok=True)
            t = rt + 90 * US
        e(t + 20 * US, ROOT, 0, "queue.get", 2, id=i + 1, item=str(value), size=0)
        msg = f"'result {i}: {value}'"
        e(t + 60 * US, ROOT, 0, "pipe.send", 3, end=0, id=i + 1, item=msg, bytes=len(msg) + 20)
        light[(ROOT, 0)].append((t, t + 200 * US, 0.9))
        r = t + 260 * US
        e(r, logger, log_tid, "pipe.wake", 3, end=1)
        e(r + 15 * US, logger, log_tid, "pipe.recv", 3, end=1, id=i + 1, item=msg, bytes=len(msg) + 20)
        e(r + 40 * US, logger, log_tid, "print", None, text=msg.strip("'") + "\n", stream="stdout")
        light[(logger, log_tid)] = [*light.get((logger, log_tid), []), (r, r + 150 * US, 0.9)]
        e(r + 60 * US, logger, log_tid, "pipe.block", 3, end=1, file=PATH, line=line_of("print(conn.recv())"))
        t += 200 * US

    # Stop the workers, join them, terminate the logger.
    for k in range(3):
        e(t, ROOT, 0, "queue.put", 1, id=len(sizes) + k + 1, item="None", size=k + 1)
        t += 60 * US
    sentinel = len(sizes) + 1
    for pid in sorted(workers, key=lambda p: free[p]):
        tid = main_tid(pid)
        ft = max(free[pid], t)
        e(ft + 20 * US, pid, tid, "queue.get", 1, id=sentinel, item="None", size=0)
        sentinel += 1
        e(ft + 300 * US, pid, tid, "process.exit", None, exit_code=0)
        e(ft + 900 * US, pid, tid, "process.end", None, pid=pid)
        free[pid] = ft + 900 * US
    for pid in workers:
        e(t, ROOT, 0, "line", None, file=PATH, line=line_of("p.join()"))
        e(t + 20 * US, ROOT, 0, "process.join", None, pid=pid, timeout=None, file=PATH, line=line_of("p.join()"))
        t = max(t + 40 * US, free[pid] + 100 * US)
        e(t, ROOT, 0, "process.joined", None, pid=pid, exit_code=0)
        t += 30 * US
    e(t, ROOT, 0, "line", None, file=PATH, line=line_of("log.terminate()"))
    e(t + 30 * US, ROOT, 0, "process.terminate", None, pid=logger)
    e(t + 60 * US, ROOT, 0, "process.join", None, pid=logger, timeout=None, file=PATH, line=line_of("log.join()"))
    e(t + 1300 * US, logger, log_tid, "process.end", None, pid=logger)
    e(t + 1500 * US, ROOT, 0, "process.joined", None, pid=logger, exit_code=-15)
    t += 1500 * US
    e(t + 200 * US, ROOT, 1, "thread.end", None, thread=1, error=None)
    light[(ROOT, 0)].append((t, t + 1 * MS, 0.6))
    e(t + 1200 * US, ROOT, 0, "process.exit", None, exit_code=0)
    end_t = t + 2 * MS
    e(end_t, ROOT, 0, "process.end", None, pid=ROOT)

    # CPU samples: two cores shared by whoever is busy; a sample only when something changed.
    threads = set(busy) | set(light)
    for k in range(1, end_t // SAMPLE + 2):
        b = k * SAMPLE + 3 * MS
        a = b - SAMPLE
        over: dict[tuple[int, int], int] = {}
        for key, ivs in busy.items():
            over[key] = sum(max(0, min(y, b) - max(x, a)) for x, y in ivs)
        demand = sum(over.values()) / SAMPLE
        share = min(1.0, CORES / demand) if demand > 0 else 1.0
        for key in sorted(threads):
            pid, tid = key
            want = over.get(key, 0)
            on = int(want * share)
            wait = want - on
            on += int(sum(max(0, min(y, b) - max(x, a)) * s for x, y, s in light.get(key, [])))
            if on > 0 or wait > 0:
                e(min(b, end_t), pid, tid, "cpu", None, on=on, wait=wait, dt=SAMPLE if b <= end_t else end_t - a)

    events = sorted(tr.events, key=lambda ev: (ev["t"], ev["_o"]))
    for i, ev in enumerate(events):
        ev["seq"] = i
        del ev["_o"]
    cpu_s: dict[int, float] = {}
    for ev in events:
        if ev["kind"] == "cpu":
            cpu_s[ev["pid"]] = cpu_s.get(ev["pid"], 0) + ev["args"]["on"] / 1e9
    names = {ROOT: "MainProcess", **{p: f"Process-{i + 1}" for i, p in enumerate([*workers, logger])}}
    exits = {ROOT: 0, **{p: 0 for p in workers}, logger: -15}
    processes = {
        str(p): {
            "name": names[p],
            "parent": PPID if p == ROOT else ROOT,
            "exit_code": exits[p],
            "threads": 2 if p == ROOT else 1,
            "cpu_s": round(cpu_s.get(p, 0), 4),
        }
        for p in names
    }
    summary = {
        "threads": 6,
        "events": len(events),
        "names": {"0": "MainThread", "1": "QueueFeederThread"},
        "objects": {
            "tasks": {"kind": "Queue", "puts": 12, "gets": 12, "max_items": 9},
            "results": {"kind": "Queue", "puts": 9, "gets": 9, "max_items": 2},
        },
        "watched": {},
        "lost_updates": [],
        "deadlock": None,
        "processes": processes,
    }
    return events, summary, end_t


def write(out: Path) -> int:
    """Writes the trace to `out`; returns the number of events."""
    events, summary, end_t = build()
    header = {
        "type": "header",
        "format": "concviz-trace",
        "version": 1,
        "run_id": "synthetic-mp",
        "target": PATH,
        "argv": [PATH],
        "params": {},
        "watch": [],
        "lines": True,
        "started_at": 1760000000.0,
        "python": "3.11.2",
        "source": {PATH: SRC},
    }
    end = {
        "type": "end",
        "status": "finished",
        "exit_code": 0,
        "duration_ns": end_t + 500 * US,
        "summary": summary,
        "error": None,
    }
    with out.open("w") as f:
        f.write(json.dumps(header) + "\n")
        for ev in events:
            f.write(json.dumps(ev) + "\n")
        f.write(json.dumps(end) + "\n")
    return len(events)


def main() -> None:
    out = Path(sys.argv[1])
    print(out, write(out), "events")


if __name__ == "__main__":
    main()
