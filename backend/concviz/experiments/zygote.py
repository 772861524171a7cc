"""A pre-started interpreter for the runs of a sweep: import the runner and the instrumentation once, fork each run.

Most of a run's start-up is its child importing the instrumentation (about
150 ms against 17 ms for a bare interpreter). ``Zygote`` starts
``python -m concviz.experiments.zygote`` once; it imports ``concviz.runner``
and ``concviz.instrument`` (installing nothing) and waits on a Unix socket.
For each run, ``ZygoteSupervisor.spawn`` sends it the runner's config, its
environment and its file descriptors (trace pipe, lifeline, output) over one
connection; the zygote forks, and the fork does what ``python -m
concviz.runner`` does — a new session, the run's environment and output,
``runner.run``, then Python's own shutdown steps (join the threads, run the
``atexit`` functions) — and the zygote sends back its pid, and later its
exit status (it is the fork's parent, the only one that can wait for it).

It is the default for sweeps (``LocalPool(prestart=True)``,
``Settings.sweep_prestart``; ``concviz sweep --fresh`` turns it off), with
two differences from a fresh interpreter: every run shares the zygote's hash
seed (set orders of strings repeat from run to run), and modules the zygote
imported are not imported again (their import-time state is the zygote's).
A controlled run (which needs ``PYTHONHASHSEED=0``) is always started afresh.
The run's own environment variables are set with ``os.environ``, so
``/proc/PID/environ`` of the fork, and of what it forks without ``exec``,
still shows the zygote's: ``reaper`` would not find such a process that left
the run's process group (a double-fork daemon). So the fork also names
itself after its run (``prctl(PR_SET_NAME)``, ``/proc/PID/comm``, which a
fork inherits and an ``exec`` replaces — and an exec'd process has the right
environment), and ``ZygoteSupervisor`` kills what carries the name too.

The zygote dies with whoever started it (its standard input is a pipe from
it: end of file → exit).
"""

from __future__ import annotations

import array
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from typing import Any

from concviz.supervisor import RunSpec, Sink, Supervisor

_MAX_MESSAGE = 1 << 20


# --- the zygote process ---------------------------------------------------------------------


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    fds = array.array("i")
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk, ancillary, _, _ = conn.recvmsg(_MAX_MESSAGE, socket.CMSG_SPACE(16 * fds.itemsize))
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
        if not chunk:
            raise EOFError("the supervisor closed the connection")
        data += chunk
    return json.loads(data), list(fds)


def _child(request: dict[str, Any], fds: list[int], listener: socket.socket, conns: list[socket.socket],
           own: tuple[int, ...]) -> None:
    """In the fork: become the run's process, run it, leave as Python would."""
    code = 1
    try:
        os.setsid()
        listener.close()
        for fd in own:
            os.close(fd)
        for conn in conns:
            conn.close()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        names = request["fds"]  # which received fd is which
        given = dict(zip(names, fds, strict=True))
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        if "stdout" in given:
            os.dup2(given["stdout"], 1)
            os.dup2(given["stdout"], 2)
            os.close(given.pop("stdout"))
        os.environ.clear()
        os.environ.update(request["env"])
        _set_name(request["tag"])
        config = dict(request["config"], trace_fd=given["trace"], lifeline_fd=given["lifeline"])
        from concviz import runner

        try:
            code = runner.run(runner.ChildConfig(**config))
        except SystemExit as exc:
            code = runner._exit_code(exc)
        # What the interpreter does on its way out: wait for the program's
        # threads, then its exit functions (the recorder's last flush).
        threading._shutdown()  # type: ignore[attr-defined]
        import atexit

        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def _set_name(tag: str) -> None:
    import ctypes

    pr_set_name = 15
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_name, tag.encode()[:15], 0, 0, 0)


def tag_of(run_id: str) -> str:
    """The process name of a run's fork and of what it forks (15 bytes at most)."""
    return f"cz-{run_id}"[:15]


def kill_tagged(tag: str, rounds: int = 3) -> list[int]:
    """SIGKILL every process named ``tag`` (a few rounds: one may fork while the others die)."""
    killed: list[int] = []
    me = os.getpid()
    for _ in range(rounds):
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != me:
                try:
                    with open(f"/proc/{entry}/comm", "rb") as f:
                        if f.read().rstrip(b"\n") == tag.encode():
                            found.append(int(entry))
                except OSError:
                    continue
        if not found:
            break
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                continue
            killed.append(pid)
    return killed


def serve(directory: str) -> None:
    """The zygote's loop: fork a run per request, report each fork's pid and, once it is gone, its status."""
    import concviz.instrument
    import concviz.runner  # noqa: F401

    path = os.path.join(directory, "zygote.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    print(path, flush=True)
    waiting: dict[int, socket.socket] = {}
    stdin = sys.stdin.fileno()
    while True:
        ready, _, _ = select.select([listener, stdin, wake_r], [], [], 1.0)
        if stdin in ready and not os.read(stdin, 1):
            return  # whoever started us is gone
        if wake_r in ready:
            os.read(wake_r, 4096)
        if listener in ready:
            conn, _ = listener.accept()
            try:
                request, fds = _receive(conn)
            except (OSError, EOFError, ValueError):
                conn.close()
                continue
            pid = os.fork()
            if pid == 0:
                _child(request, fds, listener, [*waiting.values(), conn], (wake_r, wake_w))
            for fd in fds:
                os.close(fd)
            conn.sendall(f"{pid}\n".encode())
            waiting[pid] = conn
        while waiting:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            told = waiting.pop(pid, None)
            if told is not None:
                try:
                    told.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
                except OSError:
                    pass
                told.close()


# --- the supervisor's side ------------------------------------------------------------------


class Zygote:
    """A started zygote (``close`` ends it)."""

    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="concviz-zygote-")
        # Its own session, and "concviz.runner" on its command line (which its forks keep), so that
        # whoever looks for the processes of runs by their command line finds the forks too.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "concviz.experiments.zygote", self.directory, "concviz.runner"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the pre-started interpreter did not start")
        self.path = line.decode().strip()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()  # end of file: it leaves
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        import shutil

        shutil.rmtree(self.directory, ignore_errors=True)


class ForkedRun:
    """A run forked by the zygote, as the supervisor sees a ``Popen``: ``pid``, ``poll()``, ``wait()``."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.file = conn.makefile("rb")
        self.pid = int(self.file.readline())
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self.conn], [], [], 0)[0]:
            self._read()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self.conn], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired("concviz.runner", timeout or 0)
            self._read()
        assert self.returncode is not None
        return self.returncode

    def _read(self) -> None:
        line = self.file.readline()
        # No status: the zygote died; the run's group was killed with its lifeline.
        self.returncode = int(line) if line.strip() else -signal.SIGKILL
        self.file.close()
        self.conn.close()


class ZygoteSupervisor(Supervisor):
    def __init__(self, spec: RunSpec, sink: Sink, zygote: Zygote) -> None:
        super().__init__(spec, sink)
        self.zygote = zygote

    def spawn(self, config: dict[str, Any], pass_fds: tuple[int, ...], env: dict[str, str]) -> Any:
        if config.get("control") is not None:
            return super().spawn(config, pass_fds, env)  # a controlled run needs its own hash seed
        names = ["trace", "lifeline", "stdout"]
        # the program's output: where it was asked to go, else ours (as a Popen would inherit it)
        fds = [config["trace_fd"], config["lifeline_fd"], 1 if self.spec.stdout is None else self.spec.stdout]
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(self.zygote.path)
        message = json.dumps({"config": config, "env": env, "fds": names,
                              "tag": tag_of(self.spec.run_id)}).encode() + b"\n"
        conn.sendmsg([message], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())])
        return ForkedRun(conn)

    def _kill_escaped(self) -> None:
        super()._kill_escaped()
        if isinstance(self.proc, ForkedRun):
            self.escaped += kill_tagged(tag_of(self.spec.run_id))


if __name__ == "__main__":
    serve(sys.argv[1])
