"""``threading.Thread``, recorded: creation, start, begin, end, join.

The original class is patched in place (not replaced), so that every thread
— the program's, its subclasses', a library's — is a lane, and
``isinstance``, ``enumerate()`` and ``active_count()`` are untouched. Each
Thread gets a small id when it is created; its ``thread.begin`` event tells
the recorder which ident belongs to that id.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from concviz import recorder
from concviz.instrument._support import Patch, location

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_native_id = threading.get_native_id
_Thread = threading.Thread
_original_init = _Thread.__init__
_original_start = _Thread.start
_original_bootstrap_inner = _Thread._bootstrap_inner  # type: ignore[attr-defined]
_original_join = _Thread.join

max_threads = 2000
on_begin: list[Any] = []
"""Called in every thread the program starts, before it runs (per-thread hooks)."""


class ThreadLimitExceeded(RuntimeError):
    pass


def _describe_target(target: Any) -> str | None:
    if target is None:
        return None
    return getattr(target, "__qualname__", None) or getattr(target, "__name__", None) or repr(target)


def green() -> bool:
    """Whether ``threading`` starts greenlets, not threads: gevent's
    ``monkey.patch_all()`` replaced the function that starts a thread. A
    green Thread is recorded as what it is, a greenlet of its OS thread
    (``concviz.instrument.greenlets``), named after the Thread."""
    start = getattr(threading, "_start_joinable_thread", None) or getattr(threading, "_start_new_thread", None)
    return str(getattr(start, "__module__", "")).startswith("gevent")


def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    if isinstance(self, threading._DummyThread):
        return
    if green():
        self._concviz_green = None  # the greenlet's coroutine id, once it runs
        return
    tid = self._concviz_tid = next(recorder.thread_ids)
    self._concviz_error = None
    invoke_excepthook = self._invoke_excepthook

    # Uses its argument, not a closure over self: no reference cycle per thread.
    def invoke_excepthook_recorded(thread: Any) -> None:
        error = sys.exc_info()[1]
        try:
            thread._concviz_error = repr(error)
        except Exception:  # the program's exception has a broken repr: excepthook must still see it
            thread._concviz_error = f"{type(error).__name__} (unprintable)"
        invoke_excepthook(thread)

    self._invoke_excepthook = invoke_excepthook_recorded
    _append((_ns(), _ident(), "thread.new", None, {
        "thread": tid, "name": self._name, "daemon": self._daemonic,
        "target": _describe_target(self._target)}))


def start(self: Any) -> None:
    tid = getattr(self, "_concviz_tid", None)
    if tid is None or self._started.is_set() or not self._initialized:
        return _original_start(self)  # raises what the original raises
    # The limit is on threads alive at once, like the OS's own limit: a
    # program may start any number of short threads one after another.
    if len(threading._active) >= max_threads:  # type: ignore[attr-defined]
        _append((_ns(), _ident(), "limit", None, {"what": "threads", "limit": max_threads}))
        raise ThreadLimitExceeded(f"can't start new thread: concviz's limit of {max_threads} threads")
    _append((_ns(), _ident(), "thread.start", None, {"thread": tid}))
    _original_start(self)


def _bootstrap_inner(self: Any) -> None:
    tid = getattr(self, "_concviz_tid", None)
    if tid is None:
        if hasattr(self, "_concviz_green"):
            from concviz.instrument import greenlets

            self._concviz_green = greenlets.name_current(self._name)
        return _original_bootstrap_inner(self)
    me = _ident()
    _append((_ns(), me, "thread.begin", None, {
        "thread": tid, "name": self._name, "daemon": self._daemonic, "ident": me, "native": _native_id()}))
    for hook in on_begin:
        hook()
    try:
        _original_bootstrap_inner(self)
    finally:
        _append((_ns(), me, "thread.end", None, {"thread": tid, "error": self._concviz_error}))


def join(self: Any, timeout: float | None = None) -> None:
    tid = getattr(self, "_concviz_tid", None)
    target = getattr(self, "_concviz_green", None)
    if target is not None and self.is_alive() and self is not threading.current_thread():
        from concviz.instrument import greenlets

        greenlets.waits_for("join", target, self._name)
    if tid is None or not self._started.is_set() or self is threading.current_thread():
        return _original_join(self, timeout)  # raises what the original raises
    file, line = location(2)
    _append((_ns(), _ident(), "thread.join", None,
             {"thread": tid, "timeout": timeout, "file": file, "line": line}))
    try:
        _original_join(self, timeout)
    finally:
        _append((_ns(), _ident(), "thread.joined", None, {"thread": tid, "alive": self.is_alive()}))


def _without_own_threads(original: Any) -> Any:
    """``sys._current_frames`` (and ``_current_exceptions``) without concviz's
    own raw threads (``recorder.own_threads``): a forked child checking that
    it has one thread left must find one."""
    def call() -> dict[int, Any]:
        found = original()
        for ident in recorder.own_threads:
            found.pop(ident, None)
        return found

    call.__name__ = call.__qualname__ = original.__name__
    call.__doc__ = original.__doc__
    return call


_patch = Patch()


def install(limit: int = 2000) -> None:
    global max_threads
    max_threads = limit
    main = threading.main_thread()
    main._concviz_tid = recorder.main_tid  # type: ignore[attr-defined]
    main._concviz_error = None  # type: ignore[attr-defined]
    _patch.set(_Thread, "__init__", __init__)
    _patch.set(_Thread, "start", start)
    _patch.set(_Thread, "_bootstrap_inner", _bootstrap_inner)
    _patch.set(_Thread, "join", join)
    for name in ("_current_frames", "_current_exceptions"):
        if hasattr(sys, name):
            _patch.set(sys, name, _without_own_threads(getattr(sys, name)))


def uninstall() -> None:
    _patch.undo()
