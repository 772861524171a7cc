"""The trace format: every event kind, its fields and its meaning.

This module is the single source of truth for what a trace contains. The
recorder (``concviz.recorder``) emits these kinds, the analysis
(``concviz.analysis``) folds them, and the front end's TypeScript types are
generated from here (``python -m concviz.schema_gen``); a test fails when the
generated file drifts.

A trace is JSON Lines:

* line 1: a :class:`Header`;
* then one :class:`Envelope` per event, ``args`` holding the fields of the
  kind's dataclass below;
* last line: an :class:`End` (absent only if the recording process itself was
  killed; every complete line before that point is valid).

Times are integer nanoseconds of a monotonic clock since the run started.
Threads are small integers (``0`` is the main thread); objects are small
integers introduced by an ``obj.new`` event.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from concviz.limits import CPU_SAMPLE_MS, PRINT_TEXT_MAX  # noqa: F401 - part of the format, stated once

FORMAT = "concviz-trace"
VERSION = 1

Json = Any
Status = Literal[
    "finished", "deadlocked", "timed_out", "crashed", "limit_exceeded", "stopped", "interrupted"
]


# --- the three kinds of line -------------------------------------------------


@dataclass
class Header:
    """First line of a trace: what ran, with which parameters, and its source."""

    type: Literal["header"]
    format: str
    version: int
    run_id: str
    target: str
    """Scenario name, or the path of the user's script."""
    argv: list[str]
    params: dict[str, Json]
    watch: list[str]
    lines: bool
    """Whether ``line`` events were recorded."""
    started_at: float
    """Wall-clock start, seconds since the epoch (for display only)."""
    python: str
    source: dict[str, str]
    """The target's own source files, path → text, so a trace is self-contained."""
    control: dict[str, Json] | None = None
    """Controlled mode's settings (``strategy``, ``seed``, ``pct_depth``,
    ``then``; see ``concviz.control``), or None when the threads ran free."""


@dataclass
class Envelope:
    """One event. ``args`` holds the fields of the dataclass named by ``kind``."""

    seq: int
    """0, 1, 2 ... in recording order, with no gaps."""
    t: int
    """Nanoseconds since the run started; never decreases along ``seq``."""
    pid: int
    tid: int
    """The thread that did it (a small integer; 0 is the main thread)."""
    kind: str
    obj: int | None
    """The synchronisation object concerned, if any (see ``obj.new``)."""
    args: dict[str, Json]


@dataclass
class End:
    """Last line of a trace: how the run ended and what it amounted to."""

    type: Literal["end"]
    status: Status
    exit_code: int | None
    duration_ns: int
    summary: dict[str, Json]
    """``threads``, ``events``, ``objects``, ``watched``, ``lost_updates``,
    ``deadlock`` (see ``concviz.analysis.summary``)."""
    error: str | None = None


# --- event kinds ---------------------------------------------------------------
# Each dataclass is one ``kind``; its fields are that event's ``args``.

KINDS: dict[str, type] = {}


def kind(name: str) -> Any:
    def register(cls: type) -> type:
        cls.kind = name  # type: ignore[attr-defined]
        KINDS[name] = cls
        return cls

    return register


@kind("thread.new")
@dataclass
class ThreadNew:
    """A ``threading.Thread`` object was created (by the thread ``tid``)."""

    thread: int
    name: str
    daemon: bool
    target: str | None


@kind("thread.start")
@dataclass
class ThreadStart:
    """``start()`` was called on ``thread``."""

    thread: int


@kind("thread.begin")
@dataclass
class ThreadBegin:
    """The thread ``tid`` began running (first event of its lane)."""

    thread: int
    name: str
    daemon: bool
    ident: int
    native: int | None = None
    """The OS thread id (``threading.get_native_id()``), for CPU sampling."""


@kind("thread.end")
@dataclass
class ThreadEnd:
    """The thread ``tid`` finished; ``error`` is the uncaught exception, if any."""

    thread: int
    error: str | None


@kind("thread.join")
@dataclass
class ThreadJoin:
    """``tid`` called ``join()`` on ``thread`` and waits for it."""

    thread: int
    timeout: float | None
    file: str | None
    line: int | None


@kind("thread.joined")
@dataclass
class ThreadJoined:
    """``join()`` returned; ``alive`` is true when it timed out."""

    thread: int
    alive: bool


@kind("obj.new")
@dataclass
class ObjNew:
    """A synchronisation object was created; ``obj`` is its id from now on.

    ``type`` is Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition,
    Barrier, a queue (Queue, LifoQueue, PriorityQueue, SimpleQueue; ``value``
    is its maxsize), a socket, or a select/selector (see the sections below).
    ``value`` is a semaphore's initial permits or a barrier's parties;
    ``lock`` is a condition's underlying lock object.
    """

    type: str
    name: str
    value: int | None
    lock: int | None
    file: str | None
    line: int | None


@kind("lock.block")
@dataclass
class LockBlock:
    """``tid`` asked for a Lock/RLock/Semaphore it could not get at once, and waits."""

    timeout: float | None
    file: str | None
    line: int | None


@kind("lock.acquire")
@dataclass
class LockAcquire:
    """``tid`` now holds ``obj`` (``depth`` is an RLock's recursion level)."""

    depth: int | None


@kind("lock.fail")
@dataclass
class LockFail:
    """An acquire returned False: non-blocking and busy, or its timeout ran out."""

    blocking: bool


@kind("lock.release")
@dataclass
class LockRelease:
    """``tid`` releases ``obj`` (recorded just before the real release)."""

    depth: int | None


@kind("event.set")
@dataclass
class EventSet:
    """``Event.set()``: every waiter is released."""


@kind("event.clear")
@dataclass
class EventClear:
    """``Event.clear()``."""


@kind("event.wait")
@dataclass
class EventWait:
    """``tid`` waits on an Event whose flag is false."""

    timeout: float | None
    file: str | None
    line: int | None


@kind("event.wake")
@dataclass
class EventWake:
    """``tid`` stopped waiting; ``flag`` is what ``wait()`` returned."""

    flag: bool


@kind("cond.wait")
@dataclass
class CondWait:
    """``tid`` waits on a Condition (its lock is released meanwhile)."""

    timeout: float | None
    file: str | None
    line: int | None


@kind("cond.wake")
@dataclass
class CondWake:
    """``tid`` was woken (``notified``) or timed out, and holds the lock again."""

    notified: bool


@kind("cond.notify")
@dataclass
class CondNotify:
    """``notify(n)`` (``notify_all`` is ``notify`` with every waiter)."""

    n: int
    waiters: int


@kind("barrier.wait")
@dataclass
class BarrierWait:
    """``tid`` arrived at a Barrier and waits for the others."""

    timeout: float | None
    file: str | None
    line: int | None


@kind("barrier.pass")
@dataclass
class BarrierPass:
    """The barrier tripped; ``index`` is what ``wait()`` returned."""

    index: int


@kind("barrier.broken")
@dataclass
class BarrierBroken:
    """``wait()`` raised BrokenBarrierError."""


@kind("sleep.begin")
@dataclass
class SleepBegin:
    """``time.sleep(seconds)`` was called from the program's own code."""

    seconds: float
    file: str | None
    line: int | None


@kind("sleep.end")
@dataclass
class SleepEnd:
    """The sleep returned."""


@kind("print")
@dataclass
class Print:
    """``print()`` to stdout or stderr; ``text`` includes ``end``. The program's
    output is untouched, but the trace keeps at most ``PRINT_TEXT_MAX``
    characters of one call: ``cut`` says how many more it printed."""

    text: str
    stream: Literal["stdout", "stderr"]
    cut: int = 0


@kind("line")
@dataclass
class Line:
    """``tid`` reached ``line`` of ``file`` (only with line recording on)."""

    file: str
    line: int


@kind("var.read")
@dataclass
class VarRead:
    """The program read the watched module-level variable ``name``."""

    name: str
    value: Json
    line: int | None


@kind("var.write")
@dataclass
class VarWrite:
    """The program assigned ``value`` to the watched variable ``name``."""

    name: str
    value: Json
    line: int | None


@kind("limit")
@dataclass
class Limit:
    """A limit of the run was hit (``what`` is threads or events); the run stops."""

    what: str
    limit: int


@kind("program.end")
@dataclass
class ProgramEnd:
    """The program's main module returned or raised; threads may still run."""

    exit_code: int
    error: str | None


def arg_names(kind_name: str) -> list[str]:
    """The field names of a kind's ``args``, in declaration order."""
    return [f.name for f in dataclasses.fields(KINDS[kind_name])]


# --- queues, sockets and select --------------------------------------------------
# ``obj.new`` also introduces these objects: ``type`` Queue, LifoQueue,
# PriorityQueue or SimpleQueue (``value`` is the maxsize; None for SimpleQueue);
# ``socket`` (named by its role: "listener :8000", "conn from :51234",
# "client :51234 → :8000"); ``select`` (one per select.select() call site,
# "select() line 42"); and a selector's class name (EpollSelector, PollSelector,
# SelectSelector...).

QueueOp = Literal["put", "get"]


@kind("queue.put")
@dataclass
class QueuePut:
    """``item`` is now in the queue (recorded before any get can take it).

    ``id`` numbers the items of one queue (1, 2, ...); the ``queue.get`` that
    takes this item carries the same ``id``. ``item`` is its repr, cut to about
    60 characters; ``size`` the number of items after the put (approximate for
    SimpleQueue, which has no lock to read it under).
    """

    id: int
    item: str
    size: int


@kind("queue.get")
@dataclass
class QueueGet:
    """``tid`` took an item; ``id`` is its ``queue.put``'s (None when it cannot be told)."""

    id: int | None
    item: str
    size: int


@kind("queue.block")
@dataclass
class QueueBlock:
    """``tid`` waits: a put on a full queue (``op`` put) or a get on an empty one (get)."""

    op: QueueOp
    timeout: float | None
    file: str | None
    line: int | None


@kind("queue.wake")
@dataclass
class QueueWake:
    """``tid`` stopped waiting: ``ok`` when there is room (or an item); false on timeout."""

    op: QueueOp
    ok: bool


@kind("queue.fail")
@dataclass
class QueueFail:
    """A put raised queue.Full (``op`` put) or a get raised queue.Empty (get);
    ``blocking`` is false for put_nowait/get_nowait, true when a timeout ran out."""

    op: QueueOp
    blocking: bool


@kind("queue.task_done")
@dataclass
class QueueTaskDone:
    """``task_done()``; ``unfinished`` is the count of tasks left (join returns at 0)."""

    unfinished: int


@kind("queue.join")
@dataclass
class QueueJoin:
    """``tid`` called ``join()`` with ``unfinished`` tasks left, and waits."""

    unfinished: int
    file: str | None
    line: int | None


@kind("queue.joined")
@dataclass
class QueueJoined:
    """``join()`` returned: every task was done."""


@kind("sock.listen")
@dataclass
class SockListen:
    """The socket ``obj`` listens on ``host``:``port``."""

    host: str | None
    port: int | None
    backlog: int | None


@kind("sock.accept")
@dataclass
class SockAccept:
    """The listener ``obj`` accepted a connection: ``conn`` is the new socket's
    object, ``port`` the client's port."""

    conn: int
    port: int | None


@kind("sock.connect")
@dataclass
class SockConnect:
    """The socket ``obj`` connected to ``host``:``port`` from ``local_port``."""

    host: str | None
    port: int | None
    local_port: int | None


@kind("sock.send")
@dataclass
class SockSend:
    """``send()`` (``all`` false) or ``sendall()`` (true) sent ``bytes`` bytes."""

    bytes: int
    all: bool


@kind("sock.recv")
@dataclass
class SockRecv:
    """``recv()``/``recv_into()`` returned ``bytes`` bytes (0: the peer closed)."""

    bytes: int


@kind("sock.block")
@dataclass
class SockBlock:
    """``tid`` waits in ``op`` (accept, recv or send) on a blocking socket that
    was not ready; ``timeout`` is the socket's timeout."""

    op: str
    timeout: float | None
    file: str | None
    line: int | None


@kind("sock.wake")
@dataclass
class SockWake:
    """The wait in ``op`` ended (its result or error follows)."""

    op: str


@kind("sock.would_block")
@dataclass
class SockWouldBlock:
    """``op`` on a non-blocking socket raised BlockingIOError: nothing was ready."""

    op: str


@kind("sock.error")
@dataclass
class SockError:
    """``op`` raised ``error`` (refused, reset, timed out...)."""

    op: str
    error: str


@kind("sock.setblocking")
@dataclass
class SockSetblocking:
    """The socket's mode: blocking, non-blocking (``timeout`` 0) or with a timeout."""

    blocking: bool
    timeout: float | None


@kind("sock.close")
@dataclass
class SockClose:
    """``close()`` on the socket ``obj``."""


@kind("select.begin")
@dataclass
class SelectBegin:
    """``tid`` waits in ``select.select()`` or a selector's ``select()`` (``obj``).

    ``read``/``write`` are the recorded sockets watched (select.select only: a
    selector's are those of its ``sel.register`` events); ``watched`` counts
    every file descriptor watched.
    """

    timeout: float | None
    read: list[int]
    write: list[int]
    watched: int
    file: str | None
    line: int | None


@kind("select.end")
@dataclass
class SelectEnd:
    """The select returned: ``read``/``write`` are the recorded sockets found
    ready, ``ready`` counts every ready file descriptor; ``error`` if it raised."""

    read: list[int]
    write: list[int]
    ready: int
    error: str | None


@kind("sel.register")
@dataclass
class SelRegister:
    """A selector now watches ``fd`` (the socket ``sock``, if recorded) for
    ``events`` (1 read, 2 write, 3 both); ``callback`` names its ``data``."""

    sock: int | None
    fd: int
    events: int
    callback: str | None


@kind("sel.modify")
@dataclass
class SelModify:
    """A selector's ``modify()``: new ``events`` and ``data`` for ``fd``."""

    sock: int | None
    fd: int
    events: int
    callback: str | None


@kind("sel.unregister")
@dataclass
class SelUnregister:
    """A selector stopped watching ``fd``."""

    sock: int | None
    fd: int


# --- processes and the CPU ----------------------------------------------------------
# Every Python process of a run records its own events; the envelope's ``pid``
# says which. Thread ids are unique across the run: a child process numbers its
# threads from ``pid << 20`` (its main thread is ``pid << 20``), and so its
# objects. Process-shared primitives of ``multiprocessing`` use the same kinds
# as their ``threading`` twins (``lock.*``, ``event.*``, ``queue.*``), so their
# holders, waiters and put → get links cross process lanes. ``obj.new`` also
# introduces ``Pipe`` objects (both ends of one ``multiprocessing.Pipe()``).

StartMethod = Literal["root", "fork", "spawn", "forkserver"]


@kind("process.begin")
@dataclass
class ProcessBegin:
    """The process ``pid`` began recording; ``tid`` is its main thread.

    ``method`` is how it was made: ``root`` (the program itself), ``fork``
    (``os.fork`` or the fork start method, and children of a forkserver) or
    ``spawn`` (a new interpreter: the spawn start method, a forkserver, any
    ``python`` the program runs). ``name`` is None until ``process.name``.
    """

    pid: int
    ppid: int
    name: str | None
    method: StartMethod


@kind("process.name")
@dataclass
class ProcessName:
    """The process learnt its name (``multiprocessing``'s ``Process-1``...).

    ``helper`` marks a process of ``multiprocessing``'s own (the forkserver)
    that never touches the program's objects.
    """

    name: str
    helper: bool = False


@kind("process.start")
@dataclass
class ProcessStart:
    """``tid`` started the child process ``pid`` (``Process.start()``)."""

    pid: int
    name: str


@kind("process.join")
@dataclass
class ProcessJoin:
    """``tid`` waits in ``Process.join()`` for the process ``pid``."""

    pid: int
    timeout: float | None
    file: str | None
    line: int | None


@kind("process.joined")
@dataclass
class ProcessJoined:
    """``join()`` returned; ``exit_code`` is ``Process.exitcode`` (None: still
    running after a timeout; negative: killed by that signal)."""

    pid: int
    exit_code: int | None


@kind("process.terminate")
@dataclass
class ProcessTerminate:
    """``tid`` sent SIGTERM to the process ``pid`` (``Process.terminate()``)."""

    pid: int


@kind("process.kill")
@dataclass
class ProcessKill:
    """``tid`` sent SIGKILL to the process ``pid`` (``Process.kill()``)."""

    pid: int


@kind("process.exit")
@dataclass
class ProcessExit:
    """The process is about to exit with ``exit_code`` (recorded by itself;
    absent when it was killed or called ``os._exit``)."""

    exit_code: int


@kind("process.end")
@dataclass
class ProcessEnd:
    """The process ``pid`` is gone: its event stream closed (recorded by the
    supervisor; the last event of the process's lanes)."""

    pid: int


@kind("cpu")
@dataclass
class Cpu:
    """In the ``dt`` nanoseconds before ``t``, the thread ``tid`` ran on a CPU
    for ``on`` ns and waited to run (runnable, not on a CPU) for ``wait`` ns.

    Measured from outside the program by the supervisor, from
    ``/proc/PID/task/TID/schedstat``, every ``CPU_SAMPLE_MS`` milliseconds;
    recorded only when either changed.
    """

    on: int
    wait: int
    dt: int




@kind("pipe.send")
@dataclass
class PipeSend:
    """``send()`` on end ``end`` (0 or 1) of the Pipe ``obj``; ``id`` numbers
    the messages of that direction, and the ``pipe.recv`` on the other end
    with the same ``id`` received this one. ``item`` is a short repr."""

    end: int
    id: int
    item: str
    bytes: int


@kind("pipe.recv")
@dataclass
class PipeRecv:
    """``recv()`` on end ``end`` returned message ``id`` of the other end."""

    end: int
    id: int
    item: str
    bytes: int


@kind("pipe.block")
@dataclass
class PipeBlock:
    """``tid`` waits in ``recv()`` on end ``end``: nothing had arrived."""

    end: int
    file: str | None
    line: int | None


@kind("pipe.wake")
@dataclass
class PipeWake:
    """The wait in ``recv()`` ended (a message, or the other end closed)."""

    end: int


# --- pools (multiprocessing.Pool, ThreadPool) ------------------------------------------
# ``obj.new`` introduces a ``Pool`` or ``ThreadPool`` (``value``: its processes).
# A task is ``(job, i)``: ``job`` numbers the submissions of the process that
# submitted (one ``apply_async``, ``map``, ``imap``...), ``i`` a task of it
# (a chunk of a map). The worker's events have no ``obj``: ``job`` links them.


@kind("pool.submit")
@dataclass
class PoolSubmit:
    """``tid`` submitted job ``job`` of ``tasks`` tasks (None: not known yet, imap) to the pool ``obj``."""

    job: int
    tasks: int | None
    file: str | None
    line: int | None


@kind("pool.task")
@dataclass
class PoolTask:
    """A worker (this thread, in its process) began task ``i`` of job ``job``."""

    job: int
    i: int


@kind("pool.done")
@dataclass
class PoolDone:
    """The worker finished task ``i`` of job ``job``; ``ok`` is false when it raised."""

    job: int
    i: int
    ok: bool


@kind("pool.result")
@dataclass
class PoolResult:
    """The result of task ``i`` of job ``job`` reached the pool ``obj``'s process."""

    job: int
    i: int
    ok: bool


@kind("pool.close")
@dataclass
class PoolClose:
    """``close()``: the pool ``obj`` takes no more tasks."""


@kind("pool.terminate")
@dataclass
class PoolTerminate:
    """``terminate()``: the pool ``obj``'s workers are stopped at once."""


@kind("pool.join")
@dataclass
class PoolJoin:
    """``tid`` waits in ``join()`` for the pool ``obj``'s workers to exit."""

    file: str | None
    line: int | None


@kind("pool.joined")
@dataclass
class PoolJoined:
    """``join()`` returned."""


# --- Manager proxies ------------------------------------------------------------------
# ``obj.new`` introduces a shared object of a Manager with the type of its
# proxy (ListProxy, DictProxy, NamespaceProxy, ValueProxy, AcquirerProxy...);
# its id (from ``1 << 52`` on) is the same in every process.


@kind("proxy.call")
@dataclass
class ProxyCall:
    """``tid`` called ``method`` on the shared object ``obj`` through its
    proxy; the call (a request to the manager's process) returned after
    ``dt`` ns. ``args`` and ``result`` are short reprs (``result`` is the
    error when ``ok`` is false). ``value`` is the object's value read back
    right after a call that may change it (None otherwise)."""

    method: str
    args: str
    result: str
    ok: bool
    dt: int
    value: str | None


# --- coroutines -------------------------------------------------------------------------
# A coroutine is a lane of its own inside the OS thread it runs on. Its id is
# an object id (it is introduced by ``coro.new``, not ``obj.new``). On each
# thread one coroutine runs at a time: the last ``coro.switch`` of that
# thread says which.

CoroKind = Literal["greenlet", "gevent", "asyncio", "generator"]


@kind("coro.new")
@dataclass
class CoroNew:
    """The coroutine ``obj`` was first seen (on the thread ``tid``): ``name``
    is the program's name for it where one is found (``gr1``), else its
    function's; ``kind`` what it is (a raw greenlet, a gevent Greenlet or the
    gevent hub, an asyncio Task, a generator driven by ``send``)."""

    name: str
    kind: CoroKind
    file: str | None
    line: int | None


@kind("coro.name")
@dataclass
class CoroName:
    """The coroutine ``obj`` is better named ``name`` (known once it ran:
    the variable that holds it, or its function at ``file``:``line``)."""

    name: str
    file: str | None
    line: int | None


@kind("coro.switch")
@dataclass
class CoroSwitch:
    """The thread ``tid`` switched from the coroutine ``origin`` to ``obj``,
    which runs on it from now on (``throw``: by raising into it). None (for
    either) is the thread's own code, outside any coroutine: a generator is
    resumed from it and returns to it."""

    origin: int | None
    throw: bool


@kind("coro.end")
@dataclass
class CoroEnd:
    """The coroutine ``obj`` finished."""


@kind("coro.wait")
@dataclass
class CoroWait:
    """The coroutine ``obj`` suspends waiting for ``what``: ``task`` (the
    coroutine ``target``), ``gather`` (``detail`` names the tasks), ``sleep``
    (``detail``: how long), a recorded ``lock``, ``event``, ``cond`` or
    ``queue`` (the object ``target``), ``join`` (a green thread: the coroutine
    ``target``) or some other ``future``."""

    what: str
    target: int | None
    detail: str | None


# --- controlled mode (concviz.control) ------------------------------------------


@dataclass
class ControlThread:
    """A thread as the scheduler of controlled mode sees it: its ``index`` in
    the schedule (0 is the main thread, then in the order threads started),
    its lane ``thread`` (None for a thread with no ``Thread`` object), what it
    is about to do (``start``, ``acquire``, ``try``, ``sleep``, ``join``,
    ``read``, ``write``, ``exit``), where in the program's code
    (``file``/``line``/``text``), and whether it ``can_move`` (else
    ``reason``)."""

    index: int
    thread: int | None
    what: str
    file: str | None
    line: int | None
    text: str
    can_move: bool
    reason: str | None


@kind("control.pause")
@dataclass
class ControlPause:
    """Controlled mode with ``--control step``: the program waits for a person
    to choose which thread moves at choice number ``decision``."""

    decision: int
    steps: list[int]
    """The choices made so far (a replay of them, then step mode, is "undo")."""
    threads: list[ControlThread]


@kind("control.schedule")
@dataclass
class ControlSchedule:
    """The run's schedule so far (recorded when controlled mode ends): the
    ``steps`` chosen where more than one thread could move, as thread
    indexes; ``threads`` maps each index to its lane. ``points`` counts the
    schedule points passed; ``diverged`` is the choice at which a replay
    stopped matching the program (None: it matched); ``loans`` counts real
    waits the scheduler could not drive (a run with loans may not replay
    exactly); ``logical_s`` is the sleeping time jumped over."""

    strategy: str
    steps: list[int]
    points: int
    threads: list[int | None]
    diverged: int | None
    loans: int
    logical_s: float


@kind("control.stuck")
@dataclass
class ControlStuck:
    """Controlled mode: no thread can move any more — each waits for another
    (``threads`` says what each waits for) — or, with ``message``, nothing
    reached a schedule point for too long (a wait concviz cannot drive)."""

    threads: list[ControlThread]
    message: str | None = None
