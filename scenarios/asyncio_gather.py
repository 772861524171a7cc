"""asyncio: several tasks wait at the same time on one thread.

Concept: an `async def` function is a coroutine; `asyncio.create_task` makes
it a task that the event loop runs in steps. At every `await` of something
not ready (a sleep, another task) the task suspends and the loop runs
whatever else is ready, all on one thread. `gather` waits for all of them.

What to look for: one thread with a lane for the event loop and one per
task. The "download" tasks all sleep at once, so the whole run takes about
the longest delay, not their sum; "report" awaits the "download-2" task and
says so; between steps the event loop lane runs (and mostly waits for the
next timer).
"""

import asyncio
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("tasks", 3, min=1, max=50, help="how many download tasks"),
    Param("delay", 0.05, min=0.001, max=2.0, scale="log", unit="s", help="how long the longest download takes"),
]
P = read_params(PARAMS)


async def download(n):
    await asyncio.sleep(P.delay * (n + 1) / P.tasks)
    return f"page {n}"


async def report(task):
    page = await task
    return f"report on {page}"


async def main():
    started = time.perf_counter()
    downloads = [asyncio.create_task(download(n), name=f"download-{n}") for n in range(P.tasks)]
    summary = asyncio.create_task(report(downloads[-1]), name="report")
    results = await asyncio.gather(*downloads, summary)
    print(results)
    print(f"took {time.perf_counter() - started:.2f} s for {P.tasks} downloads of up to {P.delay:g} s")


asyncio.run(main())
