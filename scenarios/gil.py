"""The GIL: CPU-bound threads take turns; processes run side by side.

Concept: concurrency is several tasks in progress at once; parallelism is
several running at the same instant. In CPython a process runs Python code on
one thread at a time (the global interpreter lock, GIL), so threads give
concurrency but not parallelism: the same counting loop is no faster on four
threads than one after the other. Four processes each have their own
interpreter and their own GIL, and run in parallel on as many cores as the
machine has. Threads do pay when the work is waiting (sleep, I/O): waiting
releases the GIL, and the waits overlap.

What to look for: the printed times. The threads take as long as the
sequential loop; the processes take about that time divided by the number of
cores; the waiting threads take one wait, not four. In the CPU view the four
threads' lanes share one core between them (each runs a slice, then waits for
the GIL), while the four process lanes use every core at once.
"""

import multiprocessing
import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("workers", 4, min=1, max=16, help="how many threads, then how many processes, share the work"),
    Param("work", 5_000_000, min=10_000, max=100_000_000, scale="log",
          help="how many times each worker goes round the counting loop"),
    Param("wait", 0.25, min=0.0, max=5.0, unit="s", help="how long each waiting thread sleeps"),
]

LINES = False  # a trace function on the counting loop would be all there is to see


def count(n):
    while n > 0:
        n -= 1


def run_all(label, workers):
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(f"{label}: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    P = read_params(PARAMS)
    n = P.workers

    start = time.perf_counter()
    for _ in range(n):
        count(P.work)
    print(f"sequential: {time.perf_counter() - start:.2f} s")

    threads = [threading.Thread(target=count, args=(P.work,)) for _ in range(n)]
    run_all(f"{n} threads", threads)

    processes = [multiprocessing.Process(target=count, args=(P.work,)) for _ in range(n)]
    run_all(f"{n} processes", processes)

    sleepers = [threading.Thread(target=time.sleep, args=(P.wait,)) for _ in range(n)]
    run_all(f"{n} threads waiting", sleepers)
