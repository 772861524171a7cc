"""gevent: one greenlet that never yields stops all the others.

Concept: gevent's greenlets take turns on one thread. A greenlet runs until it
reaches something that would wait (a patched socket, `gevent.sleep`, a gevent
lock or queue) and there switches to the hub, which runs whoever is ready. A
greenlet that computes for a long time without reaching such a point never
switches: the hub, its timers and every other greenlet wait for it. Coroutines
share a thread by cooperating; nothing takes the thread away from one.

What to look for: three ticker greenlets print a tick every `tick` seconds.
The hog greenlet computes for `work` seconds in `steps` pieces, yielding with
`gevent.sleep(0.001)` between two pieces. With `steps=1` it never yields: for
`work` seconds no tick is printed, the tickers' lanes stay suspended and the
Hub does not run, and the summary says "Greenlet-3 blocked its hub: it ran
... ms without yielding" (hover its long run on the timeline). With
`steps=20` the same work is cut into pieces and the ticks go on between them.
"""

import time

import gevent

from concviz.params import Param, read_params

PARAMS = [
    Param("work", 0.4, min=0.05, max=3.0, scale="log", unit="s", help="how long the hog computes in all"),
    Param("steps", 1, min=1, max=100, help="in how many pieces, yielding between two (1: never yields)"),
    Param("tick", 0.05, min=0.01, max=0.5, scale="log", unit="s", help="how often each ticker prints"),
]
P = read_params(PARAMS)


def ticker(n):
    for i in range(int(2 * P.work / P.tick)):
        print(f"ticker {n}: tick {i}")
        gevent.sleep(P.tick)


def hog():
    gevent.sleep(P.tick * 1.5)  # let the tickers start
    print("hog: starts computing")
    for piece in range(P.steps):
        if piece > 0:
            gevent.sleep(0.001)  # a point where it can switch: the hub runs whoever is due (sleep(0) runs no timers)
        deadline = time.perf_counter() + P.work / P.steps
        while time.perf_counter() < deadline:
            sum(range(10_000))  # CPU work: no point where gevent could switch
    print("hog: done")


gevent.joinall([gevent.spawn(ticker, n) for n in range(3)] + [gevent.spawn(hog)])
