"""The deadlock fixed with one RLock.

Concept: the deadlock scenario's two locks become one re-entrant lock, used
under both names. A thread that holds it can take it again (its depth goes
up) but no other thread can, so the opposite orders no longer deadlock.

What to look for: the RLock's holder takes it twice (depth 2) in each
function; the other threads wait in line; the run always finishes.
"""

import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("threads", 10, min=2, max=100, help="how many threads run func1 then func2"),
    Param("hold", 0.001, min=0.0, max=0.5, scale="log", unit="s", help="sleep while holding the lock"),
]

P = read_params(PARAMS)

rlock = threading.RLock()
LockA = LockB = rlock


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
