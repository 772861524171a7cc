"""``concviz run --control step`` in a terminal: each choice is asked on
stderr and answered on stdin (a thread's index, or ``r`` to run to the end
at random). The page does the same through ``POST /api/runs/{id}/step``."""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
from typing import Any

from concviz.supervisor import Supervisor
from concviz.translate import Lines


class TerminalStepper:
    """Wraps a run's sink: passes every line on, and asks the person at each pause."""

    def __init__(self, sink: Any) -> None:
        self.sink = sink
        self.supervisor: Supervisor | None = None
        self._pauses: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._ask, name="concviz-step", daemon=True)

    def start(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor
        self._thread.start()

    def header(self, line: bytes) -> None:
        self.sink.header(line)

    def events(self, lines: Lines) -> None:
        self.sink.events(lines)
        for line in lines:
            if b'"control.pause"' in line:
                self._pauses.put(json.loads(line)["args"])

    def end(self, line: bytes) -> None:
        self.sink.end(line)
        self._pauses.put(None)

    def _ask(self) -> None:
        while (pause := self._pauses.get()) is not None:
            print(f"\nchoice {pause['decision']}:", file=sys.stderr)
            for t in pause["threads"]:
                where = f"{os.path.basename(t['file'])}:{t['line']}" if t["file"] else ""
                state = "" if t["can_move"] else f"   (cannot move: {t['reason']})"
                print(f"  [{t['index']}] {t['what']:<7} {where:<16} {t['text'][:60]}{state}", file=sys.stderr)
            movable = [t["index"] for t in pause["threads"] if t["can_move"]]
            message: dict[str, Any] | None = None
            while message is None:
                print(f"thread to move {movable} (r: run to the end at random): ", end="", file=sys.stderr,
                      flush=True)
                answer = sys.stdin.readline()
                if not answer or answer.strip().lower() == "r":
                    message = {"finish": "random"}
                elif answer.strip().isdigit() and int(answer) in movable:
                    message = {"thread": int(answer)}
            assert self.supervisor is not None
            try:
                self.supervisor.steer(message)
            except OSError:
                return
