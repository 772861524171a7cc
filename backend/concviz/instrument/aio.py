"""asyncio tasks, recorded: every ``Task`` is a coroutine lane of the thread
whose event loop runs it, switched to for each of its steps and back to the
loop when it awaits.

A task runs in steps, each one a callback of its loop (``Handle._run``); the
step's callback is a method of the task (``__self__``), whether the task is
the C one or the Python one. Around such a callback the loop's thread
switches from its "event loop" coroutine to the task and back. When the task
suspends, what it waits for is recorded (``coro.wait``): another task, a
``gather``, a sleep, or some other future. The task's name is its own
(``Task-1``, or the name the program gave it). The loop's own waits for I/O
between steps are selects on a recorded selector (``select.begin``/``end``
on the loop's thread, its "event loop" coroutine the actor).
"""

from __future__ import annotations

import asyncio
import asyncio.events as events
import re
import threading
from typing import Any

from concviz import recorder
from concviz.instrument import selecting
from concviz.instrument._support import ObjectIds, Patch, is_user_file, report_once

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_Task = asyncio.Task
_original_run = events.Handle._run
_original_sleep = asyncio.sleep
_BASE_EVENTS = asyncio.base_events.__file__
_ids = ObjectIds()
_loops = threading.local()
_on = True


def _loop_coroutine() -> int:
    """This thread's event loop, as a coroutine (what runs between steps)."""
    cid = getattr(_loops, "cid", None)
    if cid is None:
        cid = _loops.cid = next(recorder.object_ids)
        _append((_ns(), _ident(), "coro.new", cid, {"name": "event loop", "kind": "asyncio", "file": None,
                                                     "line": None}))
    return cid


_DEFAULT_NAME = re.compile(r"Task-\d+")


def _name(task: Any, code: Any) -> str:
    """The task's name; asyncio's default one (``Task-1``) with its coroutine's (``Task-1 (main)``)."""
    name = task.get_name()
    if code is not None and _DEFAULT_NAME.fullmatch(name):
        return f"{name} ({code.co_name})"
    return str(name)


def _task_coroutine(task: Any) -> int:
    cid = _ids.get(task)
    if cid is None:
        cid = next(recorder.object_ids)
        _ids.set(task, cid)
        file = line = None
        code = getattr(task.get_coro(), "cr_code", None)
        if code is not None and is_user_file(code.co_filename):
            file, line = code.co_filename, code.co_firstlineno
        _append((_ns(), _ident(), "coro.new", cid, {"name": _name(task, code), "kind": "asyncio", "file": file,
                                                     "line": line}))
        _names[cid] = task.get_name()
    return cid


_names: dict[int, str] = {}
"""Coroutine id → the name its live task had when last looked at (``set_name`` renames)."""


def _renamed(task: Any, cid: int) -> None:
    """Record a name the task was given since (``Task.set_name``: C code, not patchable)."""
    name = task.get_name()
    if name is not _names.get(cid) and name != _names.get(cid):
        _names[cid] = name
        _append((_ns(), _ident(), "coro.name", cid, {"name": str(name), "file": None, "line": None}))


def _waiting_on(task: Any) -> dict[str, Any] | None:
    waiter = getattr(task, "_fut_waiter", None)
    if waiter is None:
        return None
    if isinstance(waiter, _Task):
        return {"what": "task", "target": _task_coroutine(waiter), "detail": waiter.get_name()}
    children = getattr(waiter, "_children", None)
    if children is not None:  # gather()
        names = [c.get_name() for c in children if isinstance(c, _Task)]
        return {"what": "gather", "target": None, "detail": ", ".join(names[:8])}
    return {"what": "future", "target": None, "detail": None}


def _loops_own(task: Any) -> bool:
    """A task running one of the event loop's own methods (``asyncio.run``
    ends with ``shutdown_asyncgens`` and ``shutdown_default_executor`` tasks):
    the loop's work, not the program's."""
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and code.co_filename == _BASE_EVENTS


def _run(self: Any) -> None:
    task = getattr(self._callback, "__self__", None)
    if not _on or not isinstance(task, _Task) or _loops_own(task):
        return _original_run(self)
    try:
        loop = _loop_coroutine()
        cid = _task_coroutine(task)
        _append((_ns(), _ident(), "coro.switch", cid, {"origin": loop, "throw": False}))
    except Exception as error:
        _off(error)
        return _original_run(self)
    _loops.said = None
    try:
        _original_run(self)
    finally:
        try:
            _renamed(task, cid)
            if task.done():
                _names.pop(cid, None)
                _append((_ns(), _ident(), "coro.end", cid, None))
            elif _loops.said != cid:  # a sleep already said what it waits for
                wait = _waiting_on(task)
                if wait is not None:
                    _append((_ns(), _ident(), "coro.wait", cid, wait))
            _append((_ns(), _ident(), "coro.switch", loop, {"origin": cid, "throw": False}))
        except Exception as error:
            _off(error)


async def sleep(delay: float, result: Any = None) -> Any:
    """``asyncio.sleep``; a task that sleeps says so."""
    task = asyncio.current_task() if _on else None
    if task is not None and delay > 0:
        cid = _task_coroutine(task)
        _loops.said = cid
        _append((_ns(), _ident(), "coro.wait", cid, {"what": "sleep", "target": None, "detail": f"{delay:g} s"}))
    return await _original_sleep(delay, result)


sleep.__doc__ = _original_sleep.__doc__


def suspends_on(what: str, obj: int) -> None:
    """The running task is about to suspend on the recorded object ``obj``
    (an ``asyncio.Lock``, ``Event``, ``Condition`` or ``Queue``): its
    ``coro.wait`` names the object instead of an anonymous future."""
    task = asyncio.current_task() if _on else None
    if task is not None:
        cid = _task_coroutine(task)
        _loops.said = cid
        _append((_ns(), _ident(), "coro.wait", cid, {"what": what, "target": obj, "detail": None}))


def _off(error: BaseException) -> None:
    global _on
    _on = False
    report_once("asyncio tasks", error)


_patch = Patch()


_SelectorLoop = asyncio.selector_events.BaseSelectorEventLoop
_original_loop_init = _SelectorLoop.__init__


def _loop_init(self: Any, selector: Any = None) -> None:
    """A selector event loop made without a selector of the program's gets a
    recorded one: the loop's waits for I/O between steps are on its thread's lane."""
    if selector is None:
        selector = selecting.library_selector("event loop selector")
    _original_loop_init(self, selector)


def install() -> None:
    global _on
    _on = True
    _patch.set(_SelectorLoop, "__init__", _loop_init)
    _patch.set(events.Handle, "_run", _run)
    _patch.set(asyncio, "sleep", sleep)
    _patch.set(asyncio.tasks, "sleep", sleep)


def uninstall() -> None:
    _patch.undo()
