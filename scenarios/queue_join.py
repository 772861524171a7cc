"""Queue join: wait until every item put has been processed.

Concept: each `put()` adds an unfinished task; the consumer calls
`task_done()` once it has finished with an item it got. `q.join()` blocks
until the count of unfinished tasks is back to zero — not merely until the
queue is empty, but until the work on every item is done.

What to look for: the boss puts its items and waits in `join()`; the queue
empties quickly, yet the boss keeps waiting while the worker works. Only the
last `task_done()` (unfinished 0) releases it, and "ok" is printed after it.
"""

import queue
import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("items", 3, min=1, max=50, help="how many tasks the boss hands out"),
    Param("work", 0.05, min=0.0, max=1.0, scale="log", unit="s", help="how long the worker spends on each task"),
]

P = read_params(PARAMS)

tasks = queue.Queue()


def worker():
    for _ in range(P.items):
        task = tasks.get()
        print(f"working on {task}")
        time.sleep(P.work)
        print(f"done with {task}")
        tasks.task_done()


def boss():
    for i in range(P.items):
        tasks.put(f"task {i}")
    print("boss: all tasks handed out; join() waits for them")
    tasks.join()
    print("ok: every task is done")


threads = [threading.Thread(target=worker, name="worker"), threading.Thread(target=boss, name="boss")]
for t in threads:
    t.start()
for t in threads:
    t.join()
