"""A first process: the parent does not wait for its child.

Concept: `multiprocessing.Process(target=child)` runs `child` in a new Python
process, with its own interpreter and its own memory. `start()` returns at
once and the parent goes on; only `join()` waits for the child to finish.
At exit, multiprocessing joins every child still running, so the program is
not over before its children are.

What to look for: two process lanes. The parent prints `ending` right after
`start()`, while the child is still asleep; the child prints `ok` later. The
parent's lane then waits in the join that multiprocessing makes at exit, until
the child exits with code 0. Set `join_first` to 1 and the parent joins
before it prints: `ok` comes first.
"""

import multiprocessing
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("delay", 0.5, min=0.0, max=5.0, unit="s", help="how long the child sleeps before it prints ok"),
    Param("join_first", 0, min=0, max=1, help="1: the parent calls join() before it prints ending"),
]


def child(delay):
    time.sleep(delay)
    print("ok")


if __name__ == "__main__":
    P = read_params(PARAMS)
    p = multiprocessing.Process(target=child, args=(P.delay,))
    p.start()
    if P.join_first:
        p.join()
    print("ending")
