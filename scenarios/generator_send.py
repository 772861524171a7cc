"""Generators as coroutines: a producer hands each item to a consumer with send().

Concept: a generator stops at every `yield` and keeps its place. `c.send(n)`
resumes it with `n` as the value of that `yield`, and gets back what it
yields next. So a producer and a consumer can take turns on one thread, with
no thread, no lock and no queue: the tutorial's "coroutine" producer and
consumer.

What to look for: one thread, a lane for the consumer coroutine `c` that runs
only between a `send()` and its next `yield`, and an arrow at every hand-over
and back. The prints alternate strictly: producing n, consuming n, the
consumer's answer, and so on; `close()` ends the consumer.
"""

from concviz.params import Param, read_params

PARAMS = [
    Param("items", 3, min=1, max=100, help="how many items the producer hands over"),
]
P = read_params(PARAMS)


def consumer():
    answer = ""
    while True:
        n = yield answer
        if not n:
            return
        print(f"[CONSUMER] consuming {n}")
        answer = "200 OK"


def produce(c):
    c.send(None)
    for n in range(1, P.items + 1):
        print(f"[PRODUCER] producing {n}")
        answer = c.send(n)
        print(f"[PRODUCER] consumer answered {answer}")
    c.close()


c = consumer()
produce(c)
