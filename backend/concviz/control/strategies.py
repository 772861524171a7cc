"""Who moves next: the strategies of controlled mode.

A strategy is asked only when more than one thread can move; its answers,
in order, are the run's schedule (a list of thread indexes, see
``concviz.control.schedule``). Every strategy is deterministic given its
seed, so the same seed gives the same schedule.

Neighbours: ``scheduler`` asks; ``step`` answers for a person.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol


class Strategy(Protocol):
    name: str

    def choose(self, enabled: Sequence[int], decision: int) -> int:
        """One of ``enabled`` (thread indexes, ascending) at the ``decision``-th choice."""

    def started(self, index: int) -> None:
        """A new thread (its index) can be scheduled from now on."""


class RandomWalk:
    """Uniformly among the threads that can move."""

    name = "random"

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def choose(self, enabled: Sequence[int], decision: int) -> int:
        return enabled[self.random.randrange(len(enabled))]

    def started(self, index: int) -> None:
        pass


class Pct:
    """Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010).

    Every thread gets a distinct random priority; the highest-priority thread
    that can move runs. At ``depth - 1`` decisions drawn at random among the
    first ``steps``, the running thread's priority drops below every other.
    A bug of depth ``d`` is found with probability at least 1/(n·k^(d-1)).
    """

    name = "pct"

    def __init__(self, seed: int, depth: int = 3, steps: int = 1000) -> None:
        self.random = random.Random(seed)
        self.priority: dict[int, float] = {}
        self.changes = sorted(self.random.sample(range(1, max(steps, depth) + 1), max(depth - 1, 0)))
        self.lowered = 0

    def started(self, index: int) -> None:
        # Above every lowered priority (which are below 0), in random order.
        self.priority[index] = 1.0 + self.random.random()

    def choose(self, enabled: Sequence[int], decision: int) -> int:
        for index in enabled:
            if index not in self.priority:
                self.started(index)
        best = max(enabled, key=self.priority.__getitem__)
        if self.lowered < len(self.changes) and decision >= self.changes[self.lowered]:
            self.lowered += 1
            self.priority[best] = -float(self.lowered)
            best = max(enabled, key=self.priority.__getitem__)
        return best


class Replay:
    """The choices of a saved schedule, in order; then ``then``.

    A choice that is not among the threads that can move means the program
    did not take the same path (it read the clock, a file, the network): the
    run says where, and goes on with ``then``.
    """

    name = "replay"

    def __init__(self, steps: Sequence[int], then: Strategy) -> None:
        self.steps = list(steps)
        self.then = then
        self.diverged: int | None = None

    def started(self, index: int) -> None:
        self.then.started(index)

    def choose(self, enabled: Sequence[int], decision: int) -> int:
        if self.diverged is None and decision < len(self.steps):
            wanted = self.steps[decision]
            if wanted in enabled:
                return wanted
            self.diverged = decision
        return self.then.choose(enabled, decision)

    @property
    def asking(self) -> bool:
        return bool(getattr(self.then, "asking", False))


class FirstReady:
    """The lowest index that can move: what a replay goes on with by default."""

    name = "first"

    def choose(self, enabled: Sequence[int], decision: int) -> int:
        return enabled[0]

    def started(self, index: int) -> None:
        pass
