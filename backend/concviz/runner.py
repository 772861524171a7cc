"""The child process of a run: ``python -m concviz.runner CONFIG_JSON``.

It installs the instrumentation, then runs the target as ``__main__`` exactly
as ``python path/to/script.py args...`` would, while the recorder writes
events to the trace pipe given by the parent (``concviz.supervisor``). A
watchdog thread kills the whole process group when the parent goes away, so
that no run outlives whoever started it.
"""

from __future__ import annotations

import _thread
import ast
import atexit
import importlib.machinery
import os
import signal
import sys
import time
import types
from dataclasses import dataclass, field
from typing import Any

import msgspec

from concviz import recorder

PLAIN_START_S = 0.01
"""About the CPU time a plain interpreter's main thread has used when a script starts."""
SETTLE_S = float(os.environ.get("CONCVIZ_SETTLE_S", "0.03"))
"""The pause before the program (``_settle``); 0: none."""


def _settle() -> None:
    """Let the main thread's setup be forgotten before the program starts
    (what is left after it, the recorder's start and the program's
    compilation, runs about 2 ms).

    Linux keeps an account of each thread's recent CPU use, which decays in
    tens of milliseconds and guides where and when the threads it starts
    run. The child's setup (imports, instrumentation: 60-100 ms, against
    10 ms for a plain interpreter's start) left the tutorial's race at gap 0
    losing 8-10% fewer updates than under plain Python, and so did a plain
    Python run that first spins 150 ms; a pause of 30 ms brings both back
    (longer ones overshoot: 60 ms +3-6%, 90 ms +10% on 3.12). Measured with
    ``bench/observer_effect.py`` and ``bench/observer_probe.py``."""
    if SETTLE_S > 0 and time.thread_time() > PLAIN_START_S:  # not a run forked from a process that set up long ago
        time.sleep(SETTLE_S)  # not recorded: not the program's code


@dataclass
class ChildConfig:
    """What the parent tells the child (as one JSON argument)."""

    path: str
    argv: list[str] = field(default_factory=list)
    watch: list[str] = field(default_factory=list)
    lines: bool = False
    trace_fd: int = -1
    trace_socket: str | None = None
    """Where the program's other processes send their events (None: they are not recorded)."""
    lifeline_fd: int = -1
    max_threads: int = 2000
    max_events: int = 2_000_000
    control: dict[str, Any] | None = None
    """Controlled mode's settings (``concviz.control.install``); None: threads run free."""


def _watch_lifeline(fd: int) -> None:
    """Block until the parent's end of the lifeline pipe closes, then end the run."""
    try:
        while os.read(fd, 1):
            pass
    except OSError:
        pass
    os.killpg(os.getpgrp(), signal.SIGKILL)


def _compile(path: str, watch: list[str], controlled: bool) -> tuple[types.CodeType, dict[str, Any]]:
    """The main file's code, rewritten where concviz must see what no patch
    can (watched variables, generators driven by hand), and the helpers the
    rewritten code calls."""
    with open(path, "rb") as f:
        source = f.read()
    from concviz.instrument import generators
    from concviz.instrument import watch as watching

    if not watch and not generators.wanted(source):
        return compile(source, path, "exec", dont_inherit=True), {}
    tree = ast.parse(source, path)
    helpers: dict[str, Any] = {}
    if generators.wanted(source):
        tree = generators.rewrite(tree)
        helpers.update(generators.helpers())
    if watch:
        tree = watching.rewrite(tree, watch)
        if controlled:
            from concviz.control import hooks

            helpers.update(hooks.watch_helpers())
        else:
            helpers.update(watching.helpers())
    return compile(tree, path, "exec", dont_inherit=True), helpers


_root_pid = 0


def _record_end(exit_code: int, error: str | None) -> None:
    if os.getpid() != _root_pid:
        # A child forked by the program (os.fork) leaving the main module.
        recorder.append((recorder.ns(), recorder.ident(), "process.exit", None, {"exit_code": exit_code}))
        return
    recorder.append((recorder.ns(), recorder.ident(), "program.end", None,
                     {"exit_code": exit_code, "error": error}))


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return int(code)  # sys.exit(True) is exit code 1
    return 1


def run(config: ChildConfig) -> int:
    global _root_pid
    _root_pid = os.getpid()
    if config.lifeline_fd >= 0:
        _thread.start_new_thread(_watch_lifeline, (config.lifeline_fd,))
    from concviz import instrument

    # The last of the setup that costs (the instrumentation's imports) is
    # done: the pause comes now, before the trace's clock starts, so that a
    # timeline does not open on it.
    _settle()
    child_config = None
    if config.trace_socket is not None:
        # The supervisor put it in our environment too, for the processes we start.
        child_config = {"socket": config.trace_socket, "max_events": config.max_events,
                        "max_threads": config.max_threads, "lines": config.lines}
    recorder.start(config.trace_fd, config.max_events, child_config)
    atexit.register(recorder.stop)

    path = os.path.abspath(config.path)
    code, helpers = _compile(path, config.watch, config.control is not None)

    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__spec__ = None
    main.__loader__ = importlib.machinery.SourceFileLoader("__main__", path)
    main.__builtins__ = __builtins__  # type: ignore[attr-defined]
    vars(main).update(helpers)
    sys.modules["__main__"] = main
    sys.argv = [config.path, *config.argv]
    sys.path[0] = os.path.dirname(path)

    instrument.install(max_threads=config.max_threads, record_lines=config.lines)
    if config.control is not None:
        from concviz import control

        control.install(config.control)
    try:
        exec(code, vars(main))
    except SystemExit as exc:
        exit_code = _exit_code(exc)
        _record_end(exit_code, None)
        raise
    except BaseException as exc:  # the program's own uncaught error: report it as python would
        tb = exc.__traceback__.tb_next if exc.__traceback__ else None
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        _record_end(1, f"{type(exc).__name__}: {exc}")
        return 1
    else:
        _record_end(0, None)
        return 0
    finally:
        if config.control is not None:
            control.main_done()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m concviz.runner CONFIG_JSON", file=sys.stderr)
        return 2
    config = ChildConfig(**msgspec.json.decode(argv[1]))
    return run(config)


def _entry() -> Any:
    sys.exit(main(sys.argv))


if __name__ == "__main__":
    _entry()
