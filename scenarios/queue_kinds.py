"""Queue kinds: the same items through FIFO, LIFO and priority queues.

Concept: `queue.Queue` is first in, first out; `queue.LifoQueue` is last in,
first out (a stack); `queue.PriorityQueue` hands out the smallest item first
(put `(priority, data)` tuples). All three are thread-safe and block the same
way; only the order differs.

What to look for: the main lane puts the same items, in the same order, into
`fifo`, `lifo` and `priority`; then three lanes side by side each take from
one queue. Follow the arrows from put to get: straight for FIFO, reversed
for LIFO, sorted by priority for the priority queue.
"""

import queue
import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("delay", 0.02, min=0.0, max=1.0, scale="log", unit="s", help="each taker's pause between two gets"),
]

P = read_params(PARAMS)

ITEMS = [(3, "write the report"), (1, "fix the outage"), (4, "lunch"), (2, "answer email")]

fifo = queue.Queue()
lifo = queue.LifoQueue()
priority = queue.PriorityQueue()
queues = {"FIFO": fifo, "LIFO": lifo, "priority": priority}

for item in ITEMS:
    for q in queues.values():
        q.put(item)


def take(label, q):
    order = []
    while True:
        try:
            order.append(q.get_nowait())
        except queue.Empty:
            break
        time.sleep(P.delay)
    print(f"{label:>8}: " + ", ".join(f"{p} {task}" for p, task in order))


threads = [threading.Thread(target=take, args=(label, q), name=label) for label, q in queues.items()]
for t in threads:
    t.start()
for t in threads:
    t.join()
