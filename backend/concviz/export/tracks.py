"""Tracks of the Chrome export: one per thread and per coroutine, with strictly nested slices.

The Trace Event Format wants the ``B``/``E`` slices of a track to nest, but a
concviz lane's intervals need not: a thread takes LockA, then LockB, and
releases LockA first. Ending a slice that is not the innermost one ends the
ones inside it too, and begins them again at the same moment, so every ``E``
closes the innermost open ``B`` and each interval stays whole to the eye.

Track ids are small numbers from 1 in order of appearance: concviz's own
thread ids reach ``pid << 20`` in child processes, and tid 0 means the idle
task to some Linux-minded importers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Key = tuple[str, Any]
"""What an open slice is about, to find it again: (the kind that began it, its object or target)."""


@dataclass(eq=False)
class Track:
    id: int
    pid: int
    name: str
    thread: bool
    """A thread's track (open for its whole life) rather than a coroutine's."""


@dataclass
class _Open:
    key: Key
    begin: dict[str, Any]
    """The ``B`` event as emitted; its name may still change (a thread learns its name)."""


class Tracks:
    def __init__(self, out: list[dict[str, Any]]) -> None:
        self.out = out
        self.by_lane: dict[tuple[int, int], Track] = {}
        self.first: dict[int, Track] = {}
        """pid → its first track, which also carries the process's own events (names, counters):
        importers file every event under some thread, and tid 0 is nobody's."""
        self._stacks: dict[int, list[_Open]] = {}

    def lane(self, pid: int, lane: int, name: str, ts: float) -> Track:
        """The track of a concviz lane (a thread id, or a coroutine as ``-id``); a thread's
        track begins with a slice for its whole life, so every flow finds a slice to bind to."""
        track = self.by_lane.get((pid, lane))
        if track is None:
            track = self.by_lane[(pid, lane)] = Track(len(self.by_lane) + 1, pid, name, lane >= 0)
            self._stacks[track.id] = []
            self.first.setdefault(pid, track)
            if track.thread:
                self.begin(track, ts, ("life", None), name, "thread", {})
        return track

    def rename(self, track: Track, name: str) -> None:
        track.name = name
        stack = self._stacks[track.id]
        if track.thread and stack and stack[0].key[0] == "life":
            stack[0].begin["name"] = name

    def begin(self, track: Track, ts: float, key: Key, name: str, cat: str, args: dict[str, Any]) -> None:
        event = {"ph": "B", "name": name, "cat": cat, "ts": ts, "pid": track.pid, "tid": track.id, "args": args}
        self.out.append(event)
        self._stacks[track.id].append(_Open(key, event))

    def end(self, track: Track, ts: float, key: Key) -> bool:
        """Ends the innermost open slice with this key (and reopens those inside it); False when none is open."""
        stack = self._stacks[track.id]
        found = [i for i, o in enumerate(stack) if o.key == key]
        if not found:
            return False
        inside = stack[found[-1] + 1:]
        self._close(track, ts, found[-1])
        for o in inside:
            self.begin(track, ts, o.key, o.begin["name"], o.begin["cat"], o.begin["args"])
        return True

    def is_open(self, track: Track, key: Key) -> bool:
        return any(o.key == key for o in self._stacks[track.id])

    def end_track(self, track: Track, ts: float) -> None:
        """The lane is over (its thread ended, its process is gone): every slice still open on it ends."""
        self._close(track, ts, 0)

    def end_all(self, ts: float, pid: int | None = None) -> None:
        """Ends every open slice (of one process's tracks when ``pid`` is given)."""
        for track in self.by_lane.values():
            if pid is None or track.pid == pid:
                self._close(track, ts, 0)

    def _close(self, track: Track, ts: float, depth: int) -> None:
        stack = self._stacks[track.id]
        for _ in range(len(stack) - depth):
            self.out.append({"ph": "E", "ts": ts, "pid": track.pid, "tid": track.id})
        del stack[depth:]
