"""The fold's handlers for processes, pipes and CPU samples
(``concviz.analysis.fold`` registers them in its ``_HANDLERS``).

A process's threads are known by their ids: a child numbers them from
``pid << ID_SHIFT``, the program's own process from 0. When a process is gone
(``process.end``) every thread of it is over, whether or not it said so: a
killed process records nothing. A thread in ``Process.join()`` or in a
pipe's ``recv()`` waits for another process; only the program can end that
wait, so both count as stuck for the deadlock rule (``Wait.what`` is
``process`` or ``pipe``; a pool's ``join()`` is ``pool``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from concviz.recorder import ID_SHIFT

if TYPE_CHECKING:
    from concviz.analysis.fold import Fold


@dataclass(slots=True)
class Process:
    pid: int
    parent: int
    name: str
    method: str
    main_tid: int
    exit_code: int | None = None
    alive: bool = True
    helper: bool = False
    tids: set[int] = field(default_factory=set)


@dataclass(slots=True)
class PipeStats:
    sends: int = 0
    recvs: int = 0


@dataclass(slots=True)
class PoolStats:
    jobs: int = 0
    tasks: int = 0
    failed: int = 0


class Processes:
    """Every process of the run, by pid (``Fold.processes``)."""

    def __init__(self) -> None:
        self.by_pid: dict[int, Process] = {}
        self.root_pid: int | None = None
        self.cpu_ns: dict[int, int] = {}
        """thread → nanoseconds on a CPU."""
        self.pipes: dict[int, PipeStats] = {}
        self.pools: dict[int, PoolStats] = {}
        self.proxy_calls: dict[int, int] = {}
        """shared object → calls made through its proxies."""

    def pid_of(self, tid: int) -> int | None:
        return tid >> ID_SHIFT or self.root_pid

    def of_helper(self, tid: int) -> bool:
        """Whether ``tid`` is a thread of a helper process (it can free nothing of the program's)."""
        proc = self.by_pid.get(tid >> ID_SHIFT) if tid >> ID_SHIFT else None
        return proc is not None and proc.helper


def _begin(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    procs = fold.processes
    pid = args["pid"]
    if args["method"] == "root":
        procs.root_pid = pid
    name = args["name"] or f"pid {pid}"
    procs.by_pid[pid] = Process(pid, args["ppid"], name, args["method"], tid, tids={tid})
    th = fold.thread(tid)
    th.alive = True
    if tid != 0:
        th.name = name


def _name(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    proc = fold.processes.by_pid.get(fold.processes.pid_of(tid))  # type: ignore[arg-type]
    if proc is not None:
        proc.name = args["name"]
        proc.helper = bool(args.get("helper"))
        if proc.main_tid != 0:
            fold.thread(proc.main_tid).name = args["name"]


def _exit(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    proc = fold.processes.by_pid.get(fold.processes.pid_of(tid))  # type: ignore[arg-type]
    if proc is not None:
        proc.exit_code = args["exit_code"]


def _end(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    procs = fold.processes
    pid = args["pid"]
    proc = procs.by_pid.get(pid)
    if proc is not None:
        proc.alive = False
    for th in fold.threads.values():
        if procs.pid_of(th.tid) == pid:
            th.alive = False
            th.waiting.clear()


def _join(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    fold._push(seq, tid, args, "process", args["pid"])


def _joined(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    fold._pop(tid, "process")
    proc = fold.processes.by_pid.get(args["pid"])
    if proc is not None and args["exit_code"] is not None:
        proc.exit_code = args["exit_code"]


def thread_begun(fold: Fold, tid: int) -> None:
    proc = fold.processes.by_pid.get(fold.processes.pid_of(tid))  # type: ignore[arg-type]
    if proc is not None:
        proc.tids.add(tid)


def _cpu(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    cpu = fold.processes.cpu_ns
    cpu[tid] = cpu.get(tid, 0) + args["on"]


def _pipe(fold: Fold, obj_id: int | None) -> PipeStats:
    stats = fold.processes.pipes.get(obj_id)  # type: ignore[arg-type]
    if stats is None:
        stats = fold.processes.pipes[obj_id] = PipeStats()  # type: ignore[index]
    return stats


def _pipe_send(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    _pipe(fold, obj_id).sends += 1


def _pipe_recv(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    _pipe(fold, obj_id).recvs += 1


def _pipe_block(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    obj = fold.objects.get(obj_id)  # type: ignore[arg-type]
    if obj is not None:
        obj.waiters[tid] = seq
        obj.max_waiters = max(obj.max_waiters, len(obj.waiters))
    fold._push(seq, tid, args | {"timeout": None}, "pipe", obj_id)  # type: ignore[arg-type]


def _pipe_wake(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    obj = fold.objects.get(obj_id)  # type: ignore[arg-type]
    if obj is not None:
        obj.waiters.pop(tid, None)
    fold._pop(tid, "pipe")


def _pool(fold: Fold, obj_id: int | None) -> PoolStats:
    stats = fold.processes.pools.get(obj_id)  # type: ignore[arg-type]
    if stats is None:
        stats = fold.processes.pools[obj_id] = PoolStats()  # type: ignore[index]
    return stats


def _pool_submit(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    _pool(fold, obj_id).jobs += 1


def _pool_result(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    stats = _pool(fold, obj_id)
    stats.tasks += 1
    if not args["ok"]:
        stats.failed += 1


def _pool_join(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    fold._push(seq, tid, args | {"timeout": None}, "pool", obj_id)  # type: ignore[arg-type]


def _pool_joined(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    fold._pop(tid, "pool")


def _proxy_call(fold: Fold, seq: int, tid: int, obj_id: int | None, args: dict[str, Any]) -> None:
    calls = fold.processes.proxy_calls
    calls[obj_id] = calls.get(obj_id, 0) + 1  # type: ignore[index,arg-type]


def summary(fold: Fold) -> dict[str, dict[str, Any]]:
    """``summary["processes"]``: pid → name, parent, exit_code, ended, threads, cpu_s. A
    process can have ended with no exit code known: ``os._exit``, a signal, a crash."""
    cpu = fold.processes.cpu_ns
    root_exit = (fold.program_end or {}).get("exit_code")
    return {
        str(p.pid): {"name": p.name, "parent": p.parent,
                     "exit_code": root_exit if p.method == "root" else p.exit_code,
                     "ended": not p.alive, "threads": len(p.tids),
                     "cpu_s": round(sum(cpu.get(t, 0) for t in p.tids) / 1e9, 6)}
        for p in fold.processes.by_pid.values()
    }


HANDLERS: dict[str, Any] = {
    "process.begin": _begin,
    "process.name": _name,
    "process.exit": _exit,
    "process.end": _end,
    "process.join": _join,
    "process.joined": _joined,
    "cpu": _cpu,
    "pipe.send": _pipe_send,
    "pipe.recv": _pipe_recv,
    "pipe.block": _pipe_block,
    "pipe.wake": _pipe_wake,
    "pool.submit": _pool_submit,
    "pool.result": _pool_result,
    "pool.join": _pool_join,
    "pool.joined": _pool_joined,
    "proxy.call": _proxy_call,
}
