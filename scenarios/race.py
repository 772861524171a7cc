"""Race condition: many threads decrement one shared counter.

Concept: `temp = num; sleep(gap); num = temp - 1` is a read-modify-write. When
a thread is switched out between its read and its write, another thread reads
the same old value, and one of the two decrements is lost.

What to look for: the watched variable `num` should end at 0 but ends higher;
the banner names each lost update — the thread that read a stale value and
the write it overwrote. Set the gap to 0 and the switch interval high and the
race almost disappears; any gap at all and most updates are lost.
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
          help="sys.setswitchinterval: how long a thread runs before the interpreter may switch"),
]
WATCH = ["num"]
RESULT = "num"  # a sweep's result: num's final value (concviz.experiments.outcomes)

P = read_params(PARAMS)
sys.setswitchinterval(P.switch_interval)

num = P.threads


def decrement():
    global num
    temp = num
    time.sleep(P.gap)
    num = temp - 1


threads = [threading.Thread(target=decrement) for _ in range(P.threads)]
for t in threads:
    t.start()
for t in threads:
    t.join()

print("final num:", num)
