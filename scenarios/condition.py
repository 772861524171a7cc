"""Condition: hand work over, one item at a time.

Concept: a producer and a consumer share a slot guarded by a Condition. The
consumer waits (releasing the lock) until the slot is full; the producer
waits until it is empty. Each `notify()` wakes the other side, which must
then re-acquire the lock before it goes on.

What to look for: the two lanes alternate; each wait releases the
condition's lock, and each wake re-takes it. The consumer prints the items in
the order they were produced.
"""

import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("items", 5, min=1, max=100, help="how many items are handed over"),
    Param("produce_time", 0.05, min=0.0, max=1.0, scale="log", unit="s", help="time to make an item"),
    Param("consume_time", 0.1, min=0.0, max=1.0, scale="log", unit="s", help="time to use an item"),
]

P = read_params(PARAMS)

cond = threading.Condition()
slot = []


def producer():
    for i in range(P.items):
        time.sleep(P.produce_time)
        with cond:
            cond.wait_for(lambda: not slot)
            slot.append(i)
            print(f"produced {i}")
            cond.notify()


def consumer():
    for _ in range(P.items):
        with cond:
            cond.wait_for(lambda: bool(slot))
            item = slot.pop()
            print(f"consumed {item}")
            cond.notify()
        time.sleep(P.consume_time)


threads = [threading.Thread(target=producer, name="producer"), threading.Thread(target=consumer, name="consumer")]
for t in threads:
    t.start()
for t in threads:
    t.join()
