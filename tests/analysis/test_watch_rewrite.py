"""The watched-variable rewrite records reads and writes of module globals only."""

from __future__ import annotations

import ast
import textwrap
import threading
import time
from typing import Any

from concviz import _watch  # type: ignore[attr-defined]
from concviz.instrument import watch


def run(source: str, names: list[str]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """Run the rewritten source with the native recorders writing into a list."""
    events: list[tuple[Any, ...]] = []
    tree = watch.rewrite(ast.parse(textwrap.dedent(source)), names)
    env: dict[str, Any] = {
        helper: _watch.Watch(events.append, time.perf_counter_ns, threading.get_ident, mode)
        for helper, mode in ((watch.READ, _watch.READ), (watch.WRITE, _watch.WRITE), (watch.UPDATE, _watch.UPDATE))}
    exec(compile(tree, "<test>", "exec"), env)
    assert all(e[1] == threading.get_ident() and e[3] is None and e[4]["name"] in names for e in events)
    return env, [(e[2].removeprefix("var."), e[4]["value"]) for e in events]


def test_reads_and_writes_of_a_global_are_recorded_in_order() -> None:
    env, recorded = run("""
        num = 3
        def dec():
            global num
            temp = num
            num = temp - 1
        dec(); dec()
    """, ["num"])
    assert env["num"] == 1
    assert recorded == [("write", 3), ("read", 3), ("write", 2), ("read", 2), ("write", 1)]


def test_augmented_assignment_records_old_and_new_value() -> None:
    env, recorded = run("""
        count = 10
        def add():
            global count
            count += 5
        add()
    """, ["count"])
    assert env["count"] == 15
    assert recorded == [("write", 10), ("read", 10), ("write", 15)]


def test_a_local_of_the_same_name_is_not_recorded() -> None:
    env, recorded = run("""
        num = 1
        def f(num):
            return num + 1
        def g():
            num = 5
            return num
        x = f(2) + g()
    """, ["num"])
    assert env["x"] == 8
    assert recorded == [("write", 1)]


def test_unpacking_into_a_watched_name_is_recorded_after_the_statement() -> None:
    env, recorded = run("""
        a, num = 1, 2
        num2 = num
    """, ["num"])
    assert env["num2"] == 2
    assert recorded == [("write", 2), ("read", 2)]


def test_unwatched_names_are_untouched() -> None:
    env, recorded = run("x = 1\ny = x + 1\n", ["num"])
    assert env["y"] == 2 and recorded == []
