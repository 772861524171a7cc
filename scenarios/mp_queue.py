"""A multiprocessing Queue carries objects from one process to another.

Concept: processes share no memory. A `multiprocessing.Queue` pickles what
is put into it, sends the bytes through a pipe, and unpickles them in the
process that calls `get()`: the parent receives a copy of the child's list.

What to look for: the queue's `put` is in the child's lane and its `get` in
the parent's, with an arrow from one process to the other. The parent waits
in `get()` until the child, after its delay, puts the list.
"""

import multiprocessing
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("delay", 0.2, min=0.0, max=5.0, unit="s", help="how long the child works before it puts the list"),
]


def produce(q, delay):
    time.sleep(delay)
    q.put([42, None, "hello"])


if __name__ == "__main__":
    P = read_params(PARAMS)
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=produce, args=(q, P.delay))
    p.start()
    print("the parent got", q.get())
    p.join()
