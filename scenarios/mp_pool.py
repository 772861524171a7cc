"""A Pool: a fixed set of worker processes takes tasks as they come.

Concept: `multiprocessing.Pool(5)` starts five worker processes once.
`apply_async(f, args)` hands one call to whichever worker is free and returns
at once with an `AsyncResult`; `.get()` waits for its value. `map(f, items)`
splits many items over the same workers and returns the results in order.
`close()` says no more tasks will come; `join()` waits for the workers to
exit.

What to look for: five worker lanes (`ForkPoolWorker-1`...), started once and
reused: each takes several of the map's tasks, one after another. The
parent's lane only hands out work and waits for results.
"""

import multiprocessing
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("workers", 5, min=1, max=16, help="how many worker processes the pool has"),
    Param("tasks", 20, min=1, max=200, help="how many numbers map() squares"),
]


def square(n):
    time.sleep(0.01)  # a little work, so that the tasks spread over the workers
    return n * n


if __name__ == "__main__":
    P = read_params(PARAMS)
    pool = multiprocessing.Pool(P.workers)
    results = [pool.apply_async(square, (n,)) for n in range(P.workers)]
    print("apply_async:", [r.get() for r in results])
    print("map:", pool.map(square, range(P.tasks)))
    pool.close()
    pool.join()
