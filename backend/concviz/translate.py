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

from concviz.analysis.fold import Fold

# Threads the program started without a threading.Thread object get ids from
# here, far from the ids the child gives Thread objects.
FOREIGN_TIDS = 1_000_000

_Raw = msgspec.Raw
_decode_hello = msgspec.json.Decoder(dict[str, int]).decode
_decode_batch = msgspec.json.Decoder(list[tuple[int, int, str, int | None, _Raw]]).decode
_NULL = msgspec.Raw(b"null")
_decode_args = msgspec.json.Decoder(dict[str, Any]).decode
_encode = msgspec.json.Encoder().encode


class ProtocolError(ValueError):
    pass


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
        out: list[bytes] = []
        fold = self.fold
        tids = self.tids
        t0 = self.t0
        for t, who, kind, obj, raw in _decode_batch(line):
            if raw == _NULL:
                args, raw = {}, None
            else:
                args = _decode_args(raw)
            if kind == "thread.begin":
                tids[who] = args["thread"]
            tid = tids.get(who)
            if tid is None:
                tid = tids[who] = self._foreign
                self._foreign += 1
                out.append(self._line(t - t0, tid, "thread.begin", None, {
                    "thread": tid, "name": f"thread-{tid - FOREIGN_TIDS + 1}", "daemon": True, "ident": who}))
            out.append(self._line(t - t0, tid, kind, obj, args, raw))
        return out

    def _line(self, t: int, tid: int, kind: str, obj: int | None, args: dict[str, Any],
              raw: Any = None) -> bytes:
        # A thread can be switched out between reading the clock and
        # appending; keep time monotonic along seq (the difference is that switch).
        if t < self.last_t:
            t = self.last_t
        self.last_t = t
        seq = self.seq
        self.seq = seq + 1
        self.fold.feed_event(seq, t, tid, kind, obj, args)
        body = bytes(raw) if raw is not None else _encode(args)
        return b'{"seq":%d,"t":%d,"pid":%d,"tid":%d,"kind":"%s","obj":%s,"args":%s}' % (
            seq, t, self.pid, tid, kind.encode(), b"null" if obj is None else b"%d" % obj, body)
