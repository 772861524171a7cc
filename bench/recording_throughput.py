"""Recording throughput: events per second from many threads into the trace.

Runs a real child process (through the Supervisor, as `concviz run` does)
whose threads do nothing but acquire and release their own locks, and
counts the events that reach the trace. Prints events/s for 1, 4 and 16
threads, and the child's cost per recorded lock cycle.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
import time
from pathlib import Path

from concviz.supervisor import RunSpec, Supervisor

CYCLES = int(__import__("os").environ.get("CYCLES", 400_000))

SCRIPT = textwrap.dedent("""
    import sys, threading, time
    threads, cycles = int(sys.argv[1]), int(sys.argv[2])
    gate = threading.Barrier(threads + 1)
    def work():
        lock = threading.Lock()
        acquire, release = lock.acquire, lock.release
        gate.wait()
        for _ in range(cycles // threads):
            acquire()
            release()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    gate.wait()
    t0 = time.perf_counter_ns()
    for w in workers:
        w.join()
    print((time.perf_counter_ns() - t0) / cycles, file=sys.stderr)
""")


class CountingSink:
    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0

    def header(self, line: bytes) -> None:
        pass

    def events(self, lines: list[bytes]) -> None:
        self.count += len(lines)
        self.bytes += sum(map(len, lines))

    def end(self, line: bytes) -> None:
        pass


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "busy.py"
        script.write_text(SCRIPT)
        err = Path(tmp) / "err"
        print(f"{CYCLES:,} lock cycles (2 events each) through a real run, child → parent → trace lines")
        print(f"{'threads':>8} {'events':>10} {'seconds':>8} {'events/s':>10} {'ns/cycle in child':>18}")
        for threads in (1, 4, 16):
            fd = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            sink = CountingSink()
            spec = RunSpec(path=str(script), target="busy", argv=[str(threads), str(CYCLES)], stdout=fd,
                           max_events=10**8, timeout=300)
            t0 = time.perf_counter()
            end = Supervisor(spec, sink).run()
            seconds = time.perf_counter() - t0
            os.close(fd)
            assert end["status"] == "finished", end
            per_cycle = float(err.read_text().split()[-1])
            print(f"{threads:>8} {sink.count:>10,} {seconds:>8.2f} {sink.count / seconds:>10,.0f} {per_cycle:>18.0f}")


if __name__ == "__main__":
    main()
