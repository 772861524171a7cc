"""``select.select`` and the ``selectors`` classes, recorded: what each call
watched, how long it waited, what came back ready; a selector's registrations
with the callback its ``data`` names.

Every select is a wait: ``select.begin`` before the real call, ``select.end``
after it (there is no non-blocking path to try first: waiting is what it is
for). ``select.select`` has no object of its own, so each call site in the
program's code gets one (``select() line 42``): a server loop is one object
however many times it turns. A call from library code, and a call that
watches nothing (``select([], [], [], t)`` is a sleep), records nothing.

A selector is an object (``obj.new`` with its class name, e.g.
``EpollSelector``, named from the source like every primitive); selectors that
library code makes stay original and quiet, but for asyncio's event loop's
(``library_selector``, made by ``concviz.instrument.aio``), whose selects are
the loop thread's I/O waits. Watched sockets are named through
``concviz.instrument.sockets``.
"""

from __future__ import annotations

import select
import selectors
import sys
from typing import Any

from concviz import recorder
from concviz.instrument._support import Patch, is_user_file, location, new_object
from concviz.instrument.sockets import socket_id

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_original_select = select.select
_EVENT_READ = selectors.EVENT_READ
_EVENT_WRITE = selectors.EVENT_WRITE


def _error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _ids(items: list[Any]) -> list[int]:
    return [obj for obj in map(socket_id, items) if obj]


# --- select.select ------------------------------------------------------------------

_sites: dict[tuple[str, int], int] = {}


def _site(file: str, line: int) -> int:
    obj = _sites.get((file, line))
    if obj is None:
        obj = _sites[(file, line)] = new_object("select", described=(f"select() line {line}", file, line))
    return obj


def select_(*args: Any, **kwargs: Any) -> Any:
    frame = sys._getframe(1)
    if kwargs or not 3 <= len(args) <= 4 or not is_user_file(frame.f_code.co_filename):
        return _original_select(*args, **kwargs)
    try:
        # The original takes any iterables. Lists and tuples go to it as they
        # are (it reads them live: a fileno() may even shorten the list);
        # anything else is read once here and handed over as a list.
        given: list[Any] = [a if type(a) in (list, tuple) else list(a) for a in args[:3]]
    except TypeError:
        return _original_select(*args)  # raises what the original raises
    rlist, wlist, xlist = (list(a) for a in given)
    if not (rlist or wlist or xlist):
        return _original_select(given[0], given[1], given[2], *args[3:])
    timeout = args[3] if len(args) == 4 else None
    file, line = frame.f_code.co_filename, frame.f_lineno
    obj = _site(file, line)
    _append((_ns(), _ident(), "select.begin", obj, {
        "timeout": timeout if type(timeout) in (int, float) else None,
        "read": _ids(rlist), "write": _ids(wlist), "watched": len(rlist) + len(wlist) + len(xlist),
        "file": file, "line": line}))
    try:
        ready = _original_select(given[0], given[1], given[2], *args[3:])
    except BaseException as error:
        _append((_ns(), _ident(), "select.end", obj, {"read": [], "write": [], "ready": 0, "error": _error(error)}))
        raise
    r, w, x = ready
    _append((_ns(), _ident(), "select.end", obj, {
        "read": _ids(r), "write": _ids(w), "ready": len(r) + len(w) + len(x), "error": None}))
    return ready


select_.__name__ = select_.__qualname__ = "select"
select_.__doc__ = _original_select.__doc__


# --- selectors ----------------------------------------------------------------------


def callback_name(data: Any) -> str | None:
    """What a registration's ``data`` is called: a callable's qualified name."""
    if data is None:
        return None
    if callable(data):
        name = getattr(data, "__qualname__", None) or getattr(data, "__name__", None)
        if isinstance(name, str):
            return name
    try:
        text = repr(data)
    except Exception:
        return type(data).__name__
    return text if len(text) <= 60 else text[:59] + "…"


class _Meta(type(selectors.BaseSelector)):  # type: ignore[misc]
    """``isinstance(s, selectors.EpollSelector)`` stays true for library-made selectors."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if type.__instancecheck__(cls, instance):
            return True
        original = cls.__dict__.get("_original")
        return original is not None and isinstance(instance, original)


class _Recorded:
    """The recording shared by every selector class (mixed in before the original)."""

    _original: type
    _cv_id: int
    _cv_quiet = False

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if "_original" in cls.__dict__ and not is_user_file(sys._getframe(1).f_code.co_filename):
            return cls._original(*args, **kwargs)
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = next(c.__name__ for c in type(self).__mro__ if "_original" in c.__dict__)
        self._cv_id = new_object(kind, instance=self)

    def _cv_key(self, kind: str, key: Any) -> None:
        _append((_ns(), _ident(), kind, self._cv_id, {
            "sock": socket_id(key.fileobj), "fd": key.fd, "events": key.events,
            "callback": callback_name(key.data)}))

    def register(self, fileobj: Any, events: int, data: Any = None) -> Any:
        key = super().register(fileobj, events, data)  # type: ignore[misc]
        if not self._cv_quiet:
            self._cv_key("sel.register", key)
        return key

    def unregister(self, fileobj: Any) -> Any:
        key = super().unregister(fileobj)  # type: ignore[misc]
        if not self._cv_quiet:
            _append((_ns(), _ident(), "sel.unregister", self._cv_id, {"sock": socket_id(key.fileobj), "fd": key.fd}))
        return key

    def modify(self, fileobj: Any, events: int, data: Any = None) -> Any:
        # The base implementation modifies by unregister + register: one event.
        self._cv_quiet = True
        try:
            key = super().modify(fileobj, events, data)  # type: ignore[misc]
        finally:
            self._cv_quiet = False
        self._cv_key("sel.modify", key)
        return key

    def select(self, timeout: float | None = None) -> Any:
        file, line = location(2)
        obj = self._cv_id
        _append((_ns(), _ident(), "select.begin", obj, {
            "timeout": timeout if type(timeout) in (int, float) else None, "read": [], "write": [],
            "watched": len(self.get_map()), "file": file, "line": line}))  # type: ignore[attr-defined]
        try:
            ready = super().select(timeout)  # type: ignore[misc]
        except BaseException as error:
            _append((_ns(), _ident(), "select.end", obj, {"read": [], "write": [], "ready": 0, "error": _error(error)}))
            raise
        read = [socket_id(key.fileobj) for key, mask in ready if mask & _EVENT_READ]
        write = [socket_id(key.fileobj) for key, mask in ready if mask & _EVENT_WRITE]
        _append((_ns(), _ident(), "select.end", obj, {
            "read": [o for o in read if o], "write": [o for o in write if o], "ready": len(ready), "error": None}))
        return ready


def _recorded_class(original: type) -> type:
    return _Meta(original.__name__, (_Recorded, original), {
        "__module__": "selectors", "__qualname__": original.__qualname__, "__doc__": original.__doc__,
        "_original": original})


_CLASS_NAMES = ("SelectSelector", "PollSelector", "EpollSelector", "DevpollSelector", "KqueueSelector")
_recorded: dict[str, type] = {
    name: _recorded_class(getattr(selectors, name)) for name in _CLASS_NAMES if hasattr(selectors, name)}



def library_selector(name: str) -> Any:
    """A recorded ``DefaultSelector`` for a selector the library makes but
    the program's picture needs (asyncio's event loop waits in it between
    steps): its selects are the I/O waits of the loop's thread."""
    cls = _recorded[selectors.DefaultSelector.__name__]
    selector: Any = object.__new__(cls)
    cls._original.__init__(selector)  # type: ignore[attr-defined]
    selector._cv_id = new_object(cls.__name__, described=(name, None, None))
    return selector


_patch = Patch()


def install() -> None:
    _patch.set(select, "select", select_)
    for name, cls in _recorded.items():
        _patch.set(selectors, name, cls)
    _patch.set(selectors, "DefaultSelector", _recorded[selectors.DefaultSelector.__name__])


def uninstall() -> None:
    _patch.undo()
