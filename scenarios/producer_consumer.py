"""Producer–consumer: a bounded queue between producers and consumers.

Concept: producers put items into a queue of limited size; consumers get
them. When producers are faster, the queue fills up and `put()` blocks until
a consumer makes room; when consumers are faster, the queue runs empty and
`get()` blocks until a producer delivers. The queue's bound is what makes the
faster side wait — back-pressure.

What to look for: with the default rates (slow consumers) the queue stays
full and the producers' lanes wait on `q` in `put`; make `consume_time`
smaller than `produce_time` and it is the consumers who wait in `get`. The
queue's size never exceeds `maxsize`. Each consumer stops at a `None` the
main thread puts once every producer is done.
"""

import queue
import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("producers", 2, min=1, max=20, help="how many producer threads"),
    Param("consumers", 2, min=1, max=20, help="how many consumer threads"),
    Param("items", 5, min=1, max=100, help="how many items each producer makes"),
    Param("maxsize", 3, min=1, max=100, help="the queue's bound"),
    Param("produce_time", 0.005, min=0.0, max=1.0, scale="log", unit="s", help="time to make one item"),
    Param("consume_time", 0.03, min=0.0, max=1.0, scale="log", unit="s", help="time to use one item"),
]

P = read_params(PARAMS)

q = queue.Queue(maxsize=P.maxsize)


def producer(n):
    for i in range(P.items):
        time.sleep(P.produce_time)
        q.put(f"p{n}-{i}")


def consumer(n):
    used = 0
    while True:
        item = q.get()
        if item is None:
            break
        time.sleep(P.consume_time)
        used += 1
    print(f"consumer {n} used {used} items")


producers = [threading.Thread(target=producer, args=(n,), name=f"producer-{n}") for n in range(P.producers)]
consumers = [threading.Thread(target=consumer, args=(n,), name=f"consumer-{n}") for n in range(P.consumers)]
for t in producers + consumers:
    t.start()
for t in producers:
    t.join()
for _ in consumers:
    q.put(None)
for t in consumers:
    t.join()
print("all items produced and consumed")
