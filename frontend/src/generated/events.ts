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

/** A synchronisation object was created; ``obj`` is its id from now on. ``type`` is Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition or Barrier. ``value`` is a semaphore's initial permits or a barrier's parties; ``lock`` is a condition's underlying lock object. */
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

/** ``print()`` to stdout or stderr; ``text`` includes ``end``. */
export interface PrintArgs {
  text: string;
  stream: "stdout" | "stderr";
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
}

export type Kind = keyof KindArgs;
export const KINDS: Kind[] = ["thread.new", "thread.start", "thread.begin", "thread.end", "thread.join", "thread.joined", "obj.new", "lock.block", "lock.acquire", "lock.fail", "lock.release", "event.set", "event.clear", "event.wait", "event.wake", "cond.wait", "cond.wake", "cond.notify", "barrier.wait", "barrier.pass", "barrier.broken", "sleep.begin", "sleep.end", "print", "line", "var.read", "var.write", "limit", "program.end"];
