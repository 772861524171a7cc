"""Synthetic concviz traces for looking at the front end without a server.

A tiny discrete-event simulation of threads running scripts of operations
(line, read/write a watched variable, sleep, acquire/release a lock or
semaphore, print, start/join) writes a JSON Lines trace in the format of
``backend/concviz/events.py``: header, envelopes, end with a summary. Open
the files with the page's "Open trace…" button (standalone mode).

    python frontend/tools/synth_trace.py OUTDIR     # race.jsonl, deadlock.jsonl, semaphore.jsonl, multiprocess.jsonl

multiprocess.jsonl comes from synth_multiprocess.py (processes, CPU samples, a Pipe).
"""

from __future__ import annotations

import heapq
import itertools
import json
import sys
from pathlib import Path

from synth_multiprocess import write as write_multiprocess

US = 1_000  # ns
MS = 1_000_000

RACE_SRC = '''"""100 threads decrement a shared counter without a lock."""
import threading
import time

num = 100
gap = 0.001


def worker():
    global num
    temp = num
    time.sleep(gap)
    num = temp - 1


def main():
    threads = [threading.Thread(target=worker) for _ in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("num =", num)


main()
'''

DEADLOCK_SRC = '''"""Ten threads take two locks in opposite orders: a deadlock."""
import threading
import time

lock_a = threading.Lock()
lock_b = threading.Lock()


def forward(i):
    with lock_a:
        time.sleep(0.001)
        with lock_b:
            print(f"{i}: forward done")


def backward(i):
    with lock_b:
        time.sleep(0.001)
        with lock_a:
            print(f"{i}: backward done")


threads = []
for i in range(10):
    f = forward if i % 2 == 0 else backward
    threads.append(threading.Thread(target=f, args=(i,)))
for t in threads:
    t.start()
for t in threads:
    t.join()
'''

SEM_SRC = '''"""A Semaphore of 5 lets ten threads through in batches of five."""
import threading
import time

pool = threading.Semaphore(5)


def worker(i):
    with pool:
        print(f"worker {i} in")
        time.sleep(0.002)


threads = [threading.Thread(target=worker, args=(i,)) for i in range(10)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("all done")
'''


def line_of(src: str, text: str) -> int:
    for i, line in enumerate(src.splitlines(), 1):
        if text in line:
            return i
    raise ValueError(text)


class Sim:
    def __init__(self, path: str, src: str) -> None:
        self.path = path
        self.src = src
        self.events: list[dict] = []
        self.order = 0
        self.queue: list[tuple[int, int, int]] = []
        self.scripts: dict[int, list[tuple]] = {}
        self.pc: dict[int, int] = {}
        self.names: dict[int, str] = {0: "MainThread"}
        self.locks: dict[int, dict] = {}
        self.vars: dict[str, int] = {}
        self.local: dict[int, int] = {}
        self.finished: set[int] = set()
        self.joiners: dict[int, list[int]] = {}
        self.blocked: dict[int, int] = {}
        self.writes: list[dict] = []
        self.reads: dict[int, dict] = {}
        self.last_t = 0

    def emit(self, t: int, tid: int, kind: str, obj: int | None = None, **args: object) -> dict:
        e = {"t": t, "pid": 4242, "tid": tid, "kind": kind, "obj": obj, "args": args, "_o": self.order}
        self.order += 1
        self.events.append(e)
        self.last_t = max(self.last_t, t)
        return e

    def lock(self, obj: int, type_: str, name: str, value: int | None = None, line: int | None = None) -> None:
        self.locks[obj] = {"type": type_, "count": value or 1, "holders": [], "waiters": [], "name": name}
        self.emit(0, 0, "obj.new", obj, type=type_, name=name, value=value, lock=None, file=self.path, line=line)

    def thread(self, tid: int, name: str, script: list[tuple]) -> None:
        self.scripts[tid] = script
        self.pc[tid] = 0
        self.names[tid] = name

    def ready(self, t: int, tid: int) -> None:
        heapq.heappush(self.queue, (t, self.order, tid))
        self.order += 1

    def run(self) -> None:
        self.ready(10 * US, 0)
        while self.queue:
            t, _, tid = heapq.heappop(self.queue)
            self.step(t, tid)

    def step(self, t: int, tid: int) -> None:
        script = self.scripts[tid]
        if self.pc[tid] >= len(script):
            if tid != 0:
                self.emit(t, tid, "thread.end", None, thread=tid, error=None)
            self.finished.add(tid)
            for j in self.joiners.pop(tid, []):
                self.emit(t + 4 * US, j, "thread.joined", None, thread=tid, alive=False)
                self.ready(t + 5 * US, j)
            return
        op = script[self.pc[tid]]
        self.pc[tid] += 1
        name = op[0]
        nxt = t + 2 * US
        if name == "line":
            self.emit(t, tid, "line", None, file=self.path, line=op[1])
        elif name == "read":
            e = self.emit(t, tid, "var.read", None, name=op[1], value=self.vars[op[1]], line=op[2])
            self.local[tid] = self.vars[op[1]]
            self.reads[tid] = e
        elif name == "write":
            value = self.local[tid] - 1
            e = self.emit(t, tid, "var.write", None, name=op[1], value=value, line=op[2])
            self.writes.append({"e": e, "read": self.reads[tid], "tid": tid, "value": value})
            self.vars[op[1]] = value
        elif name == "sleep":
            self.emit(t, tid, "sleep.begin", None, seconds=op[1] / 1e9, file=self.path, line=op[2])
            self.emit(t + op[1], tid, "sleep.end", None)
            nxt = t + op[1] + 1 * US
        elif name == "print":
            self.emit(t, tid, "print", None, text=op[1] + "\n", stream="stdout")
        elif name == "start":
            other = op[1]
            self.emit(t, tid, "thread.new", None, thread=other, name=self.names[other], daemon=False, target=op[2])
            self.emit(t + 1 * US, tid, "thread.start", None, thread=other)
            self.emit(
                t + 30 * US,
                other,
                "thread.begin",
                None,
                thread=other,
                name=self.names[other],
                daemon=False,
                ident=140000 + other,
            )
            self.ready(t + 31 * US, other)
            nxt = t + 40 * US
        elif name == "join":
            other = op[1]
            self.emit(t, tid, "thread.join", None, thread=other, timeout=None, file=self.path, line=op[2])
            if other in self.finished:
                self.emit(t + 1 * US, tid, "thread.joined", None, thread=other, alive=False)
            else:
                self.joiners.setdefault(other, []).append(tid)
                return
        elif name == "acquire":
            lk = self.locks[op[1]]
            if lk["count"] > 0 and not lk["waiters"]:
                lk["count"] -= 1
                lk["holders"].append(tid)
                self.emit(t, tid, "lock.acquire", op[1], depth=None)
            else:
                self.emit(t, tid, "lock.block", op[1], timeout=None, file=self.path, line=op[2])
                lk["waiters"].append(tid)
                self.blocked[tid] = op[1]
                return
        elif name == "release":
            lk = self.locks[op[1]]
            self.emit(t, tid, "lock.release", op[1], depth=None)
            lk["holders"].remove(tid)
            lk["count"] += 1
            if lk["waiters"]:
                w = lk["waiters"].pop(0)
                del self.blocked[w]
                lk["count"] -= 1
                lk["holders"].append(w)
                self.emit(t + 6 * US, w, "lock.acquire", op[1], depth=None)
                self.ready(t + 8 * US, w)
        self.ready(nxt, tid)

    def write(self, out: Path, target: str, params: dict, status: str, summary: dict, watch: list[str]) -> None:
        self.events.sort(key=lambda e: (e["t"], e["_o"]))
        for i, e in enumerate(self.events):
            e["seq"] = i
        header = {
            "type": "header",
            "format": "concviz-trace",
            "version": 1,
            "run_id": f"synthetic-{target}",
            "target": target,
            "argv": [self.path],
            "params": params,
            "watch": watch,
            "lines": True,
            "started_at": 1760000000.0,
            "python": "3.11.2",
            "source": {self.path: self.src},
        }
        summary = {
            "threads": len(self.names),
            "events": len(self.events),
            "names": {str(k): v for k, v in self.names.items()},
            **summary,
        }
        end = {
            "type": "end",
            "status": status,
            "exit_code": 0 if status == "finished" else None,
            "duration_ns": self.last_t + 200 * US,
            "summary": summary,
            "error": None,
        }
        with out.open("w") as f:
            f.write(json.dumps(header) + "\n")
            for e in self.events:
                f.write(json.dumps({k: e[k] for k in ("seq", "t", "pid", "tid", "kind", "obj", "args")}) + "\n")
            f.write(json.dumps(end) + "\n")


def race(out: Path, n: int = 100, gap_ns: int = 1 * MS) -> None:
    src = RACE_SRC
    sim = Sim("scenarios/race.py", src)
    sim.vars["num"] = 100
    L = {
        k: line_of(src, k)
        for k in ("temp = num", "time.sleep(gap)", "num = temp - 1", "t.start()", "t.join()", "print(")
    }
    for i in range(1, n + 1):
        sim.thread(
            i,
            f"Thread-{i} (worker)",
            [
                ("line", L["temp = num"]),
                ("read", "num", L["temp = num"]),
                ("line", L["time.sleep(gap)"]),
                ("sleep", gap_ns, L["time.sleep(gap)"]),
                ("line", L["num = temp - 1"]),
                ("write", "num", L["num = temp - 1"]),
            ],
        )
    main: list[tuple] = []
    for i in range(1, n + 1):
        main += [("line", L["t.start()"]), ("start", i, "worker")]
    for i in range(1, n + 1):
        main += [("line", L["t.join()"]), ("join", i, L["t.join()"])]
    main += [("line", L["print("]), ("print", "num = {final}")]
    sim.thread(0, "MainThread", main)
    sim.run()
    final = sim.vars["num"]
    for e in sim.events:
        if e["kind"] == "print":
            e["args"]["text"] = e["args"]["text"].replace("{final}", str(final))
    # order writes by time; a write whose read is older than the previous write lost that update
    sim.events.sort(key=lambda e: (e["t"], e["_o"]))
    for i, e in enumerate(sim.events):
        e["seq"] = i
    writes = sorted(sim.writes, key=lambda w: w["e"]["seq"])
    lost = []
    for prev, w in itertools.pairwise(writes):
        if w["read"]["seq"] < prev["e"]["seq"]:
            lost.append(
                {
                    "name": "num",
                    "thread": w["tid"],
                    "read_seq": w["read"]["seq"],
                    "read_value": w["read"]["args"]["value"],
                    "write_seq": w["e"]["seq"],
                    "write_value": w["value"],
                    "overwrote": {"thread": prev["tid"], "seq": prev["e"]["seq"], "value": prev["value"]},
                }
            )
    n_lost = len(writes) - (100 - final)
    summary = {
        "objects": {},
        "watched": {"num": {"initial": 100, "final": final, "writes": len(writes), "lost_updates": n_lost}},
        "lost_updates": lost,
        "deadlock": None,
    }
    sim.write(out, "race", {"threads": n, "gap": gap_ns / 1e9}, "finished", summary, ["num"])


def deadlock(out: Path) -> None:
    src = DEADLOCK_SRC
    sim = Sim("scenarios/deadlock.py", src)
    sim.lock(1, "Lock", "lock_a", line=line_of(src, "lock_a = "))
    sim.lock(2, "Lock", "lock_b", line=line_of(src, "lock_b = "))
    fa, fs = line_of(src, "with lock_a:"), line_of(src, "time.sleep(0.001)")
    fp = line_of(src, "forward done")
    ba = [i for i, text in enumerate(src.splitlines(), 1) if "with lock_a:" in text][1]
    bbl = [i for i, text in enumerate(src.splitlines(), 1) if "with lock_b:" in text]
    bp = line_of(src, "backward done")
    for i in range(10):
        tid = i + 1
        if i % 2 == 0:
            script = [
                ("line", fa),
                ("acquire", 1, fa),
                ("line", fs),
                ("sleep", 1 * MS if i < 8 else 300 * US, fs),
                ("line", bbl[0]),
                ("acquire", 2, bbl[0]),
                ("line", fp),
                ("print", f"{i}: forward done"),
                ("release", 2),
                ("release", 1),
            ]
            name = f"Thread-{tid} (forward)"
        else:
            script = [
                ("line", bbl[1]),
                ("acquire", 2, bbl[1]),
                ("line", fs + 7),
                ("sleep", 1 * MS, fs + 7),
                ("line", ba),
                ("acquire", 1, ba),
                ("line", bp),
                ("print", f"{i}: backward done"),
                ("release", 1),
                ("release", 2),
            ]
            name = f"Thread-{tid} (backward)"
        sim.thread(tid, name, script)
    start_line, join_line = line_of(src, "t.start()"), line_of(src, "t.join()")
    main: list[tuple] = []
    for i in range(1, 11):
        main += [("line", start_line), ("start", i, "forward" if i % 2 else "backward")]
        if i == 1:
            main += [("sleep", 1500 * US, start_line)]
    for i in range(1, 11):
        main += [("line", join_line), ("join", i, join_line)]
    sim.thread(0, "MainThread", main)
    sim.run()
    # the wait-for cycle among the blocked threads
    holder = {obj: lk["holders"][0] for obj, lk in sim.locks.items() if lk["holders"]}
    start = next(iter(sim.blocked))
    seen: list[int] = []
    cur = start
    while cur not in seen:
        seen.append(cur)
        cur = holder[sim.blocked[cur]]
    cycle_tids = seen[seen.index(cur) :]
    block_line = {}
    for e in sim.events:
        if e["kind"] == "lock.block":
            block_line[e["tid"]] = e["args"]["line"]
    cycle = [
        {
            "thread": t,
            "name": sim.names[t],
            "holds": [sim.locks[o]["name"] for o, lk in sim.locks.items() if t in lk["holders"]],
            "waits_for": sim.locks[sim.blocked[t]]["name"],
            "file": sim.path,
            "line": block_line[t],
        }
        for t in cycle_tids
    ]
    summary = {"objects": {}, "watched": {}, "lost_updates": [], "deadlock": {"cycle": cycle}}
    sim.write(out, "deadlock", {"threads": 10}, "deadlocked", summary, [])


def semaphore(out: Path) -> None:
    src = SEM_SRC
    sim = Sim("scenarios/semaphore.py", src)
    sim.lock(1, "Semaphore", "pool", value=5, line=line_of(src, "pool = "))
    w, p, s = line_of(src, "with pool:"), line_of(src, 'print(f"worker'), line_of(src, "time.sleep(0.002)")
    for i in range(10):
        sim.thread(
            i + 1,
            f"Thread-{i + 1} (worker)",
            [
                ("line", w),
                ("acquire", 1, w),
                ("line", p),
                ("print", f"worker {i} in"),
                ("line", s),
                ("sleep", 2 * MS + i * 37 * US, s),
                ("release", 1),
            ],
        )
    main: list[tuple] = []
    for i in range(1, 11):
        main += [("line", line_of(src, "t.start()")), ("start", i, "worker")]
    for i in range(1, 11):
        main += [("line", line_of(src, "t.join()")), ("join", i, line_of(src, "t.join()"))]
    main += [("line", line_of(src, 'print("all done")')), ("print", "all done")]
    sim.thread(0, "MainThread", main)
    sim.run()
    sim.write(
        out,
        "semaphore",
        {"threads": 10, "permits": 5},
        "finished",
        {"objects": {}, "watched": {}, "lost_updates": [], "deadlock": None},
        [],
    )


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    race(out / "race.jsonl")
    deadlock(out / "deadlock.jsonl")
    semaphore(out / "semaphore.jsonl")
    write_multiprocess(out / "multiprocess.jsonl")
    for name in ("race", "deadlock", "semaphore", "multiprocess"):
        p = out / f"{name}.jsonl"
        print(f"{p}: {sum(1 for _ in p.open()) - 2} events")


if __name__ == "__main__":
    main()
