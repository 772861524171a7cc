"""Non-blocking polling: never wait, ask again and again.

Concept: after `setblocking(False)` a socket call never waits: when nothing
is ready, `accept()` and `recv()` raise `BlockingIOError` at once. One
thread can then serve many clients by polling each socket in turn — but it
keeps asking even when nothing has happened, and burns its time doing so
(here it pauses a little between rounds, so that the trace stays small).

What to look for: the server's lane never waits on a socket; instead it is
dotted with `BlockingIOError`s (would block) between the rare rounds in
which something is ready. Several connections are open at once and are
served by the same lane. Compare with select_loop, which waits for readiness
instead of polling.
"""

import socket
import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("clients", 2, min=1, max=20, help="how many clients connect"),
    Param("messages", 2, min=1, max=20, help="how many messages each client sends"),
    Param("delay", 0.03, min=0.0, max=1.0, scale="log", unit="s", help="each client's pause between messages"),
    Param("poll_interval", 0.01, min=0.001, max=0.5, scale="log", unit="s",
          help="the server's pause between two polling rounds"),
]

P = read_params(PARAMS)


def serve(listener):
    listener.setblocking(False)
    conns = []
    accepted = 0
    while accepted < P.clients or conns:
        if accepted < P.clients:
            try:
                conn, (_, port) = listener.accept()
            except BlockingIOError:
                pass
            else:
                conn.setblocking(False)
                conns.append(conn)
                accepted += 1
                print(f"server: accepted the client from port {port}")
        for conn in list(conns):
            try:
                data = conn.recv(1024)
            except BlockingIOError:
                continue
            if data:
                conn.sendall(data.upper())
            else:
                conns.remove(conn)
                conn.close()
        time.sleep(P.poll_interval)


def client(n, port):
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for i in range(P.messages):
            time.sleep(P.delay)
            message = f"hello {i} from client {n}".encode()
            sock.sendall(message)
            reply = b""
            while len(reply) < len(message):
                reply += sock.recv(1024)
            print(f"client {n} got {reply.decode()}")


with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    server = threading.Thread(target=serve, args=(listener,), name="server")
    clients = [threading.Thread(target=client, args=(n, port), name=f"client-{n}") for n in range(P.clients)]
    server.start()
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    server.join()
print("done")
