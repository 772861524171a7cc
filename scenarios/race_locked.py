"""The race fixed with a Lock: every decrement counts.

Concept: the same read-modify-write as the race scenario, done while holding
`lock`. Only one thread at a time can be between the read and the write, so
no update is lost — at the price of the threads running one after another.

What to look for: `num` ends at 0 with no lost update. The lock's wait queue
fills up: one lane holds it (running or sleeping), all the others are red,
waiting in line; each release hands the lock to the next waiter.
"""

import sys
import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("threads", 100, min=1, max=500, help="how many threads decrement num"),
    Param("gap", 0.001, min=0.0, max=1.0, scale="log", unit="s",
          help="sleep between reading num and writing it back"),
    Param("switch_interval", 0.005, min=0.000001, max=0.1, scale="log", unit="s",
          help="sys.setswitchinterval"),
]
WATCH = ["num"]
RESULT = "num"  # a sweep's result: num's final value (concviz.experiments.outcomes)

P = read_params(PARAMS)
sys.setswitchinterval(P.switch_interval)

num = P.threads
lock = threading.Lock()


def decrement():
    global num
    with lock:
        temp = num
        time.sleep(P.gap)
        num = temp - 1


threads = [threading.Thread(target=decrement) for _ in range(P.threads)]
for t in threads:
    t.start()
for t in threads:
    t.join()

print("final num:", num)
