"""Generators driven by hand, recorded as coroutines: the producer/consumer
of ``c.send(n)`` and ``next(c)``.

The rule: a generator (or native coroutine) is a coroutine of its thread
when the program's own code resumes it by hand — ``g.send(value)`` or
``next(g)``, written in the main file. A ``for`` loop or ``list(g)`` drives
a generator as an iterator, not as a coroutine, and is not recorded (every
comprehension would be a lane). Those calls cannot be patched (a generator's
``send`` is a C method of an immutable type, and ``next`` a builtin the
program may shadow), so the main file is compiled from a rewritten syntax
tree, as for watched variables: ``E.send(A)`` with one argument becomes
``__concviz_send__(E, A, "E")``, ``next(E)`` becomes
``__concviz_next__(next, E, "E")`` and ``E.close()`` ``__concviz_close__(E)``. The helpers call exactly what the
original called when the object is not a generator (a socket's ``send``,
a shadowed ``next``); for a generator they record a switch into it, resume
it, and record the switch back (or its end).
"""

from __future__ import annotations

import ast
import builtins
import threading
import types
from typing import Any

from concviz import recorder
from concviz.instrument._support import ObjectIds

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident
_RESUMABLE = (types.GeneratorType, types.CoroutineType)
_builtin_next = builtins.next

SEND = "__concviz_send__"
NEXT = "__concviz_next__"
CLOSE = "__concviz_close__"

_ids = ObjectIds()
_running = threading.local()
"""The generator each thread is running now (None: the thread's own code)."""


def _coro(gen: Any, name: str) -> int:
    cid = _ids.get(gen)
    if cid is None:
        cid = next(recorder.object_ids)
        _ids.set(gen, cid)
        code = getattr(gen, "gi_code", None) or getattr(gen, "cr_code", None)
        file, line = (code.co_filename, code.co_firstlineno) if code is not None else (None, None)
        if not name.isidentifier():
            name = getattr(gen, "__name__", name)
        _append((_ns(), _ident(), "coro.new", cid, {"name": name, "kind": "generator", "file": file,
                                                     "line": line}))
    return cid


def _resume(gen: Any, name: str, resume: Any, arg: Any) -> Any:
    cid = _coro(gen, name)
    origin = getattr(_running, "cid", None)
    _running.cid = cid
    _append((_ns(), _ident(), "coro.switch", cid, {"origin": origin, "throw": False}))
    try:
        return resume(arg)
    finally:
        _running.cid = origin
        frame = gen.gi_frame if type(gen) is types.GeneratorType else gen.cr_frame
        if frame is None:
            _append((_ns(), _ident(), "coro.end", cid, None))
        # Back to whoever resumed it (None: the thread's own code).
        _append((_ns(), _ident(), "coro.switch", origin, {"origin": cid, "throw": False}))


def record_send(obj: Any, value: Any, name: str) -> Any:
    if type(obj) not in _RESUMABLE:
        return obj.send(value)
    return _resume(obj, name, obj.send, value)


def record_next(next_: Any, obj: Any, name: str) -> Any:
    if next_ is not _builtin_next or type(obj) is not types.GeneratorType:
        return next_(obj)
    return _resume(obj, name, obj.send, None)


def record_close(obj: Any) -> Any:
    if type(obj) not in _RESUMABLE or obj not in _ids:
        return obj.close()
    frame = obj.gi_frame if type(obj) is types.GeneratorType else obj.cr_frame
    result = obj.close()
    if frame is not None:  # it was suspended, and is finished now
        _append((_ns(), _ident(), "coro.end", _ids[obj], None))
    return result


def helpers() -> dict[str, Any]:
    """The globals the rewritten module needs."""
    return {SEND: record_send, NEXT: record_next, CLOSE: record_close}


class _Rewrite(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> Any:
        self.generic_visit(node)
        func = node.func
        if not node.args and not node.keywords and isinstance(func, ast.Attribute) and func.attr == "close":
            return ast.copy_location(ast.Call(ast.Name(CLOSE, ast.Load()), [func.value], []), node)
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            return node
        if isinstance(func, ast.Attribute) and func.attr == "send":
            call = ast.Call(ast.Name(SEND, ast.Load()),
                            [func.value, node.args[0], ast.Constant(ast.unparse(func.value))], [])
            return ast.copy_location(call, node)
        if isinstance(func, ast.Name) and func.id == "next":
            call = ast.Call(ast.Name(NEXT, ast.Load()),
                            [func, node.args[0], ast.Constant(ast.unparse(node.args[0]))], [])
            return ast.copy_location(call, node)
        return node


def wanted(source: bytes) -> bool:
    """Whether a file may drive a generator by hand (cheap: before parsing)."""
    return b".send(" in source or b"next(" in source or b".close()" in source


def rewrite(tree: ast.Module) -> ast.Module:
    return ast.fix_missing_locations(_Rewrite().visit(tree))
