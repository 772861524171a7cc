"""Semaphore(5): at most five threads at a time.

Concept: a semaphore holds a number of permits. `acquire()` takes one, or
waits while there are none; `release()` gives one back. Ten threads sharing
five permits run in batches of five.

What to look for: the semaphore panel never shows more than 5 permits in use;
five lanes run while five wait, then the second batch runs as the first
releases.
"""

import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("threads", 10, min=1, max=200, help="how many threads want a permit"),
    Param("permits", 5, min=1, max=50, help="the semaphore's initial value"),
    Param("work", 0.2, min=0.0, max=2.0, scale="log", unit="s", help="how long each thread keeps its permit"),
]

P = read_params(PARAMS)

semaphore = threading.Semaphore(P.permits)


def run(n):
    with semaphore:
        print(f"thread {n} has a permit")
        time.sleep(P.work)


threads = [threading.Thread(target=run, args=(i,)) for i in range(P.threads)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("all done")
