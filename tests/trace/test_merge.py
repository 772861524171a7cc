"""Several processes' streams merged into one trace in time order (``concviz.merge``)."""

from __future__ import annotations

import json

import msgspec

from concviz.analysis.fold import Fold
from concviz.merge import Merger
from concviz.translate import Stream, Translator

MS = 1_000_000


def hello(pid: int, t0: int, method: str = "fork", main: int = 1) -> bytes:
    return msgspec.json.encode({"t0": t0, "pid": pid, "ppid": 1, "main": main, "main_tid": pid << 20,
                                "method": method})


def batch(*events: tuple[int, str]) -> bytes:
    return msgspec.json.encode([(t, 1, kind, None, {"text": kind, "stream": "stdout"}) for t, kind in events])


def tick(t: int) -> bytes:
    return b'{"t":%d}' % t


class Collect:
    def __init__(self) -> None:
        self.lines: list[dict] = []

    def __call__(self, lines: list[bytes]) -> None:
        self.lines += [json.loads(line) for line in lines]

    def kinds(self) -> list[tuple[int, str]]:
        return [(e["pid"], e["kind"]) for e in self.lines]


def merger() -> tuple[Merger, Collect, Stream, Stream]:
    out = Collect()
    m = Merger(Translator(Fold()), out, tick_margin_ns=0)
    root, child = m.add(), m.add()
    m.feed(root, hello(10, 0, "root"))
    m.feed(child, hello(20, 1 * MS))
    return m, out, root, child


def test_one_stream_passes_straight_through() -> None:
    out = Collect()
    m = Merger(Translator(Fold()), out)
    root = m.add()
    m.feed(root, hello(10, 0, "root"))
    m.release(now=0)
    m.feed(root, batch((5, "a"), (6, "b")))
    assert out.kinds() == [(10, "process.begin"), (10, "a"), (10, "b")]


def test_events_wait_until_every_open_stream_has_passed_their_time() -> None:
    m, out, root, child = merger()
    m.feed(root, batch((2 * MS, "root-2"), (5 * MS, "root-5")))
    m.feed(root, tick(6 * MS))
    m.release(now=7 * MS)
    # The child has said nothing past its start (1 ms): only what came before.
    assert out.kinds() == [(10, "process.begin"), (20, "process.begin")]
    m.feed(child, batch((3 * MS, "child-3")))
    m.feed(child, tick(4 * MS))
    m.release(now=7 * MS)
    assert [k for _, k in out.kinds()[2:]] == ["root-2", "child-3"]
    m.feed(child, tick(6 * MS))
    m.release(now=7 * MS)
    assert [k for _, k in out.kinds()[2:]] == ["root-2", "child-3", "root-5"]
    assert [e["seq"] for e in out.lines] == list(range(len(out.lines)))
    assert [e["t"] for e in out.lines] == sorted(e["t"] for e in out.lines)


def test_a_closed_stream_still_waits_for_the_others() -> None:
    m, out, root, child = merger()
    m.feed(child, batch((3 * MS, "child-3")))
    m.close(child, t=4 * MS)
    m.release(now=5 * MS)
    # The root has said nothing past its start: it may still send something earlier.
    assert out.kinds() == [(10, "process.begin")]
    m.feed(root, batch((2 * MS, "root-2")))
    m.feed(root, tick(5 * MS))
    m.release(now=5 * MS)
    assert out.kinds()[1:] == [(20, "process.begin"), (10, "root-2"), (20, "child-3"), (20, "process.end")]


def test_a_silent_stream_holds_the_others_back_at_most_the_holdback() -> None:
    m, out, root, _child = merger()
    m.holdback_ns = 50 * MS
    m.feed(root, batch((2 * MS, "root-2")))
    m.feed(root, tick(3 * MS))
    m.release(now=40 * MS)
    assert len(out.lines) == 2
    m.release(now=60 * MS)
    assert [k for _, k in out.kinds()[2:]] == ["root-2"]


def test_a_sample_waits_for_the_program_events_before_it() -> None:
    m, out, root, child = merger()
    m.close(child, t=1 * MS)
    m.feed(root, tick(1 * MS))
    m.release(now=1 * MS)
    m.add_sample(root, 3 * MS, 0, "cpu", {"on": 1, "wait": 0, "dt": 1})
    m.release(now=3 * MS)
    assert "cpu" not in [k for _, k in out.kinds()]
    m.feed(root, batch((2 * MS, "root-2"), (4 * MS, "root-4")))
    m.release(now=5 * MS)
    kinds = [k for _, k in out.kinds()]
    assert kinds.index("root-2") < kinds.index("cpu")


def test_ticks_are_trusted_only_a_margin_behind() -> None:
    # An event is timed a moment before it is appended: a tick at t does not
    # vouch for events timed just before t.
    out = Collect()
    m = Merger(Translator(Fold()), out, tick_margin_ns=2 * MS)
    root, child = m.add(), m.add()
    m.feed(root, hello(10, 0, "root"))
    m.feed(child, hello(20, 0))
    m.feed(root, batch((5 * MS, "root-5")))
    m.feed(root, tick(10 * MS))
    m.feed(child, tick(6 * MS))
    m.release(now=10 * MS)
    assert "root-5" not in [k for _, k in out.kinds()]  # the child vouches only up to 4 ms
    m.feed(child, batch((5 * MS - 1, "child-late")))
    m.feed(child, tick(8 * MS))
    m.release(now=10 * MS)
    assert [k for _, k in out.kinds()][-2:] == ["child-late", "root-5"]
