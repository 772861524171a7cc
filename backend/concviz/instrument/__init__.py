"""Instrumentation of the standard library, one module per primitive.

``install()`` patches everything before the program is imported (asyncio's
and gevent's primitives once the program imports them, ``_imports``);
``uninstall()`` puts every original back. Each module has its own
``install``/``uninstall`` pair.
"""

from __future__ import annotations

from types import ModuleType

from concviz.instrument import (
    _imports,
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


def _install_asyncio(_: ModuleType) -> None:
    from concviz.instrument import aio, aio_sync

    for module in (aio, aio_sync):
        module.install()
        _installed.append(module)


def install(max_threads: int = 2000, record_lines: bool = False, native: bool | None = None) -> None:
    """``native=False``: the pure-Python hot paths only (default: ``CONCVIZ_NATIVE``, on)."""
    threads.install(max_threads)
    locks.install(native)
    _installed.append(locks)
    for module in (semaphore, event, condition, barrier, sleep, output, queues, sockets, selecting,
                   processes, mp_sync, mp_queues, mp_pipe, mp_pool, mp_manager, mp_pickling, mp_futures, thread_futures,
                   greenlets, gevent_sync):
        module.install()
        _installed.append(module)
    # asyncio's instrumentation, once the program imports asyncio (most never
    # do, and importing it costs a child about 40 ms): as gevent's.
    _imports.when_imported("asyncio", _install_asyncio)
    _installed.insert(0, threads)
    if record_lines:
        lines.install()
        _installed.append(lines)


def uninstall() -> None:
    while _installed:
        _installed.pop().uninstall()  # type: ignore[attr-defined]
