"""A Pipe: two connected ends, each can send and receive.

Concept: `multiprocessing.Pipe()` returns two connection objects, one for
each end. Whatever one end `send()`s (any picklable object), the other end
`recv()`s, in order; `recv()` waits until something arrives. Here the parent
sends numbers and the child answers each with its square, then `None` says
there is nothing more.

What to look for: the parent's lane and the child's lane take turns: the
child waits in `recv()` until the parent sends, then the parent waits in
`recv()` until the child replies. Each message is an arrow from one process
to the other.
"""

import multiprocessing

from concviz.params import Param, read_params

PARAMS = [
    Param("messages", 3, min=1, max=100, help="how many numbers the parent sends"),
]


def square_server(conn):
    while (n := conn.recv()) is not None:
        conn.send(n * n)
    conn.close()


if __name__ == "__main__":
    P = read_params(PARAMS)
    parent_end, child_end = multiprocessing.Pipe()
    p = multiprocessing.Process(target=square_server, args=(child_end,))
    p.start()
    for n in range(1, P.messages + 1):
        parent_end.send(n)
        print(f"sent {n}, got back {parent_end.recv()}")
    parent_end.send(None)
    p.join()
