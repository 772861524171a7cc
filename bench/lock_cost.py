"""Cost of one lock acquire+release: raw threading.Lock vs concviz's recorded Lock.

Each measurement runs in a fresh process with the recorder writing to
/dev/null, as in a real run: ROUNDS processes for the raw lock and as many
for the recorded one, interleaved. Prints nanoseconds per cycle (median and
quartiles of the rounds) for 1 and 4 threads, and a queue's put+get.

Four threads sharing one lock: once a thread sleeps in the lock (it found
the lock held after a GIL switch), every release wakes it through the kernel
(about 1 µs a cycle instead of 0.1) until the threads are done. CPython
switches threads every 5 ms (``sys.getswitchinterval()``), so a thread whose
share of the work takes less than that runs it all alone, never contended:
with 50,000 cycles a thread (a first version of this benchmark), the raw lock
(about 5 ms) mostly stays under that line and the recorded one (about 7 ms)
mostly crosses it, and the comparison measured which side of 5 ms each fell
on. Each of the four threads here does 250,000 cycles, many switch
intervals, so both locks are measured contended, as a program that shares a
lock for longer than a few milliseconds is.

    .venv/bin/python bench/lock_cost.py            # ROUNDS=15 by default
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time

N = 200_000
ROUNDS = int(os.environ.get("ROUNDS", 15))
CASES = [(1, "acquire/release"), (1, "with"), (4, "acquire/release"), (4, "with"), (1, "queue put+get")]


def cycles(lock: object, n: int, style: str) -> None:
    acquire, release = lock.acquire, lock.release  # type: ignore[attr-defined]
    if style == "with":
        for _ in range(n):
            with lock:  # type: ignore[attr-defined]
                pass
    else:
        for _ in range(n):
            acquire()
            release()


PER_THREAD_CONTENDED = 250_000


def lock_round(make_lock: object, threads: int, style: str) -> float:
    """ns per cycle, ``threads`` threads sharing one lock."""
    lock = make_lock()  # type: ignore[operator]
    per_thread = N if threads == 1 else PER_THREAD_CONTENDED
    start_gate = threading.Barrier(threads + 1)

    def work() -> None:
        start_gate.wait()
        cycles(lock, per_thread, style)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    start_gate.wait()
    t0 = time.perf_counter_ns()
    for w in workers:
        w.join()
    return (time.perf_counter_ns() - t0) / (per_thread * threads)


def queue_round(make_queue: object) -> float:
    """ns per put+get on one thread."""
    q = make_queue()  # type: ignore[operator]
    put, get = q.put, q.get
    n = N // 4
    t0 = time.perf_counter_ns()
    for i in range(n):
        put(i)
        get()
    return (time.perf_counter_ns() - t0) / n


def one(recorded: bool, threads: int, style: str) -> float:
    """One measurement in this process (a child of ``main``)."""
    import queue

    from concviz import instrument, recorder

    devnull = os.open(os.devnull, os.O_WRONLY)
    recorder.start(devnull, max_events=10**12)
    raw_lock, raw_queue = threading.Lock, queue.Queue
    instrument.install()
    make_lock = threading.Lock if recorded else raw_lock
    make_queue = queue.Queue if recorded else raw_queue
    try:
        if style == "queue put+get":
            queue_round(make_queue)  # warm-up
            return queue_round(make_queue)
        lock_round(make_lock, 1, style)  # warm-up
        return lock_round(make_lock, threads, style)
    finally:
        instrument.uninstall()
        recorder.stop()


def measure(recorded: bool, threads: int, style: str) -> float:
    out = subprocess.run([sys.executable, __file__, "--one", "rec" if recorded else "raw", str(threads), style],
                         check=True, capture_output=True, text=True).stdout
    return float(out)


def quartiles(values: list[float]) -> str:
    q1, q2, q3 = statistics.quantiles(values, n=4)
    return f"{q2:>7.0f} [{q1:.0f}–{q3:.0f}]"


def main() -> None:
    print(f"lock acquire+release, ns per cycle: median [quartiles] of {ROUNDS} processes each, interleaved")
    print(f"{'threads':>8} {'style':>16} {'raw':>20} {'recorded':>20} {'ratio of medians':>17}")
    for threads, style in CASES:
        raw: list[float] = []
        rec: list[float] = []
        for _ in range(ROUNDS):
            raw.append(measure(False, threads, style))
            rec.append(measure(True, threads, style))
        ratio = statistics.median(rec) / statistics.median(raw)
        print(f"{threads:>8} {style:>16} {quartiles(raw):>20} {quartiles(rec):>20} {ratio:>16.1f}x")
    print("targets: 1 thread 2x, 4 threads 3x, queue put+get 1.5x")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--one":
        print(one(sys.argv[2] == "rec", int(sys.argv[3]), sys.argv[4]))
    else:
        main()
