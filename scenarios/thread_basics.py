"""Creating threads: from a function and from a Thread subclass.

Concept: a thread runs a function (`Thread(target=f, args=...)`) or the `run`
method of a `Thread` subclass. `start()` makes it run alongside the main
thread; the two kinds behave the same.

What to look for: the main lane starts the workers; each worker lane begins,
prints, sleeps and ends. The function threads and the subclass threads
interleave — their order changes from run to run.
"""

import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("threads", 2, min=1, max=50, help="how many threads of each kind"),
    Param("work", 0.2, min=0.0, max=2.0, scale="log", unit="s", help="how long each thread sleeps"),
]

P = read_params(PARAMS)


def greet(n):
    print(f"function thread {n} running in {threading.current_thread().name}")
    time.sleep(P.work)
    print(f"function thread {n} done")


class Greeter(threading.Thread):
    def __init__(self, n):
        super().__init__(name=f"Greeter-{n}")
        self.n = n

    def run(self):
        print(f"subclass thread {self.n} running in {self.name}")
        time.sleep(P.work)
        print(f"subclass thread {self.n} done")


threads = [threading.Thread(target=greet, args=(i,)) for i in range(P.threads)]
threads += [Greeter(i) for i in range(P.threads)]
for t in threads:
    t.start()
print("active threads:", threading.active_count())
print("names:", ", ".join(t.name for t in threading.enumerate()))
for t in threads:
    t.join()
print("main thread done")
