"""Blocking server: one client at a time; the others wait.

Concept: a server built from blocking calls — `accept()`, then `recv()` and
`sendall()` until the client hangs up — can only talk to one client at a
time. While it serves one, the others have connected (the kernel queued
their connections) but nobody reads what they send.

What to look for: the server's lane alternates between waiting in `accept`
and `recv` (socket waits) and serving; the connections `conn from :port` are
served strictly one after another. Every client's lane waits in `recv` for
its first reply until the server has finished with the clients before it.
Clients run in threads against 127.0.0.1 on a port the OS picked.
"""

import socket
import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("clients", 3, min=1, max=20, help="how many clients connect at once"),
    Param("messages", 2, min=1, max=20, help="how many messages each client sends"),
    Param("delay", 0.02, min=0.0, max=1.0, scale="log", unit="s", help="each client's pause between messages"),
]

P = read_params(PARAMS)


def serve(listener):
    for _ in range(P.clients):
        conn, (_, port) = listener.accept()
        with conn:
            print(f"server: serving the client from port {port}")
            while data := conn.recv(1024):
                conn.sendall(data.upper())
        print(f"server: the client from port {port} hung up")


def client(n, port, all_connected):
    with socket.create_connection(("127.0.0.1", port)) as sock:
        all_connected.wait()
        for i in range(P.messages):
            message = f"hello {i} from client {n}".encode()
            sock.sendall(message)
            reply = b""
            while len(reply) < len(message):
                reply += sock.recv(1024)
            print(f"client {n} got {reply.decode()}")
            time.sleep(P.delay)


with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    all_connected = threading.Barrier(P.clients)
    server = threading.Thread(target=serve, args=(listener,), name="server")
    clients = [threading.Thread(target=client, args=(n, port, all_connected), name=f"client-{n}")
               for n in range(P.clients)]
    server.start()
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    server.join()
print("done")
