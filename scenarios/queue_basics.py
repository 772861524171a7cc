"""Queue basics: first in, first out; get_nowait on an empty queue raises Empty.

Concept: a `queue.Queue` hands items from one thread to another in the order
they were put. `get()` on an empty queue blocks until an item arrives;
`get_nowait()` never blocks: on an empty queue it raises `queue.Empty` at once.

What to look for: the consumer's lane waits on `q` whenever it is faster than
the producer, and wakes when an item is put; each `get` takes the oldest item
(an arrow from its `put`). At the end `get_nowait()` finds the queue empty and
raises `queue.Empty`, which the consumer catches and prints.
"""

import queue
import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("items", 3, min=1, max=50, help="how many items the producer puts"),
    Param("delay", 0.05, min=0.0, max=1.0, scale="log", unit="s", help="producer's pause between two puts"),
]

P = read_params(PARAMS)

q = queue.Queue()


def producer():
    for i in range(P.items):
        print(f"put item {i}")
        q.put(f"item {i}")
        time.sleep(P.delay)


def consumer():
    for _ in range(P.items):
        item = q.get()
        print(f"got {item}")
    try:
        q.get_nowait()
    except queue.Empty:
        print("get_nowait(): the queue is empty, queue.Empty raised")


threads = [threading.Thread(target=producer, name="producer"), threading.Thread(target=consumer, name="consumer")]
for t in threads:
    t.start()
for t in threads:
    t.join()
