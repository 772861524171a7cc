"""The server's limits, in one place (``create_app(..., **overrides)`` and ``serve`` take them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    max_runs: int = 4
    """Runs at once; one more is refused with 429."""
    max_viewers_per_run: int = 32
    max_viewers: int = 256
    """WebSocket viewers in all (uvicorn's --limit-concurrency does not count WebSockets)."""
    max_body: int = 64 * 1024
    """Largest request body (413 beyond)."""
    max_ws_message: int = 64 * 1024
    """Largest message a WebSocket client may send."""
    send_timeout: float = 10.0
    """Seconds one WebSocket message may take to go out before the viewer is dropped."""
    max_lag: int = 500_000
    """Live events a viewer may fall behind before it is dropped."""
    batch_events: int = 1000
    """Most events in one WebSocket message."""
    batch_bytes: int = 1 << 20
    """Roughly the most bytes of events in one WebSocket message."""
    run_timeout: float = 60.0
    max_events: int = 2_000_000
    max_threads: int = 2000
    max_memory: int = 1 << 30
    """Resident bytes the processes of one run may hold together (``concviz.memory``):
    ``max_runs`` such runs fit a small machine."""
    list_limit: int = 100
    """Runs in ``GET /api/runs`` unless ``?limit=`` asks for fewer (or more, up to 1000)."""
    extra_hosts: tuple[str, ...] = ()
    """Host names accepted besides localhost, 127.0.0.1 and [::1] (e.g. the address served on)."""
    embed_origins: tuple[str, ...] = ()
    """Origins whose pages may show ``/embed/...`` in an iframe (``serve --embed-origin``); none by default."""
    sweep_jobs: int = 0
    """Runs of sweeps at once on this machine (0: one per CPU)."""
    sweep_scheduler: str | None = None
    """A Dask scheduler (``tcp://HOST:PORT``) to run sweeps on instead of this machine (``serve --scheduler``)."""
    sweep_prestart: bool = True
    """Fork the runs of sweeps from a pre-started interpreter (``concviz.experiments.zygote``)."""
    sweep_max_runs: int = 1000
    """Runs in one sweep, repeats included (422 beyond)."""
    sweep_run_events: int = 500_000
    """Event limit of each run of a sweep."""
    live_window_bytes: int = 16 << 20
    """Bytes of event lines a live run keeps in memory; older ones (already stored) are read from the store."""
    max_unstored_events: int = 200_000
    """Events of a run that may wait for the store; beyond, the run waits (and so its program)."""
    keep_alive_timeout: float = 5.0
    """Seconds an idle keep-alive connection stays open (uvicorn's ``timeout_keep_alive``)."""
    request_timeout: float = 10.0
    """Seconds a request (line, headers, body) has to arrive whole from its first byte; 408 after."""
    close_grace: float = 5.0
    """Seconds a dropped viewer that has stopped reading has to read its close before the connection is cut."""
    token: str | None = None
    """The token every request must carry (``concviz.server.auth``); None: no token (loopback only)."""
    client_runs: int = 0
    """Runs one client (IP address) may have going at once; 0: no limit (``serve`` sets limits when exposed)."""
    client_viewers: int = 0
    """WebSocket viewers one client may have open at once; 0: no limit."""
    client_rate: float = 0.0
    """Requests a second one client may make (bursts of ``client_burst``); 0: no limit."""
    client_burst: int = 60
    keep_runs: int = 10_000
    keep_days: float = 30.0
    keep_bytes: int = 2 << 30
    """Retention (``concviz.experiments.retention``): ended runs, their age, the bytes of their traces."""
