"""asyncio: tasks take turns on an `asyncio.Lock` — and two tasks deadlock.

Concept: an `asyncio.Lock` is held by a task, not a thread. A task that
finds it taken suspends at `async with lock:` and the event loop runs the
others; `release` wakes the first waiter. Tasks never run at the same time
(one thread), yet they can still deadlock: task A holds lock_a and awaits
lock_b while task B holds lock_b and awaits lock_a — neither can ever resume.

What to look for: with `deadlock` off, the "worker" tasks hold `counter_lock`
one after another (its holder is a task, its waiters queue up in order) and
the count comes out exact. With `deadlock` at 1, "transfer-ab" and
"transfer-ba" each hold one account lock and wait for the other: concviz
finds the cycle between the two tasks, draws it, and stops the run.
"""

import asyncio

from concviz.params import Param, read_params

PARAMS = [
    Param("workers", 4, min=1, max=50, help="how many tasks share counter_lock"),
    Param("rounds", 3, min=1, max=100, help="how often each worker takes the lock"),
    Param("hold", 0.01, min=0.0, max=1.0, unit="s", help="how long a worker holds the lock (an await inside it)"),
    Param("deadlock", 0, min=0, max=1, help="1: then run two transfers that take the account locks in opposite order"),
]
P = read_params(PARAMS)

count = 0


async def worker(counter_lock):
    global count
    for _ in range(P.rounds):
        async with counter_lock:
            seen = count
            await asyncio.sleep(P.hold)  # other tasks run meanwhile, but cannot enter
            count = seen + 1


async def transfer(first, second):
    async with first:
        await asyncio.sleep(0.01)  # let the other transfer take its first lock
        async with second:
            print("transferred")


async def main():
    counter_lock = asyncio.Lock()
    workers = [asyncio.create_task(worker(counter_lock), name=f"worker-{n}") for n in range(P.workers)]
    await asyncio.gather(*workers)
    print(f"count = {count} (expected {P.workers * P.rounds})")
    if P.deadlock:
        lock_a = asyncio.Lock()
        lock_b = asyncio.Lock()
        await asyncio.gather(
            asyncio.create_task(transfer(lock_a, lock_b), name="transfer-ab"),
            asyncio.create_task(transfer(lock_b, lock_a), name="transfer-ba"),
        )


asyncio.run(main())
