"""A Manager's list is shared by every process; a plain list is not.

Concept: each process has its own memory, and a child started with a plain
list works on its own copy: the parent never sees the change. A
`multiprocessing.Manager()` starts a server process that holds the real
object; `manager.list()` returns a proxy that sends every operation to it,
so appends from any process land in the same list.

What to look for: a process named `SyncManager-1` (the manager's server)
next to the workers. Each worker appends its square to both lists; at the end
the parent prints the manager's list with every square (in the order the
workers got there) and its plain list still empty.
"""

import multiprocessing

from concviz.params import Param, read_params

PARAMS = [
    Param("processes", 5, min=1, max=20, help="how many worker processes append a square"),
]


def square(n, shared, plain):
    shared.append(n * n)
    plain.append(n * n)


if __name__ == "__main__":
    P = read_params(PARAMS)
    with multiprocessing.Manager() as manager:
        shared = manager.list()
        plain = []
        workers = [multiprocessing.Process(target=square, args=(n, shared, plain)) for n in range(1, P.processes + 1)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        print("manager list:", list(shared))
        print("plain list:", plain)
