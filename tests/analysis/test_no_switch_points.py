"""Watching a variable adds no thread-switch point: the program's read and
write of it stay as atomic as they are without concviz."""

from __future__ import annotations

import ast
import dis
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from concviz.instrument import watch

TIGHT = """
    import threading

    x = 0

    def work():
        global x
        for _ in range(50_000):
            t = x
            x = t + 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(x)
"""


def test_the_rewritten_read_and_write_hold_no_call_between_them() -> None:
    tree = watch.rewrite(ast.parse(textwrap.dedent(TIGHT)), ["x"])
    module = compile(tree, "<tight>", "exec")
    work = next(c for c in module.co_consts if getattr(c, "co_name", None) == "work")
    body = [i for i in dis.get_instructions(work) if i.positions and i.positions.lineno in (9, 10)]
    assert [i.argval for i in body if i.opname == "LOAD_GLOBAL"][:2] == ["__concviz_read__", "x"]
    assert "STORE_GLOBAL" in {i.opname for i in body}
    assert not [i.opname for i in body if i.opname.startswith(("CALL", "PRECALL"))]


def test_a_tight_unlocked_loop_loses_no_update_under_watch(tmp_path: Path) -> None:
    script = tmp_path / "tight.py"
    script.write_text(textwrap.dedent(TIGHT))
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    recorded = subprocess.run(
        [sys.executable, "-m", "concviz.cli", "run", "-q", "--watch", "x", "-o", "t.jsonl", str(script)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert plain.stdout == recorded.stdout == "200000\n", recorded.stderr
    end = json.loads((tmp_path / "t.jsonl").read_text().splitlines()[-1])
    x = end["summary"]["watched"]["x"]
    assert (x["final"], x["writes"], x["lost_updates"]) == (200000, 200001, 0)
