"""Recording in a process that the program started as a new interpreter
(multiprocessing's spawn and forkserver start methods, ``subprocess`` running
``python``). ``concviz/boot/sitecustomize.py`` calls ``boot()`` before the
interpreter runs anything of the program's.

Forked children need none of this: they inherit the instrumentation and
``concviz.recorder`` opens their stream right after the fork.
"""

from __future__ import annotations

import atexit
import os
import sys

import msgspec

from concviz import recorder

BOOT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "boot")

# multiprocessing's resource tracker is a helper with nothing of the
# program's in it; a forkserver is a helper too, but the processes it forks
# are the program's, so it records (named "forkserver").
_HELPERS = ("multiprocessing.resource_tracker",)
_RUNNER = "concviz.runner"  # the program's own process records through its pipe
_FORKSERVER = "multiprocessing.forkserver"


def child_environment(config: dict[str, object]) -> dict[str, str]:
    """The variables that make the processes of a run record themselves."""
    path = os.environ.get("PYTHONPATH")
    return {
        recorder.CHILD_ENV: msgspec.json.encode(config).decode(),
        "PYTHONPATH": BOOT_DIR + (os.pathsep + path if path else ""),
    }


def boot() -> None:
    command = " ".join(getattr(sys, "orig_argv", sys.argv))
    if _RUNNER in command or any(helper in command for helper in _HELPERS):
        return
    config = msgspec.json.decode(os.environ[recorder.CHILD_ENV])
    forkserver = _FORKSERVER in command
    recorder.start_child(config, forkserver=forkserver)
    atexit.register(recorder.stop)

    from concviz import instrument

    instrument.install(max_threads=config["max_threads"], record_lines=config["lines"])
    if forkserver:
        recorder.append((recorder.ns(), recorder.ident(), "process.name", None, {"name": "forkserver", "helper": True}))
