"""The parent's translation of the child's raw batches into trace lines."""

from __future__ import annotations

import json

import msgspec

from concviz.analysis.fold import Fold
from concviz.translate import FOREIGN_TIDS, Translator


def translate(*batches: list[tuple]) -> list[dict]:
    tr = Translator(Fold())
    assert tr.feed(b'{"t0": 1000, "pid": 42, "main": 7}') == []
    lines: list[bytes] = []
    for batch in batches:
        lines += tr.feed(msgspec.json.encode(batch))
    return [json.loads(line) for line in lines]


def test_lines_get_gapless_seq_relative_time_pid_and_small_thread_ids() -> None:
    events = translate(
        [(1500, 7, "thread.new", None, {"thread": 1, "name": "T", "daemon": False, "target": None}),
         (1600, 99, "thread.begin", None, {"thread": 1, "name": "T", "daemon": False, "ident": 99})],
        [(1700, 99, "lock.acquire", 3, None), (1800, 7, "print", None, {"text": "x\n", "stream": "stdout"})],
    )
    assert [(e["seq"], e["t"], e["pid"], e["tid"], e["kind"]) for e in events] == [
        (0, 500, 42, 0, "thread.new"), (1, 600, 42, 1, "thread.begin"),
        (2, 700, 42, 1, "lock.acquire"), (3, 800, 42, 0, "print")]
    assert events[2]["obj"] == 3 and events[2]["args"] == {}


def test_time_never_goes_back_along_seq() -> None:
    events = translate([(2000, 7, "sleep.end", None, None), (1900, 7, "sleep.end", None, None)])
    assert [e["t"] for e in events] == [1000, 1000]


def test_a_thread_without_a_thread_object_gets_a_lane_of_its_own() -> None:
    events = translate([(1100, 7, "print", None, {"text": "a", "stream": "stdout"}),
                        (1200, 555, "print", None, {"text": "b", "stream": "stdout"}),
                        (1300, 555, "print", None, {"text": "c", "stream": "stdout"})])
    assert [(e["seq"], e["tid"], e["kind"]) for e in events] == [
        (0, 0, "print"), (1, FOREIGN_TIDS, "thread.begin"), (2, FOREIGN_TIDS, "print"), (3, FOREIGN_TIDS, "print")]
    assert events[1]["args"]["ident"] == 555


def test_the_fold_sees_what_the_lines_say() -> None:
    tr = Translator(Fold())
    tr.feed(b'{"t0": 0, "pid": 1, "main": 7}')
    tr.feed(msgspec.json.encode([
        (1, 7, "obj.new", 4, {"type": "Lock", "name": "L", "value": None, "lock": None, "file": None, "line": None}),
        (2, 7, "lock.acquire", 4, {"depth": None})]))
    assert tr.fold.objects[4].holders == {0: 1}
    assert tr.fold.events == 2


def test_the_line_encoder_has_exactly_the_envelope_fields() -> None:
    import dataclasses

    from concviz import events
    from concviz.translate import Line

    assert Line.__struct_fields__ == tuple(f.name for f in dataclasses.fields(events.Envelope))
