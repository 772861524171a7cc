"""A person as the strategy: ``--control step``.

At each choice the child records ``control.pause`` (every thread, what it is
about to do, where, and whether it can move), ships it at once, and reads
the answer from the control pipe the supervisor gave it: one JSON object per
line, ``{"thread": INDEX}`` or ``{"finish": "random", "seed": N}`` ("run to
the end at random"). A closed pipe (the viewer left) finishes at random.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from concviz.control.strategies import RandomWalk, Strategy


class Step:
    name = "step"

    def __init__(self, fd: int, pause: Callable[[int], None]) -> None:
        self.fd = fd
        self.pause = pause
        self.then: Strategy | None = None
        self._pending = b""

    def started(self, index: int) -> None:
        if self.then is not None:
            self.then.started(index)

    def choose(self, enabled: Sequence[int], decision: int) -> int:
        while self.then is None:
            self.pause(decision)
            message = self._read()
            if message is None:
                self.then = RandomWalk(0)
                break
            if "finish" in message:
                seed = message.get("seed", 0)
                self.then = RandomWalk(seed if type(seed) is int else 0)
                break
            index = message.get("thread")
            if index in enabled:
                return int(index)
        return self.then.choose(enabled, decision)

    def _read(self) -> dict[str, Any] | None:
        while b"\n" not in self._pending:
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                return None
            if not chunk:
                return None
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        try:
            message = json.loads(line)
        except ValueError:
            return {}
        return message if isinstance(message, dict) else {}
