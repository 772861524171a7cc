// generated from backend/concviz/events.py by `python -m concviz.schema_gen` — do not edit

export const TRACE_FORMAT = "concviz-trace";
export const TRACE_VERSION = 1;

/** First line of a trace: what ran, with which parameters, and its source. */
export interface Header {
  type: "header";
  format: string;
  version: number;
  run_id: string;
  target: string;
  argv: string[];
  params: Record<string, unknown>;
  watch: string[];
  lines: boolean;
  started_at: number;
  python: string;
  source: Record<string, string>;
  control?: Record<string, unknown> | null;
}

/** One event. ``args`` holds the fields of the dataclass named by ``kind``. */
export interface Envelope {
  seq: number;
  t: number;
  pid: number;
  tid: number;
  kind: string;
  obj: number | null;
  args: Record<string, unknown>;
}

/** Last line of a trace: how the run ended and what it amounted to. */
export interface End {
  type: "end";
  status: "finished" | "deadlocked" | "timed_out" | "crashed" | "limit_exceeded" | "stopped" | "interrupted";
  exit_code: number | null;
  duration_ns: number;
  summary: Record<string, unknown>;
  error?: string | null;
}

/** A ``threading.Thread`` object was created (by the thread ``tid``). */
export interface ThreadNewArgs {
  thread: number;
  name: string;
  daemon: boolean;
  target: string | null;
}

/** ``start()`` was called on ``thread``. */
export interface ThreadStartArgs {
  thread: number;
}

/** The thread ``tid`` began running (first event of its lane). */
export interface ThreadBeginArgs {
  thread: number;
  name: string;
  daemon: boolean;
  ident: number;
  native?: number | null;
}

/** The thread ``tid`` finished; ``error`` is the uncaught exception, if any. */
export interface ThreadEndArgs {
  thread: number;
  error: string | null;
}

/** ``tid`` called ``join()`` on ``thread`` and waits for it. */
export interface ThreadJoinArgs {
  thread: number;
  timeout: number | null;
  file: string | null;
  line: number | null;
}

/** ``join()`` returned; ``alive`` is true when it timed out. */
export interface ThreadJoinedArgs {
  thread: number;
  alive: boolean;
}

/** A synchronisation object was created; ``obj`` is its id from now on. ``type`` is Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier, a queue (Queue, LifoQueue, PriorityQueue, SimpleQueue; ``value`` is its maxsize), a socket, or a select/selector (see the sections below). ``value`` is a semaphore's initial permits or a barrier's parties; ``lock`` is a condition's underlying lock object. */
export interface ObjNewArgs {
  type: string;
  name: string;
  value: number | null;
  lock: number | null;
  file: string | null;
  line: number | null;
}

/** ``tid`` asked for a Lock/RLock/Semaphore it could not get at once, and waits. */
export interface LockBlockArgs {
  timeout: number | null;
  file: string | null;
  line: number | null;
}

/** ``tid`` now holds ``obj`` (``depth`` is an RLock's recursion level). */
export interface LockAcquireArgs {
  depth: number | null;
}

/** An acquire returned False: non-blocking and busy, or its timeout ran out. */
export interface LockFailArgs {
  blocking: boolean;
}

/** ``tid`` releases ``obj`` (recorded just before the real release). */
export interface LockReleaseArgs {
  depth: number | null;
}

/** ``Event.set()``: every waiter is released. */
export interface EventSetArgs {
}

/** ``Event.clear()``. */
export interface EventClearArgs {
}

/** ``tid`` waits on an Event whose flag is false. */
export interface EventWaitArgs {
  timeout: number | null;
  file: string | null;
  line: number | null;
}

/** ``tid`` stopped waiting; ``flag`` is what ``wait()`` returned. */
export interface EventWakeArgs {
  flag: boolean;
}

/** ``tid`` waits on a Condition (its lock is released meanwhile). */
export interface CondWaitArgs {
  timeout: number | null;
  file: string | null;
  line: number | null;
}

/** ``tid`` was woken (``notified``) or timed out, and holds the lock again. */
export interface CondWakeArgs {
  notified: boolean;
}

/** ``notify(n)`` (``notify_all`` is ``notify`` with every waiter). */
export interface CondNotifyArgs {
  n: number;
  waiters: number;
}

/** ``tid`` arrived at a Barrier and waits for the others. */
export interface BarrierWaitArgs {
  timeout: number | null;
  file: string | null;
  line: number | null;
}

/** The barrier tripped; ``index`` is what ``wait()`` returned. */
export interface BarrierPassArgs {
  index: number;
}

/** ``wait()`` raised BrokenBarrierError. */
export interface BarrierBrokenArgs {
}

/** ``time.sleep(seconds)`` was called from the program's own code. */
export interface SleepBeginArgs {
  seconds: number;
  file: string | null;
  line: number | null;
}

/** The sleep returned. */
export interface SleepEndArgs {
}

/** ``print()`` to stdout or stderr; ``text`` includes ``end``. The program's output is untouched, but the trace keeps at most ``PRINT_TEXT_MAX`` characters of one call: ``cut`` says how many more it printed. */
export interface PrintArgs {
  text: string;
  stream: "stdout" | "stderr";
  cut?: number;
}

/** ``tid`` reached ``line`` of ``file`` (only with line recording on). */
export interface LineArgs {
  file: string;
  line: number;
}

/** The program read the watched module-level variable ``name``. */
export interface VarReadArgs {
  name: string;
  value: unknown;
  line: number | null;
}

/** The program assigned ``value`` to the watched variable ``name``. */
export interface VarWriteArgs {
  name: string;
  value: unknown;
  line: number | null;
}

/** A limit of the run was hit (``what`` is threads or events); the run stops. */
export interface LimitArgs {
  what: string;
  limit: number;
}

/** The program's main module returned or raised; threads may still run. */
export interface ProgramEndArgs {
  exit_code: number;
  error: string | null;
}

/** ``item`` is now in the queue (recorded before any get can take it). ``id`` numbers the items of one queue (1, 2, ...); the ``queue.get`` that takes this item carries the same ``id``. ``item`` is its repr, cut to about 60 characters; ``size`` the number of items after the put (approximate for SimpleQueue, which has no lock to read it under). */
export interface QueuePutArgs {
  id: number;
  item: string;
  size: number;
}

/** ``tid`` took an item; ``id`` is its ``queue.put``'s (None when it cannot be told). */
export interface QueueGetArgs {
  id: number | null;
  item: string;
  size: number;
}

/** ``tid`` waits: a put on a full queue (``op`` put) or a get on an empty one (get). */
export interface QueueBlockArgs {
  op: "put" | "get";
  timeout: number | null;
  file: string | null;
  line: number | null;
}

/** ``tid`` stopped waiting: ``ok`` when there is room (or an item); false on timeout. */
export interface QueueWakeArgs {
  op: "put" | "get";
  ok: boolean;
}

/** A put raised queue.Full (``op`` put) or a get raised queue.Empty (get); ``blocking`` is false for put_nowait/get_nowait, true when a timeout ran out. */
export interface QueueFailArgs {
  op: "put" | "get";
  blocking: boolean;
}

/** ``task_done()``; ``unfinished`` is the count of tasks left (join returns at 0). */
export interface QueueTaskDoneArgs {
  unfinished: number;
}

/** ``tid`` called ``join()`` with ``unfinished`` tasks left, and waits. */
export interface QueueJoinArgs {
  unfinished: number;
  file: string | null;
  line: number | null;
}

/** ``join()`` returned: every task was done. */
export interface QueueJoinedArgs {
}

/** The socket ``obj`` listens on ``host``:``port``. */
export interface SockListenArgs {
  host: string | null;
  port: number | null;
  backlog: number | null;
}

/** The listener ``obj`` accepted a connection: ``conn`` is the new socket's object, ``port`` the client's port. */
export interface SockAcceptArgs {
  conn: number;
  port: number | null;
}

/** The socket ``obj`` connected to ``host``:``port`` from ``local_port``. */
export interface SockConnectArgs {
  host: string | null;
  port: number | null;
  local_port: number | null;
}

/** ``send()`` (``all`` false) or ``sendall()`` (true) sent ``bytes`` bytes. */
export interface SockSendArgs {
  bytes: number;
  all: boolean;
}

/** ``recv()``/``recv_into()`` returned ``bytes`` bytes (0: the peer closed). */
export interface SockRecvArgs {
  bytes: number;
}

/** ``tid`` waits in ``op`` (accept, recv or send) on a blocking socket that was not ready; ``timeout`` is the socket's timeout. */
export interface SockBlockArgs {
  op: string;
  timeout: number | null;
  file: string | null;
  line: number | null;
}

/** The wait in ``op`` ended (its result or error follows). */
export interface SockWakeArgs {
  op: string;
}

/** ``op`` on a non-blocking socket raised BlockingIOError: nothing was ready. */
export interface SockWouldBlockArgs {
  op: string;
}

/** ``op`` raised ``error`` (refused, reset, timed out...). */
export interface SockErrorArgs {
  op: string;
  error: string;
}

/** The socket's mode: blocking, non-blocking (``timeout`` 0) or with a timeout. */
export interface SockSetblockingArgs {
  blocking: boolean;
  timeout: number | null;
}

/** ``close()`` on the socket ``obj``. */
export interface SockCloseArgs {
}

/** ``tid`` waits in ``select.select()`` or a selector's ``select()`` (``obj``). ``read``/``write`` are the recorded sockets watched (select.select only: a selector's are those of its ``sel.register`` events); ``watched`` counts every file descriptor watched. */
export interface SelectBeginArgs {
  timeout: number | null;
  read: number[];
  write: number[];
  watched: number;
  file: string | null;
  line: number | null;
}

/** The select returned: ``read``/``write`` are the recorded sockets found ready, ``ready`` counts every ready file descriptor; ``error`` if it raised. */
export interface SelectEndArgs {
  read: number[];
  write: number[];
  ready: number;
  error: string | null;
}

/** A selector now watches ``fd`` (the socket ``sock``, if recorded) for ``events`` (1 read, 2 write, 3 both); ``callback`` names its ``data``. */
export interface SelRegisterArgs {
  sock: number | null;
  fd: number;
  events: number;
  callback: string | null;
}

/** A selector's ``modify()``: new ``events`` and ``data`` for ``fd``. */
export interface SelModifyArgs {
  sock: number | null;
  fd: number;
  events: number;
  callback: string | null;
}

/** A selector stopped watching ``fd``. */
export interface SelUnregisterArgs {
  sock: number | null;
  fd: number;
}

/** The process ``pid`` began recording; ``tid`` is its main thread. ``method`` is how it was made: ``root`` (the program itself), ``fork`` (``os.fork`` or the fork start method, and children of a forkserver) or ``spawn`` (a new interpreter: the spawn start method, a forkserver, any ``python`` the program runs). ``name`` is None until ``process.name``. */
export interface ProcessBeginArgs {
  pid: number;
  ppid: number;
  name: string | null;
  method: "root" | "fork" | "spawn" | "forkserver";
}

/** The process learnt its name (``multiprocessing``'s ``Process-1``...). ``helper`` marks a process of ``multiprocessing``'s own (the forkserver) that never touches the program's objects. */
export interface ProcessNameArgs {
  name: string;
  helper?: boolean;
}

/** ``tid`` started the child process ``pid`` (``Process.start()``). */
export interface ProcessStartArgs {
  pid: number;
  name: string;
}

/** ``tid`` waits in ``Process.join()`` for the process ``pid``. */
export interface ProcessJoinArgs {
  pid: number;
  timeout: number | null;
  file: string | null;
  line: number | null;
}

/** ``join()`` returned; ``exit_code`` is ``Process.exitcode`` (None: still running after a timeout; negative: killed by that signal). */
export interface ProcessJoinedArgs {
  pid: number;
  exit_code: number | null;
}

/** ``tid`` sent SIGTERM to the process ``pid`` (``Process.terminate()``). */
export interface ProcessTerminateArgs {
  pid: number;
}

/** ``tid`` sent SIGKILL to the process ``pid`` (``Process.kill()``). */
export interface ProcessKillArgs {
  pid: number;
}

/** The process is about to exit with ``exit_code`` (recorded by itself; absent when it was killed or called ``os._exit``). */
export interface ProcessExitArgs {
  exit_code: number;
}

/** The process ``pid`` is gone: its event stream closed (recorded by the supervisor; the last event of the process's lanes). */
export interface ProcessEndArgs {
  pid: number;
}

/** In the ``dt`` nanoseconds before ``t``, the thread ``tid`` ran on a CPU for ``on`` ns and waited to run (runnable, not on a CPU) for ``wait`` ns. Measured from outside the program by the supervisor, from ``/proc/PID/task/TID/schedstat``, every ``CPU_SAMPLE_MS`` milliseconds; recorded only when either changed. */
export interface CpuArgs {
  on: number;
  wait: number;
  dt: number;
}

/** ``send()`` on end ``end`` (0 or 1) of the Pipe ``obj``; ``id`` numbers the messages of that direction, and the ``pipe.recv`` on the other end with the same ``id`` received this one. ``item`` is a short repr. */
export interface PipeSendArgs {
  end: number;
  id: number;
  item: string;
  bytes: number;
}

/** ``recv()`` on end ``end`` returned message ``id`` of the other end. */
export interface PipeRecvArgs {
  end: number;
  id: number;
  item: string;
  bytes: number;
}

/** ``tid`` waits in ``recv()`` on end ``end``: nothing had arrived. */
export interface PipeBlockArgs {
  end: number;
  file: string | null;
  line: number | null;
}

/** The wait in ``recv()`` ended (a message, or the other end closed). */
export interface PipeWakeArgs {
  end: number;
}

/** ``tid`` submitted job ``job`` of ``tasks`` tasks (None: not known yet, imap) to the pool ``obj``. */
export interface PoolSubmitArgs {
  job: number;
  tasks: number | null;
  file: string | null;
  line: number | null;
}

/** A worker (this thread, in its process) began task ``i`` of job ``job``. */
export interface PoolTaskArgs {
  job: number;
  i: number;
}

/** The worker finished task ``i`` of job ``job``; ``ok`` is false when it raised. */
export interface PoolDoneArgs {
  job: number;
  i: number;
  ok: boolean;
}

/** The result of task ``i`` of job ``job`` reached the pool ``obj``'s process. */
export interface PoolResultArgs {
  job: number;
  i: number;
  ok: boolean;
}

/** ``close()``: the pool ``obj`` takes no more tasks. */
export interface PoolCloseArgs {
}

/** ``terminate()``: the pool ``obj``'s workers are stopped at once. */
export interface PoolTerminateArgs {
}

/** ``tid`` waits in ``join()`` for the pool ``obj``'s workers to exit. */
export interface PoolJoinArgs {
  file: string | null;
  line: number | null;
}

/** ``join()`` returned. */
export interface PoolJoinedArgs {
}

/** ``tid`` called ``method`` on the shared object ``obj`` through its proxy; the call (a request to the manager's process) returned after ``dt`` ns. ``args`` and ``result`` are short reprs (``result`` is the error when ``ok`` is false). ``value`` is the object's value read back right after a call that may change it (None otherwise). */
export interface ProxyCallArgs {
  method: string;
  args: string;
  result: string;
  ok: boolean;
  dt: number;
  value: string | null;
}

/** The coroutine ``obj`` was first seen (on the thread ``tid``): ``name`` is the program's name for it where one is found (``gr1``), else its function's; ``kind`` what it is (a raw greenlet, a gevent Greenlet or the gevent hub, an asyncio Task, a generator driven by ``send``). */
export interface CoroNewArgs {
  name: string;
  kind: "greenlet" | "gevent" | "asyncio" | "generator";
  file: string | null;
  line: number | null;
}

/** The coroutine ``obj`` is better named ``name`` (known once it ran: the variable that holds it, or its function at ``file``:``line``). */
export interface CoroNameArgs {
  name: string;
  file: string | null;
  line: number | null;
}

/** The thread ``tid`` switched from the coroutine ``origin`` to ``obj``, which runs on it from now on (``throw``: by raising into it). None (for either) is the thread's own code, outside any coroutine: a generator is resumed from it and returns to it. */
export interface CoroSwitchArgs {
  origin: number | null;
  throw: boolean;
}

/** The coroutine ``obj`` finished. */
export interface CoroEndArgs {
}

/** The coroutine ``obj`` suspends waiting for ``what``: ``task`` (the coroutine ``target``), ``gather`` (``detail`` names the tasks), ``sleep`` (``detail``: how long), a recorded ``lock``, ``event``, ``cond`` or ``queue`` (the object ``target``), ``join`` (a green thread: the coroutine ``target``) or some other ``future``. */
export interface CoroWaitArgs {
  what: string;
  target: number | null;
  detail: string | null;
}

/** Controlled mode with ``--control step``: the program waits for a person to choose which thread moves at choice number ``decision``. */
export interface ControlPauseArgs {
  decision: number;
  steps: number[];
  threads: { index: number; thread: number | null; what: string; file: string | null; line: number | null; text: string; can_move: boolean; reason: string | null }[];
}

/** The run's schedule so far (recorded when controlled mode ends): the ``steps`` chosen where more than one thread could move, as thread indexes; ``threads`` maps each index to its lane. ``points`` counts the schedule points passed; ``diverged`` is the choice at which a replay stopped matching the program (None: it matched); ``loans`` counts real waits the scheduler could not drive (a run with loans may not replay exactly); ``logical_s`` is the sleeping time jumped over. */
export interface ControlScheduleArgs {
  strategy: string;
  steps: number[];
  points: number;
  threads: number | null[];
  diverged: number | null;
  loans: number;
  logical_s: number;
}

/** Controlled mode: no thread can move any more — each waits for another (``threads`` says what each waits for) — or, with ``message``, nothing reached a schedule point for too long (a wait concviz cannot drive). */
export interface ControlStuckArgs {
  threads: { index: number; thread: number | null; what: string; file: string | null; line: number | null; text: string; can_move: boolean; reason: string | null }[];
  message?: string | null;
}

/** Every event kind, mapped to the type of its ``args``. */
export interface KindArgs {
  "thread.new": ThreadNewArgs;
  "thread.start": ThreadStartArgs;
  "thread.begin": ThreadBeginArgs;
  "thread.end": ThreadEndArgs;
  "thread.join": ThreadJoinArgs;
  "thread.joined": ThreadJoinedArgs;
  "obj.new": ObjNewArgs;
  "lock.block": LockBlockArgs;
  "lock.acquire": LockAcquireArgs;
  "lock.fail": LockFailArgs;
  "lock.release": LockReleaseArgs;
  "event.set": EventSetArgs;
  "event.clear": EventClearArgs;
  "event.wait": EventWaitArgs;
  "event.wake": EventWakeArgs;
  "cond.wait": CondWaitArgs;
  "cond.wake": CondWakeArgs;
  "cond.notify": CondNotifyArgs;
  "barrier.wait": BarrierWaitArgs;
  "barrier.pass": BarrierPassArgs;
  "barrier.broken": BarrierBrokenArgs;
  "sleep.begin": SleepBeginArgs;
  "sleep.end": SleepEndArgs;
  "print": PrintArgs;
  "line": LineArgs;
  "var.read": VarReadArgs;
  "var.write": VarWriteArgs;
  "limit": LimitArgs;
  "program.end": ProgramEndArgs;
  "queue.put": QueuePutArgs;
  "queue.get": QueueGetArgs;
  "queue.block": QueueBlockArgs;
  "queue.wake": QueueWakeArgs;
  "queue.fail": QueueFailArgs;
  "queue.task_done": QueueTaskDoneArgs;
  "queue.join": QueueJoinArgs;
  "queue.joined": QueueJoinedArgs;
  "sock.listen": SockListenArgs;
  "sock.accept": SockAcceptArgs;
  "sock.connect": SockConnectArgs;
  "sock.send": SockSendArgs;
  "sock.recv": SockRecvArgs;
  "sock.block": SockBlockArgs;
  "sock.wake": SockWakeArgs;
  "sock.would_block": SockWouldBlockArgs;
  "sock.error": SockErrorArgs;
  "sock.setblocking": SockSetblockingArgs;
  "sock.close": SockCloseArgs;
  "select.begin": SelectBeginArgs;
  "select.end": SelectEndArgs;
  "sel.register": SelRegisterArgs;
  "sel.modify": SelModifyArgs;
  "sel.unregister": SelUnregisterArgs;
  "process.begin": ProcessBeginArgs;
  "process.name": ProcessNameArgs;
  "process.start": ProcessStartArgs;
  "process.join": ProcessJoinArgs;
  "process.joined": ProcessJoinedArgs;
  "process.terminate": ProcessTerminateArgs;
  "process.kill": ProcessKillArgs;
  "process.exit": ProcessExitArgs;
  "process.end": ProcessEndArgs;
  "cpu": CpuArgs;
  "pipe.send": PipeSendArgs;
  "pipe.recv": PipeRecvArgs;
  "pipe.block": PipeBlockArgs;
  "pipe.wake": PipeWakeArgs;
  "pool.submit": PoolSubmitArgs;
  "pool.task": PoolTaskArgs;
  "pool.done": PoolDoneArgs;
  "pool.result": PoolResultArgs;
  "pool.close": PoolCloseArgs;
  "pool.terminate": PoolTerminateArgs;
  "pool.join": PoolJoinArgs;
  "pool.joined": PoolJoinedArgs;
  "proxy.call": ProxyCallArgs;
  "coro.new": CoroNewArgs;
  "coro.name": CoroNameArgs;
  "coro.switch": CoroSwitchArgs;
  "coro.end": CoroEndArgs;
  "coro.wait": CoroWaitArgs;
  "control.pause": ControlPauseArgs;
  "control.schedule": ControlScheduleArgs;
  "control.stuck": ControlStuckArgs;
}

export type Kind = keyof KindArgs;
export const KINDS: Kind[] = ["thread.new", "thread.start", "thread.begin", "thread.end", "thread.join", "thread.joined", "obj.new", "lock.block", "lock.acquire", "lock.fail", "lock.release", "event.set", "event.clear", "event.wait", "event.wake", "cond.wait", "cond.wake", "cond.notify", "barrier.wait", "barrier.pass", "barrier.broken", "sleep.begin", "sleep.end", "print", "line", "var.read", "var.write", "limit", "program.end", "queue.put", "queue.get", "queue.block", "queue.wake", "queue.fail", "queue.task_done", "queue.join", "queue.joined", "sock.listen", "sock.accept", "sock.connect", "sock.send", "sock.recv", "sock.block", "sock.wake", "sock.would_block", "sock.error", "sock.setblocking", "sock.close", "select.begin", "select.end", "sel.register", "sel.modify", "sel.unregister", "process.begin", "process.name", "process.start", "process.join", "process.joined", "process.terminate", "process.kill", "process.exit", "process.end", "cpu", "pipe.send", "pipe.recv", "pipe.block", "pipe.wake", "pool.submit", "pool.task", "pool.done", "pool.result", "pool.close", "pool.terminate", "pool.join", "pool.joined", "proxy.call", "coro.new", "coro.name", "coro.switch", "coro.end", "coro.wait", "control.pause", "control.schedule", "control.stuck"];
