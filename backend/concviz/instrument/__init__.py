"""Instrumentation of the standard library, one module per primitive.

``install()`` patches everything before the program is imported, but for
the libraries most programs never import: asyncio's, multiprocessing's,
``concurrent.futures``' and gevent's primitives, and greenlet's switches,
are recorded once the program imports them (``_imports``). That spares
every other run their import time (about 80 ms of a child's start) and the
greenlet trace on every thread, and leaves ``sys.modules`` as the program
would see it. ``uninstall()`` puts every original back. Each module has its
own ``install``/``uninstall`` pair.
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
    output,
    queues,
    selecting,
    semaphore,
    sleep,
    sockets,
    threads,
)

_installed: list[object] = []


def _install_all(modules: tuple[ModuleType, ...]) -> None:
    for module in modules:
        module.install()
        _installed.append(module)


def _install_asyncio(_: ModuleType) -> None:
    from concviz.instrument import aio, aio_sync

    _install_all((aio, aio_sync))


def _install_multiprocessing(_: ModuleType) -> None:
    from concviz.instrument import mp_manager, mp_pickling, mp_pipe, mp_pool, mp_queues, mp_sync, processes

    _install_all((processes, mp_sync, mp_queues, mp_pipe, mp_pool, mp_manager, mp_pickling))


def _install_thread_futures(_: ModuleType) -> None:
    from concviz.instrument import thread_futures

    _install_all((thread_futures,))


def _install_process_futures(_: ModuleType) -> None:
    from concviz.instrument import mp_futures

    _install_all((mp_futures,))


def install(max_threads: int = 2000, record_lines: bool = False, native: bool | None = None) -> None:
    """``native=False``: the pure-Python hot paths only (default: ``CONCVIZ_NATIVE``, on)."""
    threads.install(max_threads)
    locks.install(native)
    _installed.append(locks)
    _install_all((semaphore, event, condition, barrier, sleep, output, queues, sockets, selecting, greenlets,
                  gevent_sync))
    # concurrent.futures.process imports multiprocessing: its hook runs first.
    _imports.when_imported("multiprocessing", _install_multiprocessing)
    _imports.when_imported("concurrent.futures.thread", _install_thread_futures)
    _imports.when_imported("concurrent.futures.process", _install_process_futures)
    _imports.when_imported("asyncio", _install_asyncio)
    _installed.insert(0, threads)
    if record_lines:
        lines.install()
        _installed.append(lines)


def uninstall() -> None:
    while _installed:
        _installed.pop().uninstall()  # type: ignore[attr-defined]
