"""asyncio streams: one thread serves every client, one task per connection.

Concept: the asynchronous IO model. `asyncio.start_server` runs a coroutine
for every connection as a task of the event loop; `await reader.readline()`
and `await writer.drain()` suspend only that task, and the loop runs whichever
task's socket is ready. So one thread holds many connections at once with
code that reads like the blocking server's, one client at a time, top to
bottom. The clients are the same plain threads with blocking sockets as in
blocking_server and select_loop, so that only the server changes (and the
server's thread holds nothing but the server).

What to look for: the server lane has an "event loop" coroutine and one task
per connection; every task runs on that one thread, all of them are alive
at the same time, and each is suspended (the loop lane runs) while its client
thinks. The clients keep their connection until every client has had a first
answer: with blocking_server's one-at-a-time server they would wait for ever.
"""

import asyncio
import socket
import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("clients", 3, min=1, max=50, help="how many clients connect"),
    Param("messages", 3, min=1, max=20, help="how many lines each client sends"),
    Param("delay", 0.02, min=0.0, max=1.0, scale="log", unit="s", help="each client's pause between lines"),
]
P = read_params(PARAMS)
hung_up = 0
all_gone = asyncio.Event()  # set in the loop when the last client has hung up


async def handle(reader, writer):
    port = writer.get_extra_info("peername")[1]
    print(f"server: serving the client from port {port}")
    while line := await reader.readline():
        writer.write(line.upper())
        await writer.drain()
    print(f"server: the client from port {port} hung up")
    writer.close()
    await writer.wait_closed()
    global hung_up
    hung_up += 1
    if hung_up == P.clients:
        all_gone.set()


async def serve(listener):
    server = await asyncio.start_server(handle, sock=listener)
    async with server:  # closes the server on the way out
        await all_gone.wait()


def run_server(listener):
    asyncio.run(serve(listener))


def client(n, port, all_answered):
    with socket.create_connection(("127.0.0.1", port)) as sock:
        replies = sock.makefile("rb")
        for i in range(P.messages):
            sock.sendall(f"hello {i} from client {n}\n".encode())
            print(f"client {n} got {replies.readline().decode().strip()}")
            if i == 0:
                all_answered.wait()
            time.sleep(P.delay)
        replies.close()


with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    all_answered = threading.Barrier(P.clients)
    server = threading.Thread(target=run_server, args=(listener,), name="server")
    clients = [threading.Thread(target=client, args=(n, port, all_answered), name=f"client-{n}")
               for n in range(P.clients)]
    server.start()
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    server.join()
print("done")
