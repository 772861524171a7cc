"""join(): waiting for a thread blocks only the thread that waits.

Concept: two threads sleep for 2 and 5 time units. The main thread joins the
short one first, then the long one. `join()` blocks the main thread only; the
other threads keep running while it waits.

What to look for: the main lane is "joining" (waiting) while both workers
sleep; after the short one ends, main waits on the long one; the workers
never wait on anything.
"""

import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("unit", 0.1, min=0.001, max=1.0, scale="log", unit="s",
          help="length of one time unit (the threads sleep 2 and 5 units)"),
]

P = read_params(PARAMS)


def work(name, units):
    print(f"{name} starts, sleeping {units} units")
    time.sleep(units * P.unit)
    print(f"{name} ends")


short = threading.Thread(target=work, args=("short", 2), name="short")
long = threading.Thread(target=work, args=("long", 5), name="long")
start = time.perf_counter()
short.start()
long.start()
short.join()
print(f"main: short joined after {(time.perf_counter() - start) / P.unit:.1f} units")
long.join()
print(f"main: long joined after {(time.perf_counter() - start) / P.unit:.1f} units")
