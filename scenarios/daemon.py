"""Daemon threads: the program does not wait for them.

Concept: a daemon thread is killed when the main thread and every other
non-daemon thread have finished. A non-daemon thread keeps the program alive
until it ends.

What to look for: the non-daemon worker finishes its sleeps and the program
then exits at once — the daemon lane stops mid-sleep without a "done" line,
because nobody waited for it.
"""

import threading
import time

from concviz.params import Param, read_params

PARAMS = [
    Param("worker_time", 0.3, min=0.01, max=5.0, scale="log", unit="s",
          help="how long the non-daemon worker runs"),
    Param("daemon_time", 3.0, min=0.01, max=30.0, scale="log", unit="s",
          help="how long the daemon would run if nobody stopped it"),
]

P = read_params(PARAMS)


def run(name, seconds, steps=3):
    for i in range(steps):
        time.sleep(seconds / steps)
        print(f"{name}: step {i + 1} of {steps}")
    print(f"{name}: done")


daemon = threading.Thread(target=run, args=("daemon", P.daemon_time), name="daemon", daemon=True)
worker = threading.Thread(target=run, args=("worker", P.worker_time), name="worker")
daemon.start()
worker.start()
print("main: done, exiting without joining")
