"""Deadlock: two locks taken in opposite orders.

Concept: each thread runs `func1` (LockA, then LockB) and then `func2` (LockB,
then LockA). Sooner or later one thread holds LockA and waits for LockB while
another holds LockB and waits for LockA: neither can ever go on.

What to look for: two lanes stuck red, each holding the lock the other wants.
concviz finds the cycle in the wait-for graph, shows it with the line each
thread waits on, and stops the run.
"""

import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("threads", 10, min=2, max=100, help="how many threads run func1 then func2"),
    Param("hold", 0.001, min=0.0, max=0.5, scale="log", unit="s", help="sleep while holding the first lock"),
]

P = read_params(PARAMS)

LockA = threading.Lock()
LockB = threading.Lock()


class Worker(threading.Thread):
    def run(self):
        self.func1()
        self.func2()

    def func1(self):
        LockA.acquire()
        print(self.name, "got LockA")
        LockB.acquire()
        print(self.name, "got LockB")
        LockB.release()
        LockA.release()

    def func2(self):
        LockB.acquire()
        print(self.name, "got LockB")
        time.sleep(P.hold)
        LockA.acquire()
        print(self.name, "got LockA")
        LockA.release()
        LockB.release()


workers = [Worker() for _ in range(P.threads)]
for w in workers:
    w.start()
for w in workers:
    w.join()
print("all done")
