"""greenlet switches, recorded: every greenlet (a raw ``greenlet``, a gevent
``Greenlet``, gevent's hub) is a coroutine lane of the thread it runs on.

``greenlet.settrace`` calls a function on every switch and throw, in the
thread that switches (it is set per thread: here for the main thread and,
through ``threads.on_begin``, for every thread the program starts). It is
set once the program imports ``greenlet`` (gevent imports it too), not
before: a trace on every thread of every run costs each thread's start about
5 µs, enough to shift the tutorial's race (``bench/observer_effect.py``). A
thread already running when the program first imports greenlet, other than
the importing one, is not traced.

A greenlet is introduced (``coro.new``) the first time it is seen; gevent's
are named by gevent (``Greenlet-0``, ``Hub``). A raw greenlet's ``run`` is
gone by then and no frame says who holds it, and ``greenlet.greenlet`` can
be neither patched (an immutable type) nor replaced by a subclass (gevent's
compiled code takes its layout for granted), so it is named when it first
switches away: after the module-level variable that holds it (``gr1``), else
its function (``coro.name``). A switch away from a dead greenlet is its end.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from concviz import recorder
from concviz.instrument import threads
from concviz.instrument._imports import when_imported
from concviz.instrument._support import ObjectIds, is_user_file, report_once

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_ids = ObjectIds()
_unnamed: set[int] = set()
"""Ids of raw greenlets not named yet (named as they first switch away)."""
_on = False
greenlet_module: Any = None
"""The ``greenlet`` module, once the program has imported it."""


def _attribute(g: Any, name: str) -> Any:
    """A greenlet's attribute, looked up as Python's default lookup does it:
    a greenlet class of the program's may override ``__getattribute__`` (to
    log what is read, say), and must not see concviz read anything."""
    try:
        return object.__getattribute__(g, name)
    except AttributeError:
        return None


def _kind_and_name(g: Any) -> tuple[str, str]:
    cls = type(g)
    module = getattr(cls, "__module__", "") or ""
    if module.startswith("gevent"):
        if cls.__name__ == "Hub":
            return "gevent", "Hub"
        name = _attribute(g, "name")
        return "gevent", str(name) if name else cls.__name__
    if _attribute(g, "parent") is None:
        return "greenlet", "main greenlet"
    run = _attribute(g, "run")
    return "greenlet", getattr(run, "__qualname__", None) or cls.__name__


def _coro(g: Any) -> int:
    cid = _ids.get(g)
    if cid is not None:
        return cid
    cid = next(recorder.object_ids)
    _ids.set(g, cid)
    kind, name = _kind_and_name(g)
    if kind == "greenlet" and _attribute(g, "parent") is not None:
        _unnamed.add(cid)
    _append((_ns(), _ident(), "coro.new", cid, {"name": name, "kind": kind, "file": None, "line": None}))
    return cid


def _name_from_frame(g: Any, cid: int) -> None:
    """Name a raw greenlet as it switches away, from the frame it leaves."""
    frame = _attribute(g, "gr_frame")
    if frame is None:
        return
    _unnamed.discard(cid)
    while frame.f_back is not None and not is_user_file(frame.f_code.co_filename):
        frame = frame.f_back
    name = next((str(k) for k, v in frame.f_globals.items() if v is g and not k.startswith("_")), None)
    code = frame.f_code
    while frame.f_back is not None:  # the greenlet's own function: its outermost frame
        frame = frame.f_back
    name = name or frame.f_code.co_name
    file, line = (code.co_filename, code.co_firstlineno) if is_user_file(code.co_filename) else (None, None)
    _append((_ns(), _ident(), "coro.name", cid, {"name": name, "file": file, "line": line}))


def _trace(event: str, args: Any) -> None:
    global _on
    if not _on:
        return
    try:
        origin, target = args
        start = _coro(origin)
        to = _coro(target)
        if start in _unnamed:
            _name_from_frame(origin, start)
        _append((_ns(), _ident(), "coro.switch", to, {"origin": start, "throw": event == "throw"}))
        # Inline, not _attribute(): this runs at every switch. (dead always exists.)
        if object.__getattribute__(origin, "dead"):
            _append((_ns(), _ident(), "coro.end", start, None))
    except Exception as error:  # never break the program's switches
        _on = False
        report_once("greenlet switches", error)


def name_current(name: str) -> int | None:
    """Name the running greenlet (a green ``threading.Thread`` names its
    greenlet after itself); its coroutine id, or None when recording is off."""
    if not _on:
        return None
    cid = _coro(greenlet_module.getcurrent())
    _unnamed.discard(cid)
    _append((_ns(), _ident(), "coro.name", cid, {"name": name, "file": None, "line": None}))
    return cid


def waits_for(what: str, target: int, detail: str) -> None:
    """The running greenlet is about to wait for the coroutine ``target``."""
    if _on:
        cid = _coro(greenlet_module.getcurrent())
        _append((_ns(), _ident(), "coro.wait", cid, {"what": what, "target": target, "detail": detail}))


def _trace_this_thread() -> None:
    greenlet_module.settrace(_trace)


def _start_tracing(module: ModuleType) -> None:
    global _on, greenlet_module
    greenlet_module = module
    _on = True
    _trace_this_thread()
    threads.on_begin.append(_trace_this_thread)


def install() -> None:
    when_imported("greenlet", _start_tracing)


def uninstall() -> None:
    global _on
    _on = False
    if greenlet_module is not None:
        greenlet_module.settrace(None)
    if _trace_this_thread in threads.on_begin:
        threads.on_begin.remove(_trace_this_thread)
