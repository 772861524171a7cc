"""What every primitive's instrumentation shares: whose code is calling,
where in the source, what the source calls the new object, and one-time
reporting of a hook that failed.

Only slow paths use this module (object creation, blocking, sleeping); the
hot acquire/release path touches nothing here.
"""

from __future__ import annotations

import dis
import os
import sys
import sysconfig
import threading
import weakref
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from concviz import recorder

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = tuple(
    sorted(
        {
            os.path.join(os.path.realpath(p), "")
            for key in ("stdlib", "platstdlib", "purelib", "platlib")
            if (p := sysconfig.get_paths().get(key))
        }
        | {os.path.join(_PACKAGE_DIR, "")}
    )
)
_user_file_cache: dict[str, bool] = {}


def is_user_file(filename: str) -> bool:
    """True for the program's own files: not the standard library, not an
    installed package, not concviz itself."""
    known = _user_file_cache.get(filename)
    if known is not None:
        return known
    if filename.startswith("<"):
        user = not filename.startswith("<frozen")
    else:
        real = os.path.realpath(filename)
        user = not real.startswith(_LIBRARY_DIRS)
    _user_file_cache[filename] = user
    return user


def called_from_user(depth: int = 2) -> bool:
    """Whether the frame ``depth`` levels up runs the program's own code (False when
    there is none: a primitive's method called straight from C, as a greenlet's run)."""
    try:
        return is_user_file(sys._getframe(depth).f_code.co_filename)
    except ValueError:  # the stack is shallower than that
        return False


def user_frame(depth: int = 2) -> FrameType | None:
    """The innermost frame of the program's own code, ``depth`` levels up or more."""
    try:
        frame: FrameType | None = sys._getframe(depth)
    except ValueError:  # the stack is shallower: a method called straight from C (gevent.spawn(event.wait))
        return None
    while frame is not None and not is_user_file(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


def location(depth: int = 2) -> tuple[str | None, int | None]:
    frame = user_frame(depth + 1)
    if frame is None:
        return None, None
    return frame.f_code.co_filename, frame.f_lineno


# --- naming -----------------------------------------------------------------

_STORE_OPS = {"STORE_NAME", "STORE_GLOBAL", "STORE_FAST", "STORE_DEREF"}
_LOAD_OPS = {"LOAD_FAST", "LOAD_NAME", "LOAD_GLOBAL", "LOAD_DEREF"}
_instructions: dict[CodeType, list[dis.Instruction]] = {}


def _assigned_name(frame: FrameType) -> str | None:
    """The name the statement being executed stores its call's result into:
    ``LockA = threading.Lock()`` → ``LockA``; ``self.lock = Lock()`` → ``lock``."""
    code = frame.f_code
    instructions = _instructions.get(code)
    if instructions is None:
        instructions = _instructions[code] = list(dis.get_instructions(code))
    lasti = frame.f_lasti  # may point into the CALL's inline cache entries
    i = max((k for k, ins in enumerate(instructions) if ins.offset <= lasti), default=-1)
    if i < 0 or not instructions[i].opname.startswith("CALL"):
        return None
    after = instructions[i + 1 : i + 3]
    if after and after[0].opname in _STORE_OPS:
        return str(after[0].argval)
    if after and after[0].opname == "UNPACK_SEQUENCE":
        # ``reader, writer = Pipe()``: the names of the parts, in order.
        parts = instructions[i + 2 : i + 2 + int(after[0].argval)]
        if parts and all(ins.opname in _STORE_OPS for ins in parts):
            return ", ".join(str(ins.argval) for ins in parts)
    if len(after) == 2 and after[0].opname in _LOAD_OPS and after[1].opname == "STORE_ATTR":
        return str(after[1].argval)
    return None


_names_lock = threading._allocate_lock()  # type: ignore[attr-defined]
_names_used: dict[str, int] = {}
_type_counts: dict[str, int] = {}


_naming_on = True


def describe(depth: int = 2, instance: object = None) -> tuple[str | None, str | None, int | None]:
    """(name, file, line) of the statement that creates an object, seen from
    the constructor ``depth - 1`` frames below it. ``instance`` steps over the
    constructors of the program's own subclasses (``super().__init__()``)."""
    global _naming_on
    if _naming_on:
        try:
            return _describe(depth + 1, instance)
        except Exception as error:  # e.g. a class body whose namespace is no dict
            _naming_on = False
            report_once("naming objects", error)
    return None, None, None


def _describe(depth: int, instance: object) -> tuple[str | None, str | None, int | None]:
    frame: FrameType | None = sys._getframe(depth)
    while instance is not None and frame is not None and frame.f_locals.get("self") is instance:
        frame = frame.f_back
    if frame is None:
        return None, None, None
    try:
        name = _assigned_name(frame)
    except Exception:  # a name is a nicety; never fail the program for it
        name = None
    located = frame if is_user_file(frame.f_code.co_filename) else user_frame(depth)
    if located is None:
        return name, None, None
    return name, located.f_code.co_filename, located.f_lineno


def unique_name(type_name: str, name: str | None) -> str:
    with _names_lock:
        if name is None:
            n = _type_counts[type_name] = _type_counts.get(type_name, 0) + 1
            name = f"{type_name}-{n}"
        used = _names_used.get(name, 0)
        _names_used[name] = used + 1
        return f"{name}#{used + 1}" if used else name


def new_object(type_name: str, value: int | None = None, lock: int | None = None,
               instance: object = None, depth: int = 3,
               described: tuple[str | None, str | None, int | None] | None = None,
               obj: int | None = None) -> int:
    """Register a synchronisation object created by the program, record
    ``obj.new`` and return its id (``obj`` if given: an id the object has in
    every process). By default the object's name and place are those of the
    caller of new_object's caller (the primitive's constructor)."""
    name, file, line = described or describe(depth, instance)
    if obj is None:
        obj = next(recorder.object_ids)
    recorder.append((recorder.ns(), recorder.ident(), "obj.new", obj, {
        "type": type_name, "name": unique_name(type_name, name), "value": value, "lock": lock,
        "file": file, "line": line}))
    return obj


# --- ids of live objects ------------------------------------------------------------


class ObjectIds:
    """Ids given to objects (coroutines), by identity, forgotten when the
    object dies. A lookup is one dict access (``WeakKeyDictionary`` makes a
    weak reference per lookup: too slow for every switch)."""

    def __init__(self) -> None:
        self._ids: dict[int, int] = {}
        self._refs: dict[int, Any] = {}

    def get(self, obj: object) -> int | None:
        return self._ids.get(id(obj))

    def __contains__(self, obj: object) -> bool:
        return id(obj) in self._ids

    def __getitem__(self, obj: object) -> int:
        return self._ids[id(obj)]

    def set(self, obj: object, value: int) -> None:
        key = id(obj)
        ids, refs = self._ids, self._refs

        def forget(_: object, key: int = key) -> None:
            ids.pop(key, None)
            refs.pop(key, None)

        ids[key] = value
        refs[key] = weakref.ref(obj, forget)


# --- failures inside hooks ----------------------------------------------------

_reported: set[str] = set()


def report_once(hook: str, error: BaseException) -> None:
    """A hook failed: say so once on stderr; the caller switches it off."""
    if hook in _reported:
        return
    _reported.add(hook)
    try:
        stream = sys.__stderr__
        if stream is not None:
            stream.write(f"concviz: instrumentation of {hook} failed and was switched off: {error!r}\n")
    except Exception:
        pass


# --- install / uninstall --------------------------------------------------------


# Originals that a module attribute no longer names (``queue.Queue`` is the
# recorded class now): original → (module, name). Pickle finds classes and
# functions by name, so these must pickle through ``original_of``.
replaced: dict[int, tuple[str, str]] = {}
"""id(original) → (module, name)."""
_replaced_by_name: dict[tuple[str, str], Any] = {}


def original_of(module: str, name: str) -> Any:
    """The standard library's own ``module.name``, even where concviz replaced it."""
    found = _replaced_by_name.get((module, name))
    if found is not None:
        return found
    import importlib

    return getattr(importlib.import_module(module), name)


class QueueView:
    """A queue as a worker loop sees it, for a subclass to record some of its
    calls; everything else goes to the queue itself."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue

    def __getattr__(self, name: str) -> Any:
        return getattr(self._queue, name)


class Patch:
    """Set attributes on objects and put the originals back later."""

    def __init__(self) -> None:
        self._saved: list[tuple[Any, str, Any, bool]] = []

    def set(self, owner: Any, name: str, value: Any) -> None:
        had = name in vars(owner) if isinstance(owner, type) else hasattr(owner, name)
        old = getattr(owner, name, None)
        self._saved.append((owner, name, old, had))
        module = getattr(owner, "__name__", None)
        if (not isinstance(owner, type) and getattr(old, "__module__", None) == module
                and getattr(old, "__qualname__", None) == name):
            replaced[id(old)] = (module, name)  # type: ignore[assignment]
            _replaced_by_name[(module, name)] = old  # type: ignore[index]
        setattr(owner, name, value)

    def undo(self) -> None:
        while self._saved:
            owner, name, old, had = self._saved.pop()
            where = (getattr(owner, "__name__", ""), name)
            if replaced.get(id(old)) == where:
                del replaced[id(old)]
                del _replaced_by_name[where]
            if had:
                setattr(owner, name, old)
            else:
                delattr(owner, name)


Installer = Callable[[], None]


class ForUserCode:
    """Mixin for the recorded subclass of a ``threading`` class: when library
    code (the standard library's own internals) makes one, it gets the
    original, unrecorded class. The program's own subclasses are always
    recorded."""

    _original: type

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if "_original" in cls.__dict__ and not is_user_file(sys._getframe(1).f_code.co_filename):
            return cls._original(*args, **kwargs)
        return object.__new__(cls)
