"""From the child's compact batches to trace lines, in the parent process.

The child's writer (``concviz.recorder.Writer``) sends raw tuples
``[t, ident, kind, obj, args]``; here each gets its sequence number, its time
relative to the run's start (kept monotonic along ``seq``), the process id
and a small thread id in place of the OS ident, and becomes one JSON line of
the trace format (``concviz.events.Envelope``). The same pass feeds the fold.
"""

from __future__ import annotations

from typing import Any

import msgspec

from concviz.analysis.fold import NO_ARGS, RLOCK_ONLY_ARGS, Fold

# Threads the program started without a threading.Thread object get ids from
# here, far from the ids the child gives Thread objects.
FOREIGN_TIDS = 1_000_000

_Raw = msgspec.Raw
_decode_hello = msgspec.json.Decoder(dict[str, int]).decode
_decode_batch = msgspec.json.Decoder(list[tuple[int, int, str, int | None, _Raw]]).decode
_decode_args = msgspec.json.Decoder(dict[str, Any]).decode
_encode_lines = msgspec.json.Encoder().encode_lines
_NULL = msgspec.Raw(b"null")
_EMPTY = msgspec.Raw(b"{}")


class Line(msgspec.Struct, gc=False):
    """One event line, encoded in C; the fields of ``concviz.events.Envelope``."""

    seq: int
    t: int
    pid: int
    tid: int
    kind: str
    obj: int | None
    args: _Raw


class Translator:
    def __init__(self, fold: Fold) -> None:
        self.fold = fold
        self.seq = 0
        self.last_t = 0
        self.t0: int | None = None
        self.pid = 0
        self.tids: dict[int, int] = {}
        self._foreign = FOREIGN_TIDS

    def feed(self, line: bytes) -> list[bytes]:
        """One line from the child → the trace lines it stands for."""
        if self.t0 is None:
            hello = _decode_hello(line)
            self.t0, self.pid = hello["t0"], hello["pid"]
            self.tids[hello["main"]] = 0
            return []
        out: list[Line] = []
        append = out.append
        fold = self.fold
        handlers = fold.handlers
        rlocks = fold.rlocks
        tids = self.tids
        t0, pid, seq, last_t = self.t0, self.pid, self.seq, self.last_t
        for t, who, kind, obj, raw in _decode_batch(line):
            # Args are an object or null; no object is 4 bytes long, and len()
            # is cheaper than comparing Raw values.
            if len(raw) == 4 and raw == _NULL:
                raw = _EMPTY
            tid = tids.get(who)
            if tid is None or kind == "thread.begin":
                self.seq, self.last_t = seq, last_t
                tid = self._thread(who, kind, raw, out, t - t0, pid)
                seq, last_t = self.seq, self.last_t
            # A thread can be switched out between reading the clock and
            # appending; keep time monotonic along seq (the difference is that switch).
            t -= t0
            if t < last_t:
                t = last_t
            last_t = t
            handler = handlers.get(kind)
            if handler is not None:
                if kind in RLOCK_ONLY_ARGS and obj not in rlocks:
                    handler(fold, seq, tid, obj, NO_ARGS)
                else:
                    handler(fold, seq, tid, obj, _decode_args(raw))
            append(Line(seq, t, pid, tid, kind, obj, raw))
            seq += 1
        self.seq = seq
        self.last_t = last_t
        fold.events = seq
        fold.last_t = last_t
        if not out:
            return []
        return _encode_lines(out).splitlines()

    def _thread(self, who: int, kind: str, raw: _Raw, out: list[Line], t: int, pid: int) -> int:
        """The thread id of ``who``; a thread met without a ``thread.begin`` gets one now."""
        if kind == "thread.begin":
            tid: int = _decode_args(raw)["thread"]
            self.tids[who] = tid
            return tid
        tid = self.tids[who] = self._foreign
        self._foreign += 1
        args = {"thread": tid, "name": f"thread-{tid - FOREIGN_TIDS + 1}", "daemon": True, "ident": who}
        t = max(t, self.last_t)
        self.fold.feed_event(self.seq, t, tid, "thread.begin", None, args)
        out.append(Line(self.seq, t, pid, tid, "thread.begin", None, _Raw(msgspec.json.encode(args))))
        self.seq += 1
        return tid
