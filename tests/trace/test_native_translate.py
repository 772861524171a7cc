"""The parent's two translation paths agree: ``Translator.translate_line``
(busy events in C, ``concviz._translate``) and ``Translator.translate`` (all
in Python) make the same trace lines, byte for byte, and the same fold."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from tests.control.helpers import run, scenario_spec, script_spec

from concviz import merge
from concviz.analysis.fold import Fold
from concviz.analysis.summary import summarise
from concviz.translate import Lines, Stream, Translator, _decode_batch

Raw = list[tuple[int, bytes]]
"""A run's raw stream lines as the supervisor read them: (stream number, line)."""


def recorded(spec: Any, monkeypatch: pytest.MonkeyPatch) -> Raw:
    """The raw lines of a real run (a real child, through the real supervisor)."""
    lines: Raw = []
    numbers: dict[int, int] = {}
    feed = merge.Merger.feed

    def keep(self: merge.Merger, stream: Stream, line: bytes) -> None:
        lines.append((numbers.setdefault(id(stream), len(numbers)), line))
        feed(self, stream, line)

    monkeypatch.setattr(merge.Merger, "feed", keep)
    run(spec)
    monkeypatch.undo()
    assert len(numbers) == 1, "a one-process run"
    return lines


def both_paths(raw: Raw) -> tuple[tuple[list[bytes], dict[str, Any]], tuple[list[bytes], dict[str, Any]]]:
    def replay(native: bool) -> tuple[list[bytes], dict[str, Any]]:
        tr = Translator(Fold())
        stream = Stream()
        out: list[bytes] = []
        for _, line in raw:
            if stream.method is None or line[:1] == b"{" or native:
                out += tr.feed_stream(stream, line)
            else:
                out += tr.translate(stream, _decode_batch(line))
        return out, summarise(tr.fold)

    return replay(True), replay(False)


SCENARIOS = [
    ("race_locked", {"threads": 8}),
    ("race", {"threads": 20}),
    ("deadlock", {}),
    ("rlock", {}),
    ("semaphore", {}),
    ("condition", {}),
    ("producer_consumer", {}),
    ("queue_join", {}),
    ("event", {}),
    ("gevent_spawn", {}),
    ("asyncio_lock", {}),
    ("greenlet_switch", {}),
]


@pytest.mark.parametrize(("name", "params"), SCENARIOS, ids=[name for name, _ in SCENARIOS])
def test_a_scenario_translates_the_same_on_both_paths(name: str, params: dict[str, Any],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    raw = recorded(scenario_spec(name, None, **params), monkeypatch)
    (native_lines, native_summary), (python_lines, python_summary) = both_paths(raw)
    assert len(native_lines) > 10
    assert native_lines == python_lines
    assert native_summary == python_summary


CONTENDED = """
    import threading
    lock = threading.Lock()
    rlock = threading.RLock()
    sem = threading.Semaphore(2)
    def work():
        for _ in range(3000):
            with lock:
                pass
            with rlock:
                with rlock:
                    pass
            with sem:
                pass
            lock.acquire(timeout=0.5)
            lock.release()
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(lock.acquire(False), lock.locked())
    lock.release()
"""


def test_contended_locks_rlocks_and_semaphores_translate_the_same(tmp_path: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    raw = recorded(script_spec(tmp_path, CONTENDED, None), monkeypatch)
    (native_lines, native_summary), (python_lines, python_summary) = both_paths(raw)
    kinds = {json.loads(line)["kind"] for line in native_lines}
    assert {"lock.acquire", "lock.release", "thread.begin", "thread.end", "obj.new"} <= kinds
    assert native_lines == python_lines
    assert native_summary == python_summary
    assert native_summary["objects"]["lock"]["acquisitions"] == 4 * 3000 * 2 + 1


def test_source_lines_and_watched_variables_translate_the_same(tmp_path: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    source = """
        import threading
        x = 0
        def add():
            global x
            for _ in range(200):
                t = x
                x = t + 1
        threads = [threading.Thread(target=add) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(x)
    """
    spec = script_spec(tmp_path, source, None, watch=("x",))
    spec.lines = True
    raw = recorded(spec, monkeypatch)
    (native_lines, native_summary), (python_lines, python_summary) = both_paths(raw)
    assert any(json.loads(line)["kind"] == "line" for line in native_lines)
    assert native_lines == python_lines
    assert native_summary == python_summary


# --- lines written by hand: what only a hand can spell --------------------------


def feed_both(*lines: bytes) -> tuple[list[bytes], list[bytes]]:
    hello = b'{"t0": 1000, "pid": 42, "main": 7}'
    native, python = Translator(Fold()), Translator(Fold())
    out_n, out_p = list(native.feed(hello)), list(python.feed(hello))
    for line in lines:
        out_n += native.feed(line)
        out_p += python.translate(python.root, _decode_batch(line))
    assert native.fold.objects.keys() == python.fold.objects.keys()
    for key, obj in native.fold.objects.items():
        assert obj == python.fold.objects[key]
    return out_n, out_p


NEW_LOCK = (1001, 7, "obj.new", 4, {"type": "Lock", "name": "L", "value": None, "lock": None, "file": None,
                                    "line": None})


@pytest.mark.parametrize("events", [
    [NEW_LOCK, (1100, 7, "lock.acquire", 4, {"depth": None}), (1050, 7, "lock.release", 4, {"depth": None})],
    [NEW_LOCK, (1100, 7, "lock.acquire", 4, None), (1200, 7, "print", None, {"text": "é\\\"\n", "stream": "x"})],
    [NEW_LOCK, (1100, 7, "lock.release", 4, None), (1101, 7, "lock.release", 99, None)],
    [NEW_LOCK, (1100, 7, "lock.acquire", 4, None), (1100, 7, "lock.acquire", 4, None),
     (1200, 8, "lock.release", 4, None)],
    [(1100, 7, "weird \"kind\"", None, True), (1101, 7, "x", -5, [1, 2.5e3, {"a": [None, False]}])],
    [(1100, 7, "print", 123456789012345678901234567890, {})],
    [(1100, 7, "lock.acquire", None, None), (1101, 555, "print", None, {})],
    [NEW_LOCK, (1100, 7, "lock.acquire", 4, None), (1101, 555, "lock.block", 4, {"file": "p.py", "line": 3}),
     (1102, 7, "lock.release", 4, None), (1103, 555, "lock.acquire", 4, None), (1104, 555, "lock.release", 4, None),
     (1105, 7, "lock.acquire", 4, None)],
    [],
])
def test_hand_written_batches_translate_the_same(events: list[tuple]) -> None:
    native, python = feed_both(msgspec.json.encode(events))
    assert native == python


@pytest.mark.parametrize("line", [b'[[1100, 7, "print", null, {"text": "a"}], [1101, 7, "print", null, null]]',
                                  b'[[1100,7,"print",null,{}], [1101, 7, "print", null, null]]',
                                  b'[[1100,7,"print",null,{}] ,[1101,7,"print",null,null]]',
                                  b'[[1100,7,"print",null,{}],[1101,7,"print",null,null] ]',
                                  b' [[1100,7,"print",null,{}]]', b'[ ]'])
def test_a_line_spelled_otherwise_goes_the_python_way(line: bytes) -> None:
    native, python = feed_both(line)
    assert native == python and len(native) == line.count(b'"print"')


@pytest.mark.parametrize("line", [b'[[1100,7,"print",null,{"text":]]', b'[[1.5,7,"print",null,{}]]',
                                  b'[[1100,7,"print",null,{}]', b'[[1100,7,"print",null,{}]]x',
                                  b'[[1100,7,"print",null,{}],[1.5,7,"print",null,{}]]',
                                  b'[[1100,7,"print",null,{}],]', b'[[1100,7,"print",null,{"a":"\\x"}]]',
                                  b'[[1100,7,"print",null,{}]'])
def test_a_broken_line_is_an_error_as_on_the_python_path(line: bytes) -> None:
    tr = Translator(Fold())
    tr.feed(b'{"t0": 1000, "pid": 42, "main": 7}')
    with pytest.raises(msgspec.DecodeError):
        tr.feed(line)
    with pytest.raises(msgspec.DecodeError):
        _decode_batch(line)


def test_lines_are_the_trace_files_bytes_and_split_on_demand() -> None:
    lines = Lines(b'{"a":1}\n{"b":2}\n', 2)
    assert (len(lines), bool(lines), lines.data) == (2, True, b'{"a":1}\n{"b":2}\n')
    assert list(lines) == [b'{"a":1}', b'{"b":2}'] and lines[1] == b'{"b":2}' and lines[-1:] == [b'{"b":2}']
    assert lines == [b'{"a":1}', b'{"b":2}'] and lines == Lines(b'{"a":1}\n{"b":2}\n', 2)
    assert (len(Lines()), bool(Lines()), list(Lines()), Lines().data) == (0, False, [], b"")


def test_a_batch_given_as_a_view_of_what_was_read_translates_as_its_bytes() -> None:
    # The supervisor hands a read chunk's batch lines over as memoryviews.
    batch = msgspec.json.encode([NEW_LOCK, (1100, 7, "lock.acquire", 4, None), (1101, 7, "lock.release", 4, None),
                                 (1102, 555, "lock.block", 4, {"file": "p.py", "line": 3})])
    hello = b'{"t0": 1000, "pid": 42, "main": 7}'
    chunk = b"xx\n" + batch + b"\nyy"
    by_bytes, by_view = Translator(Fold()), Translator(Fold())
    assert by_bytes.feed(hello) == by_view.feed(hello)
    view = memoryview(chunk)[3:3 + len(batch)]
    assert by_view.translate_line(by_view.root, view) == by_bytes.translate_line(by_bytes.root, batch)
    assert summarise(by_view.fold) == summarise(by_bytes.fold)
