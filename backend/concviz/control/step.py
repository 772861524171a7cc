"""A person as the strategy: ``--control step``.

At each choice the child records ``control.pause`` (every thread, what it is
about to do, where, and whether it can move), ships it at once, and reads
the answer from the control pipe the supervisor gave it: one JSON object per
line, ``{"thread": INDEX}`` or ``{"finish": "random", "seed": N}`` ("run to
the end at random"). A closed pipe (the viewer left) finishes at random. A person is asked only
when two or more threads that can move stand at a line of the program's own
code; other choices are made by a fixed rule (and recorded like any choice).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from concviz.control.strategies import RandomWalk, Strategy


class Step:
    name = "step"

    def __init__(self, fd: int, pause: Callable[[int], None],
                 places: Callable[[], dict[int, str | None]] | None = None) -> None:
        self.fd = fd
        self.pause = pause
        self.places = places
        """Each thread's file in the program's own code (None: inside a library)."""
        self.then: Strategy | None = None
        self.asking = False
        """Waiting for the person's answer (the watchdog does not count this time)."""
        self._pending = b""

    def started(self, index: int) -> None:
        if self.then is not None:
            self.then.started(index)

    def choose(self, enabled: Sequence[int], decision: int) -> int:
        if self.then is None and self.places is not None:
            # A person is asked only between threads at a line of the program:
            # the steps inside a library (a thread's bootstrap, a lock inside a
            # Condition) go to the first thread that is in the program's code.
            places = self.places()
            own = [i for i in enabled if places.get(i)]
            if len(own) < 2:
                return own[0] if own else enabled[0]
        while self.then is None:
            self.pause(decision)
            self.asking = True
            try:
                message = self._read()
            finally:
                self.asking = False
            if message is None:
                self.then = RandomWalk(0)
                break
            if "finish" in message:
                seed = message.get("seed", 0)
                self.then = RandomWalk(seed if type(seed) is int else 0)
                break
            index = message.get("thread")
            if type(index) is int and index in enabled:
                return index
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
