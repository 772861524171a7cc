"""Cost of recording coroutines: a greenlet switch, an asyncio task step, a
generator send(), a gevent Semaphore acquire+release, plain against recorded.

Runs in this process with the recorder writing to /dev/null, as in a real
run. Prints nanoseconds per operation (median of several rounds) and the
ratio, and the events recorded per second while 10,000 greenlets take turns.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Callable

import greenlet

from concviz import recorder
from concviz.instrument import aio, generators, gevent_sync, greenlets

N = 100_000
ROUNDS = 5


def median_ns(run: Callable[[], int]) -> float:
    """``run`` does its operations and returns how many; ns per operation."""
    results = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter_ns()
        n = run()
        results.append((time.perf_counter_ns() - t0) / n)
        writer = recorder.writer()
        if writer is not None:
            writer.flush()
    return statistics.median(results)


def greenlet_switches() -> int:
    def pong() -> None:
        while True:
            main.switch()

    main = greenlet.getcurrent()
    other = greenlet.greenlet(pong)
    for _ in range(N // 2):
        other.switch()
    return N  # each round trip is two switches


def task_steps() -> int:
    async def stepper() -> None:
        for _ in range(N // 10):
            await asyncio.sleep(0)

    asyncio.run(stepper())
    return N // 10


def _echo():  # type: ignore[no-untyped-def]
    value = None
    while True:
        value = yield value


def plain_sends() -> int:
    gen = _echo()
    next(gen)
    for i in range(N):
        gen.send(i)
    return N


def recorded_sends() -> int:
    gen = _echo()
    next(gen)
    send = generators.record_send
    for i in range(N):
        send(gen, i, "gen")
    return N


def gevent_semaphore_cycles() -> int:
    """``gevent.lock.Semaphore`` as the program sees it (recorded once gevent_sync is installed)."""
    import gevent.lock

    sem = gevent.lock.Semaphore(1)
    for _ in range(N):
        sem.acquire()
        sem.release()
    return N


def many_greenlets() -> tuple[int, float]:
    """10,000 greenlets each switching back to the main one 10 times."""
    main = greenlet.getcurrent()

    def worker() -> None:
        for _ in range(10):
            main.switch()

    lets = [greenlet.greenlet(worker) for _ in range(10_000)]
    t0 = time.perf_counter()
    for _ in range(11):
        for g in lets:
            if not g.dead:
                g.switch()
    return 2 * 10 * len(lets), time.perf_counter() - t0


def main() -> None:
    print(f"ns per operation (median of {ROUNDS} rounds)")
    print(f"{'operation':>28} {'plain':>8} {'recorded':>9} {'ratio':>6}")
    plain = {"greenlet switch": median_ns(greenlet_switches), "asyncio task step": median_ns(task_steps),
             "generator send()": median_ns(plain_sends), "gevent Semaphore cycle": median_ns(gevent_semaphore_cycles)}
    devnull = os.open(os.devnull, os.O_WRONLY)
    recorder.start(devnull, max_events=10**12)
    greenlets.install()
    aio.install()
    gevent_sync.install()
    try:
        recorded = {"greenlet switch": median_ns(greenlet_switches), "asyncio task step": median_ns(task_steps),
                    "generator send()": median_ns(recorded_sends),
                    "gevent Semaphore cycle": median_ns(gevent_semaphore_cycles)}
        for name, p in plain.items():
            r = recorded[name]
            print(f"{name:>28} {p:>8.0f} {r:>9.0f} {r / p:>5.1f}x")
        switches, seconds = many_greenlets()
        print(f"10,000 greenlets alive: {switches / seconds:,.0f} switches/s recorded "
              f"({2 * switches / seconds:,.0f} events/s)")
    finally:
        gevent_sync.uninstall()
        aio.uninstall()
        greenlets.uninstall()
        recorder.stop()


if __name__ == "__main__":
    main()
