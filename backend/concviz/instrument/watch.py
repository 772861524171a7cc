"""Watched variables: every read and write of chosen module-level names.

The program's main file is compiled from a rewritten syntax tree:

* a read ``num`` becomes ``__concviz_read__['num', line, num]``, which records
  the value and evaluates to it;
* an assignment ``num = expr`` becomes ``num = __concviz_write__['num', line,
  expr]``, recorded just before the store;
* an augmented assignment ``num -= 1`` stays one uninterrupted
  read-modify-write: the old value is kept in a local, and the read and the
  write are recorded after the statement (``__concviz_update__['num', line,
  old] = num``).

Recording adds no thread-switch point. CPython switches threads only where it
checks its eval breaker (function starts, backward jumps, after calls), and
the three helpers are subscripts of objects of the native module
``concviz._watch``: no call instruction, no Python frame, so ``t = x; x = t +
1`` is exactly as atomic under ``--watch x`` as without it. (A value whose
class defines ``__repr__`` in Python is recorded by that repr, which runs
Python code; plain values are recorded as they are.) Only names that resolve
to the module's globals are rewritten; a function's local of the same name is
left alone.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from concviz import _watch, recorder  # type: ignore[attr-defined]

READ = "__concviz_read__"
WRITE = "__concviz_write__"
UPDATE = "__concviz_update__"


def helpers() -> dict[str, Any]:
    """The globals the rewritten module needs: recorders writing to the recorder's buffer."""
    def make(mode: int) -> Any:
        return _watch.Watch(recorder.append_nowait, recorder.ns, recorder.ident, mode)

    return {READ: make(_watch.READ), WRITE: make(_watch.WRITE), UPDATE: make(_watch.UPDATE)}


def _assigned_names(node: ast.AST) -> set[str]:
    """Names a function (or lambda) binds locally, and those it declares global."""
    local: set[str] = set()
    declared: set[str] = set()
    args = node.args  # type: ignore[attr-defined]
    for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if a is not None:
            local.add(a.arg)
    body = node.body if isinstance(node.body, list) else [node.body]  # type: ignore[attr-defined]
    stack: list[ast.AST] = list(body)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Global | ast.Nonlocal):
            declared.update(n.names)
            continue
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            local.add(n.name)
            stack.extend(getattr(n, "decorator_list", []))
            continue  # their bodies are their own scopes
        if isinstance(n, ast.Lambda):
            continue
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del):
            local.add(n.id)
        elif isinstance(n, ast.alias):
            local.add((n.asname or n.name).split(".")[0])
        elif isinstance(n, ast.ExceptHandler) and n.name:
            local.add(n.name)
        stack.extend(ast.iter_child_nodes(n))
    return local - declared


class _Rewriter(ast.NodeTransformer):
    def __init__(self, watched: Iterable[str]) -> None:
        self.watched = set(watched)
        # One entry per enclosing function: the watched names that are local there.
        self.shadowed: list[set[str]] = []

    def _is_global(self, name: str) -> bool:
        return name in self.watched and not any(name in s for s in self.shadowed)

    def _function(self, node: Any) -> Any:
        node.decorator_list = [self.visit(d) for d in getattr(node, "decorator_list", [])]
        node.args = self.visit(node.args)
        self.shadowed.append(_assigned_names(node) & self.watched)
        if isinstance(node.body, list):
            node.body = self._statements(node.body)
        else:
            node.body = self.visit(node.body)
        self.shadowed.pop()
        return node

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function
    visit_Lambda = _function

    def _statements(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in body:
            result = self.visit(stmt)
            out.extend(result if isinstance(result, list) else [result])
        return out

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for field, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, field, self._statements(value))
            elif isinstance(value, list):
                setattr(node, field, [self.visit(v) if isinstance(v, ast.AST) else v for v in value])
            elif isinstance(value, ast.AST):
                setattr(node, field, self.visit(value))
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if isinstance(node.ctx, ast.Load) and self._is_global(node.id):
            return ast.copy_location(_access(READ, node.id, node, node.lineno), node)
        return node

    def visit_Assign(self, node: ast.Assign) -> Any:
        node.value = self.visit(node.value)
        names = [t.id for t in node.targets if isinstance(t, ast.Name) and self._is_global(t.id)]
        others = [t for t in node.targets if not isinstance(t, ast.Name)]
        node.targets = [self.visit(t) for t in node.targets]
        if len(node.targets) == 1 and names:
            node.value = _access(WRITE, names[0], node.value, node.lineno)
            return node
        if not names and not any(self._binds_watched(t) for t in others):
            return node
        # Several targets or unpacking: record each watched name after the statement.
        after = [
            ast.Expr(_access(WRITE, n, ast.Name(n, ast.Load()), node.lineno))
            for n in sorted(set(names) | {x for t in others for x in self._watched_in(t)})
        ]
        return [node, *after]

    def _watched_in(self, target: ast.AST) -> set[str]:
        return {
            n.id for n in ast.walk(target)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and self._is_global(n.id)
        }

    def _binds_watched(self, target: ast.AST) -> bool:
        return bool(self._watched_in(target))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> Any:
        if node.value is not None:
            node.value = self.visit(node.value)
            if isinstance(node.target, ast.Name) and self._is_global(node.target.id):
                node.value = _access(WRITE, node.target.id, node.value, node.lineno)
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        node.value = self.visit(node.value)
        if not (isinstance(node.target, ast.Name) and self._is_global(node.target.id)):
            node.target = self.visit(node.target)
            return node
        name = node.target.id
        old = f"__concviz_old_{name}__"
        keep = ast.Assign([ast.Name(old, ast.Store())], ast.Name(name, ast.Load()), lineno=node.lineno)
        record = ast.Assign([_access(UPDATE, name, ast.Name(old, ast.Load()), node.lineno, ast.Store())],
                            ast.Name(name, ast.Load()), lineno=node.lineno)
        return [keep, node, record]


def _access(helper: str, name: str, value: ast.expr, line: int, ctx: ast.expr_context | None = None) -> ast.Subscript:
    """``helper[name, line, value]``: a subscript, not a call (see the module's docstring)."""
    key = ast.Tuple([ast.Constant(name), ast.Constant(line), value], ast.Load())
    return ast.Subscript(ast.Name(helper, ast.Load()), key, ctx or ast.Load())


def rewrite(tree: ast.Module, watched: Iterable[str]) -> ast.Module:
    """The module with every access to a watched global recorded."""
    new = _Rewriter(watched).visit(tree)
    return ast.fix_missing_locations(new)
