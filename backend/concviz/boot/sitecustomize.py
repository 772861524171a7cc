"""Start concviz's recording in every Python process that a recorded program
starts (a multiprocessing spawn or forkserver child, any ``python`` it runs).

The run puts this directory first on ``PYTHONPATH``; Python's ``site``
imports this module at start-up. It records only when the run's
``CONCVIZ_CHILD`` variable is set, then steps aside: the directory leaves
``sys.path`` and the program's own ``sitecustomize``, if it has one, runs as
it would have.
"""

import os
import sys


def _in_main_interpreter() -> bool:
    """A subinterpreter (``_interpreters``, ``test.support.interpreters``)
    imports ``site`` too, inside a process that is already recorded (or is
    the runner itself): it must not start a recording of its own."""
    for name in ("_interpreters", "_xxsubinterpreters"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        return bool(module.get_current() == module.get_main())
    return True


def _boot() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    if os.environ.get("CONCVIZ_CHILD") and _in_main_interpreter():
        try:
            from concviz import child

            child.boot()
        except Exception as error:  # never stop the program for want of a recording
            sys.stderr.write(f"concviz: process {os.getpid()} is not recorded: {error!r}\n")
    ours = sys.modules.pop("sitecustomize")
    try:
        import sitecustomize  # noqa: F401  (the program's own, if any)
    except ImportError:
        sys.modules["sitecustomize"] = ours


_boot()
