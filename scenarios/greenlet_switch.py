"""Greenlets: two coroutines on one thread hand control to each other by hand.

Concept: a greenlet is a coroutine, a function that can stop in the middle
and be resumed later, on the same thread. Nothing runs at the same time: the
running greenlet decides when to `switch()` to another, and the other goes
on exactly where it had stopped. Switching costs no system call, no lock and
no thread.

What to look for: one thread, three coroutine lanes (the main greenlet, gr1,
gr2) of which exactly one runs at any moment; an arrow at every switch. The
output is 12, 56, 34 and never 78: when gr1 finishes, control returns to its
parent (the main greenlet), not to gr2, which stays suspended forever.
"""

from greenlet import greenlet


def test1():
    print(12)
    gr2.switch()
    print(34)


def test2():
    print(56)
    gr1.switch()
    print(78)


gr1 = greenlet(test1)
gr2 = greenlet(test2)
gr1.switch()
