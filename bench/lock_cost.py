"""Cost of one lock acquire+release: raw threading.Lock vs concviz's recorded Lock.

Runs in this process with the recorder writing to /dev/null, as in a real run.
Prints nanoseconds per cycle (median of several rounds) for 1 and 4 threads.
"""

from __future__ import annotations

import os
import statistics
import threading
import time

from concviz import instrument, recorder

N = 200_000
ROUNDS = 5


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


def measure(make_lock: object, threads: int, style: str) -> float:
    results = []
    for _ in range(ROUNDS):
        lock = make_lock()  # type: ignore[operator]
        per_thread = N // threads
        start_gate = threading.Barrier(threads + 1)

        def work(lock: object, gate: threading.Barrier, n: int) -> None:
            gate.wait()
            cycles(lock, n, style)

        workers = [threading.Thread(target=work, args=(lock, start_gate, per_thread)) for _ in range(threads)]
        for w in workers:
            w.start()
        start_gate.wait()
        t0 = time.perf_counter_ns()
        for w in workers:
            w.join()
        results.append((time.perf_counter_ns() - t0) / (per_thread * threads))
        recorder.writer().flush() if recorder.writer() else None  # type: ignore[func-returns-value]
    return statistics.median(results)


def queue_cycle(make_queue: object) -> float:
    """ns per put+get on one thread (median of ROUNDS)."""
    results = []
    for _ in range(ROUNDS):
        q = make_queue()  # type: ignore[operator]
        put, get = q.put, q.get
        t0 = time.perf_counter_ns()
        for i in range(N // 4):
            put(i)
            get()
        results.append((time.perf_counter_ns() - t0) / (N // 4))
        recorder.writer().flush() if recorder.writer() else None  # type: ignore[func-returns-value]
    return statistics.median(results)


def main() -> None:
    import queue

    raw_queue = queue.Queue
    raw = threading.Lock
    devnull = os.open(os.devnull, os.O_WRONLY)
    recorder.start(devnull, max_events=10**12)
    instrument.install()
    recorded = threading.Lock
    try:
        print(f"lock acquire+release, ns per cycle (median of {ROUNDS} rounds of {N:,} cycles)")
        print(f"{'threads':>8} {'style':>16} {'raw':>8} {'recorded':>9} {'ratio':>6}")
        for threads in (1, 4):
            for style in ("acquire/release", "with"):
                r = measure(raw, threads, style)
                c = measure(recorded, threads, style)
                print(f"{threads:>8} {style:>16} {r:>8.0f} {c:>9.0f} {c / r:>5.1f}x")
        r, c = queue_cycle(raw_queue), queue_cycle(queue.Queue)
        print(f"{1:>8} {'queue put+get':>16} {r:>8.0f} {c:>9.0f} {c / r:>5.1f}x   (target: locks 2x / 3x, queue 1.5x)")
    finally:
        instrument.uninstall()
        recorder.stop()


if __name__ == "__main__":
    main()
