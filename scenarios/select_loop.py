"""select(): one thread serves many clients by waiting for readiness.

Concept: `select.select(readers, [], [], timeout)` blocks until at least one
of the watched sockets is ready (a new connection on the listener, data or a
hang-up on a connection) and says which. One thread can then serve every
client without ever blocking on a single one: an event loop.

What to look for: the server lane waits in `select` (not in `recv` or
`accept`) and wakes with the sockets that are ready; it alone accepts and
serves every connection, and several connections are open at the same time,
their messages interleaved. Compare with blocking_server, where clients are
served one after another.
"""

import select
import socket
import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("clients", 3, min=1, max=50, help="how many clients connect"),
    Param("messages", 2, min=1, max=20, help="how many messages each client sends"),
    Param("delay", 0.02, min=0.0, max=1.0, scale="log", unit="s", help="each client's pause between messages"),
]

P = read_params(PARAMS)


def serve(listener):
    conns = []
    accepted = 0
    while accepted < P.clients or conns:
        readable, _, _ = select.select([listener, *conns], [], [], 1.0)
        for sock in readable:
            if sock is listener:
                conn, (_, port) = listener.accept()
                conns.append(conn)
                accepted += 1
                print(f"server: accepted the client from port {port}")
            elif data := sock.recv(1024):
                sock.sendall(data.upper())
            else:
                conns.remove(sock)
                sock.close()


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
