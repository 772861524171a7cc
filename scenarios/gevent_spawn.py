"""gevent: three downloads at once on one thread, by monkey-patching the socket module.

Concept: `monkey.patch_all()` swaps the blocking parts of the standard library
(sockets, `time.sleep`, `select`...) for cooperative ones. Ordinary blocking
code such as `urllib.request.urlopen` then runs in greenlets: when a greenlet
would wait for the network, it switches to gevent's hub, which runs whichever
greenlet's socket is ready. `gevent.spawn` starts a greenlet, `gevent.joinall`
waits for a list of them. The three fetches below wait at the same time, so
they take about one server delay; the same fetches one after another take
three.

What to look for: one thread. The three fetch greenlets (Greenlet-0, -1, -2)
each print `GET`, then switch to the Hub while their request waits, and all
three requests are in flight before the first answer comes; the server's
greenlets (one per request) wait their delay side by side. The printed totals:
about one `delay` concurrently, about three sequentially. The server is
gevent's own WSGI server on 127.0.0.1 and a port the OS picked, started by the
scenario; it answers every request after `delay` seconds.
"""

from gevent import monkey

monkey.patch_all()  # first, before anything else imports socket or time

import time  # noqa: E402  (after patching, as gevent asks)
import urllib.request  # noqa: E402

import gevent  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

from concviz.params import Param, read_params  # noqa: E402

PARAMS = [
    Param("delay", 0.2, min=0.01, max=2.0, scale="log", unit="s", help="how long the server takes to answer a request"),
]
P = read_params(PARAMS)


def slow_site(environ, start_response):
    time.sleep(P.delay)  # patched: only this request's greenlet waits
    body = f"the page at {environ['PATH_INFO']}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def f(url):
    print(f"GET: {url}")
    resp = urllib.request.urlopen(url)
    data = resp.read()
    print(f"{len(data)} bytes received from {url}.")


server = WSGIServer(("127.0.0.1", 0), slow_site, log=None)
server.start()  # serves in the background: a new greenlet for every request
urls = [f"http://127.0.0.1:{server.server_port}/{site}" for site in ("python", "yahoo", "github")]

started = time.perf_counter()
gevent.joinall([gevent.spawn(f, url) for url in urls])
print(f"concurrent: {time.perf_counter() - started:.2f} s for {len(urls)} pages of {P.delay:g} s each")

started = time.perf_counter()
for url in urls:
    f(url)
print(f"sequential: {time.perf_counter() - started:.2f} s for {len(urls)} pages of {P.delay:g} s each")

server.stop()
