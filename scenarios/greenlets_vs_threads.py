"""Greenlets against threads: the same ring of hand-overs, and what each costs.

Concept: a greenlet is a few hundred bytes of Python object; switching to
one is a function call that swaps stacks, with no system call. A thread is a
thread of the operating system, with its own stack; handing over to one means
waking it (a system call), and the kernel's scheduler and the GIL decide when
it runs. Both rings below do exactly the same work: `count` workers pass a
turn around the ring `rounds` times, each hand-over waking the next worker.

What to look for: the printed lines. Making the greenlets is almost free,
starting the threads is not, and a greenlet hand-over is one to two orders of
magnitude cheaper than a thread's. In the trace the greenlets are coroutine
lanes of the main thread, strictly one after another around the ring; the
threads are lanes of their own, each waiting on its `Event` until the one
before it sets it.
"""

import threading
import time
from functools import partial

from greenlet import greenlet

from concviz.params import Param, read_params

PARAMS = [
    Param("count", 1000, min=2, max=1500, scale="log", help="how many greenlets, then how many threads"),
    Param("rounds", 3, min=1, max=100, help="how many times the turn goes round each ring"),
]

LINES = False  # a trace call on every line would cost more than the switches themselves


def report(label, started, ready, handed, finished):
    hand_overs = P.count * P.rounds
    print(f"{label}: {P.count} started in {(ready - started) * 1000:.1f} ms,"
          f" {hand_overs} hand-overs in {(handed - ready) * 1000:.1f} ms"
          f" ({hand_overs / (handed - ready):,.0f} switches/s), {(finished - started) * 1000:.1f} ms in all")


def greenlet_ring():
    main = greenlet.getcurrent()

    def pass_on(i):
        main.switch()  # started: back to the main greenlet until the turn comes round
        for _ in range(P.rounds):
            ring[(i + 1) % P.count].switch()  # hand the turn to the next greenlet

    started = time.perf_counter()
    ring = [greenlet(partial(pass_on, i)) for i in range(P.count)]
    for g in ring:
        g.switch()
    ready = time.perf_counter()
    ring[0].switch()  # the first greenlet comes back here when its last round is done
    handed = time.perf_counter()
    for g in ring[1:]:  # the others stopped just after their last hand-over: let them finish
        g.switch()
    report("greenlets", started, ready, handed, time.perf_counter())


def thread_ring():
    def pass_on(i):
        for _ in range(P.rounds):
            turn[i].wait()  # wait for the turn...
            turn[i].clear()
            turn[(i + 1) % P.count].set()  # ...and hand it to the next thread

    started = time.perf_counter()
    turn = [threading.Event() for _ in range(P.count)]
    threads = [threading.Thread(target=pass_on, args=(i,)) for i in range(P.count)]
    for t in threads:
        t.start()
    ready = time.perf_counter()
    turn[0].set()
    for t in threads:
        t.join()
    handed = time.perf_counter()
    report("threads", started, ready, handed, handed)


P = read_params(PARAMS)
greenlet_ring()
thread_ring()
