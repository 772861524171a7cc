"""The lost-update analysis of watched variables, fed one read or write at a
time as the fold sees them (``Watched.feed``) and concluded at the end of the
run (``Watched.result``).

Every write makes a new version of the variable, based on the version its
thread last read: the newest one holding the value read (equal values are
interchangeable, and matching by value stays right when a read is recorded a
moment after the load). Following the bases back from the final version gives
the writes that count; every other write was overwritten — a lost update.
Each is named with the write that overwrote it: the counting write whose
thread read a value older than it.

Memory: a run may write a watched variable millions of times, so nothing is
kept per event but what the conclusion needs, in columns: per write its seq,
thread, base version and value, and the seq and value of the read it was
based on (about 60 bytes a write besides the values themselves, against 1 KB
for the events as dicts); per variable, the newest version of each value
seen. Time: one look-up per read and per write, one walk at the end.
"""

from __future__ import annotations

import json
from array import array
from typing import Any

MAX_LOST_LISTED = 1000


class _Variable:
    """One watched variable's versions: version 0 may be the value first read
    (no write made it: seq -1); every write adds one."""

    __slots__ = ("bases", "final", "initial", "last_read", "newest", "read_seqs", "read_values", "seqs", "tids",
                 "values", "writes")

    def __init__(self, initial: Any) -> None:
        self.initial = self.final = initial
        self.writes = 0
        self.seqs = array("q")
        self.tids = array("q")
        self.bases = array("q")
        self.values: list[Any] = []
        self.read_seqs = array("q")
        """Per version: the seq of the read its write was based on, or -1."""
        self.read_values: list[Any] = []
        self.newest: dict[Any, int] = {}
        """value (as a key) → its newest version: a read's version is one look-up."""
        self.last_read: dict[int, tuple[int, Any]] = {}
        """tid → (seq, value) of its last read not yet used by a write."""

    def version(self, seq: int, tid: int, value: Any, base: int, read: tuple[int, Any] | None) -> None:
        self.newest[_key(value)] = len(self.seqs)
        self.seqs.append(seq)
        self.tids.append(tid)
        self.bases.append(base)
        self.values.append(value)
        self.read_seqs.append(read[0] if read is not None else -1)
        self.read_values.append(read[1] if read is not None else None)


class Watched:
    """Every watched variable of a run, fed in seq order."""

    def __init__(self) -> None:
        self._vars: dict[str, _Variable] = {}

    def __bool__(self) -> bool:
        return bool(self._vars)

    def feed(self, seq: int, tid: int, kind: str, args: dict[str, Any]) -> None:
        """One ``var.read`` or ``var.write`` event."""
        name, value = args["name"], args["value"]
        var = self._vars.get(name)
        if var is None:
            var = self._vars[name] = _Variable(value)
            if kind == "var.read":
                var.version(-1, -1, value, -1, None)
        if kind == "var.read":
            var.last_read[tid] = (seq, value)
            return
        var.writes += 1
        var.final = value
        read = var.last_read.pop(tid, None)
        base = len(var.seqs) - 1
        if read is not None:
            base = var.newest.get(_key(read[1]), base)
        var.version(seq, tid, value, base, read)

    def result(self) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        """Per variable: initial, final, writes, lost_updates; and each lost update (the first
        ``MAX_LOST_LISTED`` by the seq of the write it overwrote)."""
        stats: dict[str, dict[str, Any]] = {}
        lost: list[dict[str, Any]] = []
        for name, var in self._vars.items():
            st = stats[name] = {"initial": var.initial, "final": var.final, "writes": var.writes, "lost_updates": 0}
            counting = []
            v = len(var.seqs) - 1
            while v >= 0:
                counting.append(v)
                v = var.bases[v]
            for w in reversed(counting):
                if var.seqs[w] < 0:
                    continue  # the value first read: no write, nothing it overwrote
                for v in range(var.bases[w] + 1, w):
                    if var.seqs[v] < 0:
                        continue
                    st["lost_updates"] += 1
                    if len(lost) < MAX_LOST_LISTED and var.read_seqs[w] >= 0:
                        lost.append({
                            "name": name, "thread": var.tids[w],
                            "read_seq": var.read_seqs[w], "read_value": var.read_values[w],
                            "write_seq": var.seqs[w], "write_value": var.values[w],
                            "overwrote": {"thread": var.tids[v], "seq": var.seqs[v], "value": var.values[v]},
                        })
        lost.sort(key=lambda item: item["overwrote"]["seq"])
        return stats, lost


def lost_updates(var_events: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The analysis of a list of ``var.read``/``var.write`` events (trace lines as dicts)."""
    watched = Watched()
    for ev in var_events:
        watched.feed(ev["seq"], ev["tid"], ev["kind"], ev["args"])
    return watched.result()


def _key(value: Any) -> Any:
    """``value`` as a dict key that is equal exactly when the values are (1 and
    1.0 alike, as ``==`` has it); a list or dict by its canonical JSON."""
    try:
        hash(value)
    except TypeError:
        return ("json", _canonical(value))
    return value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)
