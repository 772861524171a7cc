"""The parent side of a run: start the child, read its events, end it.

``Supervisor`` starts ``python -m concviz.runner`` in a new session (its own
process group), reads the trace pipe, folds the events to detect deadlocks
as they form, enforces the wall-time limit, and on any ending kills the whole
process group so that nothing the program spawned survives it. Whoever uses
it (the CLI, the web server) receives the trace as header, batches of event
lines and an end record, through a ``Sink``.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import msgspec

from concviz import child, reaper
from concviz.analysis.fold import Fold
from concviz.analysis.summary import summarise
from concviz.cpu import CpuSampler
from concviz.memory import MemorySampler
from concviz.memory import describe as describe_memory
from concviz.merge import Merger
from concviz.runner import ChildConfig
from concviz.translate import Lines, Stream, Translator


class Status(enum.StrEnum):
    """A run's lifecycle: pending → running → one of the endings."""

    PENDING = "pending"
    RUNNING = "running"
    FINISHED = "finished"
    DEADLOCKED = "deadlocked"
    TIMED_OUT = "timed_out"
    CRASHED = "crashed"
    LIMIT_EXCEEDED = "limit_exceeded"
    STOPPED = "stopped"
    INTERRUPTED = "interrupted"


EXIT_DEADLOCK = 3
EXIT_TIMEOUT = 124
EXIT_LIMIT = 125
EXIT_STOPPED = 130


@dataclass
class RunSpec:
    """Everything that defines a run."""

    path: str
    target: str
    argv: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    watch: list[str] = field(default_factory=list)
    lines: bool = False
    timeout: float = 60.0
    max_threads: int = 2000
    max_events: int = 2_000_000
    max_memory: int | None = None
    """Resident bytes all the run's processes may hold together (``concviz.memory``); None: no limit."""
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    stdout: int | None = None
    """File descriptor for the program's stdout/stderr (None: inherit)."""
    control: dict[str, Any] | None = None
    """Controlled mode (``concviz.control``): ``{"strategy": ..., "seed": ...}``; None: threads run free."""


class Sink(Protocol):
    """Where a run's trace goes: its header line, its event lines batch by
    batch (``lines.data`` is them as a trace file holds them), its end line."""

    def header(self, line: bytes) -> None: ...
    def events(self, lines: Lines) -> None: ...
    def end(self, line: bytes) -> None: ...


_encode = msgspec.json.Encoder().encode

# After the program's own process has gone, how long its other processes'
# streams may take to end (they were killed with the group: only a process
# that left the group can still hold one open, and it is not waited for).
DRAIN_S = 1.0
READ_SIZE = 1 << 20
PIPE_BYTES = 1 << 20
# The longest line (one batch of at most recorder.BATCH events) the parent
# holds while waiting for its end: a stream past it is not our recorder's.
MAX_PENDING = 64 << 20
# How long a controlled run's scheduler has to report a deadlock (with its
# schedule) before a cycle found in the trace ends the run anyway.
CYCLE_GRACE_S = 0.5


def _widen(pipe: int) -> None:
    """A trace pipe of PIPE_BYTES instead of the kernel's 64 KiB: a busy
    program's writer hands over a whole flush at once, and the parent reads it
    in few calls. The kernel may refuse (a lower ``pipe-max-size``): then the
    pipe stays as it is."""
    with contextlib.suppress(OSError):
        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, PIPE_BYTES)


class Supervisor:
    def __init__(self, spec: RunSpec, sink: Sink) -> None:
        self.spec = spec
        self.sink = sink
        self.fold = Fold()
        self.translator = Translator(self.fold)
        self.merger = Merger(self.translator, self._deliver)
        self.cpu = CpuSampler()
        self._delivered = False
        self.escaped: list[int] = []
        """Processes of the run that had left its process group, killed at its end."""
        self.status = Status.PENDING
        self.deadlock: list[dict[str, Any]] | None = None
        self.proc: Any = None
        """The runner's process: a ``subprocess.Popen`` (or what ``spawn`` returns)."""
        self._stop_requested = threading.Event()
        self._started_ns = 0
        self.end_record: dict[str, Any] | None = None
        self.protocol_error: str | None = None
        self.control_message: str | None = None
        self._cycle_seen = 0.0
        self._crowd_mark = spec.max_threads
        self._count_now = False
        self.memory: MemorySampler | None = None
        self.limit_message: str | None = None

    # --- lifecycle -------------------------------------------------------------

    def header(self) -> dict[str, Any]:
        from concviz import events  # after the spawn (see start): its import takes a while

        spec = self.spec
        source: dict[str, str] = {}
        try:
            source[spec.path] = Path(spec.path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            pass
        return asdict(events.Header(
            type="header", format=events.FORMAT, version=events.VERSION, run_id=spec.run_id,
            target=spec.target, argv=spec.argv, params=spec.params, watch=spec.watch, lines=spec.lines,
            started_at=time.time(), python=sys.version.split()[0], source=source,
            control=None if spec.control is None else {k: v for k, v in spec.control.items() if k != "steps"},
        ))

    def start(self) -> None:
        spec = self.spec
        trace_r, trace_w = os.pipe()
        _widen(trace_w)
        life_r, self._life_w = os.pipe()
        # The program's other processes connect here, one stream each.
        self._socket_dir = tempfile.mkdtemp(prefix="concviz-")
        socket_path = os.path.join(self._socket_dir, "trace.sock")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(socket_path)
        self._listener.listen(64)
        self._listener.setblocking(False)
        control, control_r = self._control_channel()
        config = ChildConfig(
            path=os.path.abspath(spec.path), argv=spec.argv, watch=spec.watch, lines=spec.lines,
            trace_fd=trace_w, trace_socket=socket_path, lifeline_fd=life_r, max_threads=spec.max_threads,
            max_events=spec.max_events, control=control,
        )
        env = dict(os.environ)
        env.pop("PYTHONSTARTUP", None)
        # Every process of the run records itself (concviz.child), and can be
        # found by this variable, whatever session it moves to (concviz.reaper).
        env.update(child.child_environment({
            "socket": socket_path, "max_events": spec.max_events, "max_threads": spec.max_threads,
            "lines": spec.lines}))
        if control is not None:
            env["PYTHONHASHSEED"] = "0"  # the same set and dict orders in every replay
        self._started_ns = time.monotonic_ns()
        self.proc = self.spawn(asdict(config), (trace_w, life_r) + ((control_r,) if control_r >= 0 else ()), env)
        os.close(trace_w)
        os.close(life_r)
        if control_r >= 0:
            os.close(control_r)
        self._trace_r = trace_r
        # Once the child is starting: what the parent does from here on
        # (the header and its schema's import) is done while the child boots.
        self.sink.header(_encode(self.header()))
        if spec.max_memory is not None:
            self.memory = MemorySampler(self.proc.pid, socket_path, max_processes=spec.max_threads)
        self.status = Status.RUNNING

    def spawn(self, config: dict[str, Any], pass_fds: tuple[int, ...], env: dict[str, str]) -> Any:
        """Start ``python -m concviz.runner CONFIG_JSON`` in a new session. Whatever is returned needs
        ``pid``, ``poll()`` and ``wait()`` (``concviz.experiments.zygote`` forks it from a pre-started one)."""
        return subprocess.Popen(
            [sys.executable, "-m", "concviz.runner", json.dumps(config)],
            pass_fds=pass_fds,
            start_new_session=True,
            stdin=subprocess.DEVNULL if self.spec.stdout is not None else None,
            stdout=self.spec.stdout,
            stderr=self.spec.stdout,
            env=env,
        )

    def stop(self) -> None:
        """Ask the run to stop (from any thread)."""
        self._stop_requested.set()

    # --- controlled mode ---------------------------------------------------------------

    def _control_channel(self) -> tuple[dict[str, Any] | None, int]:
        """The child's control settings, and the read end of the pipe a person's
        choices go through (``-1``: no person in this strategy)."""
        control = self.spec.control
        if control is None:
            return None, -1
        control = dict(control)
        if control["strategy"] == "step" or control.get("then") == "step":
            control_r, control_w = os.pipe()
            self._control_w: int | None = control_w
            control["fd"] = control_r
            return control, control_r
        return control, -1

    def steer(self, message: dict[str, Any]) -> None:
        """Send a person's choice to a run in step mode (``concviz.control.step``).
        Raises ``OSError`` when the run has no control pipe or it is closed."""
        fd = getattr(self, "_control_w", None)
        if fd is None:
            raise OSError("this run is not in step mode")
        os.write(fd, _encode(message) + b"\n")

    def _kill_group(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(OSError):
            # Killed processes run again only to die; at the lowest priority
            # thousands of them (a fork bomb) leave the supervisor its share.
            os.setpriority(os.PRIO_PGRP, self.proc.pid, 19)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def _kill_escaped(self) -> None:
        """Kill what left the process group (a new session, a daemon)."""
        group = self.proc.pid if self.proc is not None else None
        self.escaped = reaper.kill_run(os.path.join(self._socket_dir, "trace.sock"), group)

    # --- the reading loop ------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        """Start (if needed), follow the run to its end, and return the end record."""
        if self.proc is None:
            self.start()
        assert self.proc is not None
        deadline = time.monotonic() + self.spec.timeout
        ending: Status | None = None
        root = self.merger.add(self.translator.root)
        # fd → (stream, partial line)
        readers: dict[int, tuple[Stream, bytearray]] = {self._trace_r: (root, bytearray())}
        listener = self._listener.fileno()
        drain_until: float | None = None
        try:
            while readers and (drain_until is None or time.monotonic() < drain_until):
                if ending is None:
                    if self._stop_requested.is_set():
                        ending = Status.STOPPED
                    elif time.monotonic() >= deadline:
                        ending = Status.TIMED_OUT
                    if ending is not None:
                        self._kill_group()
                wait = 0.05 if not self.merger.merging else 0.01
                ready, _, _ = select.select([*readers, listener], [], [], min(wait, self.cpu.period_ns / 1e9))
                for fd in ready:
                    if ending is None and self._crowded(readers):
                        break  # check it before reading on (the rest is ready next time)
                    if fd == listener:
                        self._accept(readers)
                        continue
                    try:
                        self._read(fd, readers)
                    except (msgspec.DecodeError, msgspec.ValidationError, KeyError, TypeError, OverflowError) as error:
                        # Not what our recorder writes: something in the run
                        # wrote into a trace stream. End the run; keep what came before.
                        self.protocol_error = f"the run's event stream was corrupted: {error}"
                        ending = Status.CRASHED
                        self._kill_group()
                        self._close_all(readers)
                        break
                now = time.perf_counter_ns()
                if ending is None and self.fold.limit is None and self.cpu.due(now):
                    self._sample_cpu()
                self.merger.release(now)
                if ending is None:
                    if self.fold.limit is not None or self.fold.events > self.spec.max_events:
                        if self.fold.limit is None:
                            self.fold.limit = {"what": "events", "limit": self.spec.max_events}
                        ending = Status.LIMIT_EXCEEDED
                        self._kill_group()
                    elif self._over_memory(readers):
                        ending = Status.LIMIT_EXCEEDED
                        self._kill_group()
                        self._kill_escaped()
                    elif self.spec.control is not None:
                        ending = self._controlled_ending()
                    elif self._delivered and (cycle := self.fold.deadlock()) is not None:
                        self.deadlock = cycle
                        ending = Status.DEADLOCKED
                        self._kill_group()
                self._delivered = False
                if self._trace_r not in readers and drain_until is None:
                    drain_until = time.monotonic() + DRAIN_S
                elif self._trace_r in readers and self.proc.poll() is not None:
                    # The program's process is gone; what it left running must
                    # go too, and then its streams end.
                    self._kill_group()
        finally:
            self._close_all(readers)
            self.merger.flush()
            self._listener.close()
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            os.close(self._life_w)
            control_w = getattr(self, "_control_w", None)
            if control_w is not None:
                os.close(control_w)
                self._control_w = None
            self._kill_group()
            returncode = self.proc.wait()
            self._kill_escaped()
            reaper.wait_group_gone(self.proc.pid)  # a run has ended once nothing of it runs
        return self._finish(ending, returncode)

    def _crowded(self, readers: dict[int, tuple[Stream, bytearray]]) -> bool:
        """More streams open than the thread limit allows processes, and more
        than at the last count: a fork bomb's first sign. It doubles every
        few tens of milliseconds, and each thousand processes it has makes a
        count slower and the supervisor's share of the machine smaller, so
        the processes are counted at once. (Streams may outlast their
        processes a moment: then the count says so, and the next sign is a
        quarter of the limit more.)"""
        if self.memory is None or len(readers) <= self._crowd_mark:
            if len(readers) <= self.spec.max_threads:
                self._crowd_mark = self.spec.max_threads
            return False
        self._crowd_mark = len(readers) + self.spec.max_threads // 4
        self._count_now = True
        return True

    def _over_memory(self, readers: dict[int, tuple[Stream, bytearray]]) -> bool:
        """Whether the run's processes are too many or hold too much: sampled
        every period, or at once after a sign of a fork bomb."""
        self._crowded(readers)
        memory, limit = self.memory, self.spec.max_memory
        now = time.monotonic()
        if memory is None or limit is None or not (self._count_now or memory.due(now)):
            return False
        self._count_now = False
        used = memory.sample(now)
        if memory.processes > self.spec.max_threads:
            # Each process runs a thread: the thread limit, whatever the memory (a fork bomb).
            self.limit_message = (f"thread limit of {self.spec.max_threads} exceeded: {memory.processes} processes "
                                  "of the run were alive at once (set it with --max-threads)")
            return True
        if used <= limit:
            return False
        used = memory.proportional(limit) or used  # shared pages once, not once per fork
        if used <= limit:
            return False
        self.limit_message = (f"memory limit of {describe_memory(limit)} exceeded: the run's processes held "
                              f"{describe_memory(used)} (set it with --max-memory)")
        return True

    def _controlled_ending(self) -> Status | None:
        """A controlled run ends when its scheduler says no thread can move
        (its schedule is then in the trace): deadlocked, with the wait-for
        cycle when there is one; or nothing reached a point (timed out)."""
        stuck = self.fold.control.stuck
        if stuck is None:
            # A cycle the scheduler cannot see (between the program's other
            # processes, which run free) ends the run as in a free run, once
            # the scheduler has had a moment to say it too.
            if (self._delivered or self._cycle_seen) and (cycle := self.fold.deadlock()) is not None:
                now = time.monotonic()
                self._cycle_seen = self._cycle_seen or now
                if now - self._cycle_seen >= CYCLE_GRACE_S:
                    self.deadlock = cycle
                    self._kill_group()
                    return Status.DEADLOCKED
            return None
        self._kill_group()
        if stuck.get("message"):
            self.control_message = stuck["message"]
            return Status.TIMED_OUT
        self.deadlock = self.fold.deadlock() or [
            {"thread": t["thread"], "waits_for": t["reason"], "holds": [], "file": t["file"], "line": t["line"]}
            for t in stuck["threads"]]
        return Status.DEADLOCKED

    def _close_all(self, readers: dict[int, tuple[Stream, bytearray]]) -> None:
        for fd, (stream, _) in readers.items():
            os.close(fd)
            self.merger.close(stream)
        readers.clear()

    def _accept(self, readers: dict[int, tuple[Stream, bytearray]]) -> None:
        """Every connection waiting: a new process's stream each."""
        while True:
            try:
                conn, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            readers[conn.detach()] = (self.merger.add(), bytearray())

    def _read(self, fd: int, readers: dict[int, tuple[Stream, bytearray]]) -> None:
        stream, pending = readers[fd]
        try:
            chunk = os.read(fd, READ_SIZE)
        except OSError:
            chunk = b""
        if chunk:
            # A process connects before it records anything, so any of its events
            # timed before the end of this chunk is behind a connection already
            # waiting: take it now, and this chunk is merged with its stream
            # instead of passing straight through ahead of it.
            self._accept(readers)
            if b"\n" not in chunk:
                pending += chunk  # more of a long line
                if len(pending) > MAX_PENDING:
                    raise msgspec.DecodeError(f"a line longer than {MAX_PENDING >> 20} MiB without its end")
                return
            if pending:
                chunk = bytes(pending) + chunk
                pending.clear()
            # One read can hold many of a process's batches: hand each over as
            # soon as it is translated, so that viewers see the first events of
            # a burst before the last ones are translated. (As views of the
            # chunk: a read is about a megabyte, and copying it into lines
            # costs a busy run's parent about 5% of its time.)
            view = memoryview(chunk)
            start, last = 0, chunk.rindex(b"\n")
            while start <= last:
                end = chunk.index(b"\n", start)
                if end > start:
                    self.merger.feed(stream, view[start:end])
                start = end + 1
            pending += view[last + 1:]  # the start of a line still on its way (often nothing)
            if len(pending) > MAX_PENDING:
                raise msgspec.DecodeError(f"a line longer than {MAX_PENDING >> 20} MiB without its end")
            return
        del readers[fd]
        os.close(fd)
        self.merger.close(stream)

    def _sample_cpu(self) -> None:
        for sample in self.cpu.sample(self.merger.open):
            self.merger.add_sample(sample.stream, sample.t, sample.tid, "cpu",
                                   {"on": sample.on, "wait": sample.wait, "dt": sample.dt})

    def _deliver(self, lines: Lines) -> None:
        self._delivered = True
        self.sink.events(lines)

    def _finish(self, ending: Status | None, returncode: int) -> dict[str, Any]:
        program_end = self.fold.program_end
        if ending is not None:
            status = ending
            exit_code = {
                Status.DEADLOCKED: EXIT_DEADLOCK, Status.TIMED_OUT: EXIT_TIMEOUT,
                Status.LIMIT_EXCEEDED: EXIT_LIMIT, Status.STOPPED: EXIT_STOPPED, Status.CRASHED: 1,
            }[ending]
        elif self.fold.limit is not None:
            status, exit_code = Status.LIMIT_EXCEEDED, EXIT_LIMIT
        elif returncode < 0 or (program_end is not None and program_end.get("error")):
            status, exit_code = Status.CRASHED, returncode if returncode >= 0 else 128 - returncode
        else:
            status, exit_code = Status.FINISHED, returncode
        self.status = status
        if self.deadlock is None and status in (Status.CRASHED, Status.FINISHED):
            # A cycle still standing when the program ended: its members waited for each other to the end.
            self.deadlock = self.fold.deadlock(final=True)
        error = None
        if self.protocol_error:
            error = self.protocol_error
        elif status is Status.CRASHED:
            error = (program_end or {}).get("error") or f"the program died with signal {-returncode}"
        elif status is Status.LIMIT_EXCEEDED and self.limit_message:
            error = self.limit_message
        elif status is Status.LIMIT_EXCEEDED and self.fold.limit:
            error = f"limit of {self.fold.limit['limit']} {self.fold.limit['what']} exceeded"
        elif status is Status.TIMED_OUT and self.control_message:
            error = self.control_message
        elif status is Status.TIMED_OUT:
            error = f"time limit of {self.spec.timeout:g} s exceeded"
        from concviz import events

        record = asdict(events.End(
            type="end", status=status.value, exit_code=exit_code,  # type: ignore[arg-type]
            duration_ns=time.monotonic_ns() - self._started_ns,
            summary=summarise(self.fold, self.deadlock), error=error,
        ))
        self.end_record = record
        self.sink.end(_encode(record))
        return record
