"""Event: one signal releases every waiting thread at once.

Concept: threads call `event.wait()` and block while the flag is false. When
the main thread calls `event.set()`, all of them wake together.

What to look for: five lanes waiting on `event` from the moment they start;
the main lane sets it; all five wake at the same instant.
"""

import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("threads", 5, min=1, max=200, help="how many threads wait for the event"),
    Param("delay", 0.3, min=0.0, max=5.0, scale="log", unit="s", help="how long main waits before set()"),
]

P = read_params(PARAMS)

event = threading.Event()
ready = threading.Barrier(P.threads + 1)


def waiter(n):
    ready.wait()
    print(f"thread {n} waits for the event")
    event.wait()
    print(f"thread {n} released")


threads = [threading.Thread(target=waiter, args=(i,)) for i in range(P.threads)]
for t in threads:
    t.start()
ready.wait()
time.sleep(P.delay)
print("main: set()")
event.set()
for t in threads:
    t.join()
