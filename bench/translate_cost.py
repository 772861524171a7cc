"""The parent's translation alone: raw batch lines → trace lines, per event.

Records the raw stream of a real run (through the real supervisor), then
translates it again with a fresh fold, on the native path
(``Translator.translate_line``, ``concviz._translate``) and on the Python
path (``Translator.translate``), and prints ns per event and events/s
(median of a few rounds). Programs: one thread taking a lock, four threads
sharing one, and the race scenario's watched variable with source lines.

    .venv/bin/python bench/translate_cost.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from concviz import merge
from concviz.analysis.fold import Fold
from concviz.supervisor import RunSpec, Supervisor
from concviz.translate import Stream, Translator, _decode_batch

ROUNDS = 5

ONE = """
import threading
lock = threading.Lock()
for _ in range(200_000):
    with lock:
        pass
"""

FOUR = """
import threading
lock = threading.Lock()
def work():
    for _ in range(50_000):
        lock.acquire()
        lock.release()
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""

WATCHED = """
import threading
x = 0
def add():
    global x
    for _ in range(20_000):
        t = x
        x = t + 1
threads = [threading.Thread(target=add) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


class Null:
    def header(self, line: bytes) -> None: ...
    def events(self, lines: list[bytes]) -> None: ...
    def end(self, line: bytes) -> None: ...


def raw_lines(source: str, watch: list[str], lines: bool) -> list[bytes]:
    kept: list[bytes] = []
    feed = merge.Merger.feed

    def keep(self: merge.Merger, stream: Stream, line: bytes) -> None:
        kept.append(line)
        feed(self, stream, line)

    merge.Merger.feed = keep  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "program.py"
            path.write_text(textwrap.dedent(source))
            null = os.open(os.devnull, os.O_WRONLY)
            spec = RunSpec(path=str(path), target=str(path), watch=watch, lines=lines, stdout=null,
                           max_events=10**8)
            Supervisor(spec, Null()).run()
            os.close(null)
    finally:
        merge.Merger.feed = feed  # type: ignore[method-assign]
    return kept


def translate(raw: list[bytes], native: bool) -> tuple[float, int]:
    tr = Translator(Fold())
    stream = Stream()
    n = 0
    t0 = time.perf_counter_ns()
    for line in raw:
        if stream.method is None or line[:1] == b"{" or native:
            n += len(tr.feed_stream(stream, line))
        else:
            n += len(tr.translate(stream, _decode_batch(line)))
    return (time.perf_counter_ns() - t0) / max(n, 1), n


def main() -> None:
    print(f"translation in the parent, ns per event (median of {ROUNDS}); Python {sys.version.split()[0]}")
    print(f"{'program':>34} {'events':>9} {'native':>8} {'python':>8} {'native ev/s':>12}")
    for name, source, watch, lines in (("1 thread, with lock", ONE, [], False),
                                       ("4 threads, acquire/release", FOUR, [], False),
                                       ("4 threads, watched x, --lines", WATCHED, ["x"], True)):
        raw = raw_lines(source, watch, lines)
        nat = statistics.median(translate(raw, True)[0] for _ in range(ROUNDS))
        py, n = translate(raw, False)
        py = statistics.median([py] + [translate(raw, False)[0] for _ in range(ROUNDS - 1)])
        print(f"{name:>34} {n:>9,} {nat:>8.0f} {py:>8.0f} {1e9 / nat:>12,.0f}")


if __name__ == "__main__":
    main()
