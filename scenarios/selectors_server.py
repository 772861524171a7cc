"""selectors: an event loop with callbacks.

Concept: `selectors.DefaultSelector` (epoll on Linux) is the efficient,
object-oriented form of select(). Each socket is registered once with the
events to watch and a piece of `data` — here the function to call when it is
ready. The loop asks `selector.select()` what is ready and calls each ready
socket's callback: `accept` for the listener, `read` for a connection. This
is how asyncio's event loop works underneath.

What to look for: `register` of the listener with its callback `accept`, then
one `register` per accepted connection with `read`; the server lane waits in
`select` on the selector and wakes with the ready sockets; every connection
is served by that one lane and unregistered when its client hangs up.
"""

import selectors
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

selector = selectors.DefaultSelector()
served = 0


def accept(listener):
    conn, (_, port) = listener.accept()
    conn.setblocking(False)
    selector.register(conn, selectors.EVENT_READ, read)
    print(f"server: accepted the client from port {port}")


def read(conn):
    global served
    data = conn.recv(1024)
    if data:
        conn.sendall(data.upper())
    else:
        selector.unregister(conn)
        conn.close()
        served += 1


def serve(listener):
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ, accept)
    while served < P.clients:
        for key, _mask in selector.select(timeout=1.0):
            callback = key.data
            callback(key.fileobj)
    selector.unregister(listener)


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
selector.close()
print("done")
