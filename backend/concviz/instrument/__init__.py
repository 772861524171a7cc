"""Instrumentation of the standard library, one module per primitive.

``install()`` patches everything before the program is imported;
``uninstall()`` puts every original back. Each module has its own
``install``/``uninstall`` pair.
"""

from __future__ import annotations

from concviz.instrument import (
    aio,
    aio_sync,
    barrier,
    condition,
    event,
    gevent_sync,
    greenlets,
    lines,
    locks,
    mp_futures,
    mp_manager,
    mp_pickling,
    mp_pipe,
    mp_pool,
    mp_queues,
    mp_sync,
    output,
    processes,
    queues,
    selecting,
    semaphore,
    sleep,
    sockets,
    thread_futures,
    threads,
)

_installed: list[object] = []


def install(max_threads: int = 2000, record_lines: bool = False, native: bool | None = None) -> None:
    """``native=False``: the pure-Python hot paths only (default: ``CONCVIZ_NATIVE``, on)."""
    threads.install(max_threads)
    locks.install(native)
    _installed.append(locks)
    for module in (semaphore, event, condition, barrier, sleep, output, queues, sockets, selecting,
                   processes, mp_sync, mp_queues, mp_pipe, mp_pool, mp_manager, mp_pickling, mp_futures, thread_futures,
                   greenlets, gevent_sync, aio, aio_sync):
        module.install()
        _installed.append(module)
    _installed.insert(0, threads)
    if record_lines:
        lines.install()
        _installed.append(lines)


def uninstall() -> None:
    while _installed:
        _installed.pop().uninstall()  # type: ignore[attr-defined]
