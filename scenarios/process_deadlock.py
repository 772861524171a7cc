"""Deadlock across processes: two multiprocessing Locks taken in opposite orders.

Concept: a `multiprocessing.Lock` is shared by every process it is given to,
and deadlocks just like a thread lock. One process takes `lock_a` then
`lock_b`; the other takes `lock_b` then `lock_a`. Each gets its first lock,
pauses, and then waits forever for the lock the other one holds.

What to look for: two process lanes stuck, each holding the lock the other
wants, while the parent waits in `join()`. concviz finds the cycle across the
two processes, shows the line each one waits on, and stops the run.
"""

import multiprocessing
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("pause", 0.1, min=0.0, max=2.0, unit="s", help="sleep between taking the first lock and the second"),
]


def take_both(first, second, pause):
    name = multiprocessing.current_process().name
    with first:
        print(name, "has its first lock")
        time.sleep(pause)
        with second:
            print(name, "has both locks")


if __name__ == "__main__":
    P = read_params(PARAMS)
    lock_a = multiprocessing.Lock()
    lock_b = multiprocessing.Lock()
    workers = [
        multiprocessing.Process(target=take_both, args=(lock_a, lock_b, P.pause), name="a-then-b"),
        multiprocessing.Process(target=take_both, args=(lock_b, lock_a, P.pause), name="b-then-a"),
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("both finished")
