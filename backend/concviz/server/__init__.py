"""The web server: REST for scenarios, runs and traces, a WebSocket per run, the page.

``app`` builds the FastAPI application and serves it; ``runs`` starts runs
(one ``Supervisor`` per run, in its own thread) and fans their events out
through ``hub`` to the viewers; ``store`` keeps runs and traces in SQLite;
``security`` refuses non-local hosts and foreign origins; ``ws`` streams a
run to a WebSocket; ``api`` is the REST surface and ``validation`` its strict
request parsing.
"""
