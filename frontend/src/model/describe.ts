// Plain-English sentences for queue, socket, select, process, pipe and pool events
// (the timeline's hover tooltip), and for what a thread waits on in a queue,
// I/O or join span, and what a coroutine waits for in a wait span.
import { coroKindText, coroLabel, waitText } from './coroutines';
import { CPU_SAMPLE_NS } from './cpu';
import { upperBound } from './grow';
import type { CoroKind } from './lane';
import { K } from './kinds';
import { exitText } from './processes';
import { shortSocketName } from './sockets';
import { S } from './states';
import { formatDuration } from './time';
import type { TraceModel } from './trace';

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function names(model: TraceModel, v: unknown): string {
  const list = Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
  return list.map((id) => shortSocketName(model.objectName(id))).join(', ');
}

function items(n: number): string {
  return `${n} item${n === 1 ? '' : 's'}`;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** "Process-1 (pid 1234)". */
function proc(model: TraceModel, pid: number | null): string {
  if (pid === null) return 'a process';
  const name = model.processName(pid);
  return name === `pid ${pid}` ? name : `${name} (pid ${pid})`;
}

/** What process.joined says of the child: "it exited with code 0", "it was killed by SIGKILL (9)". */
function joinedText(code: number | null): string {
  if (code === null) return 'timed out: the process is still running';
  const e = exitText(code) ?? '';
  return code < 0 ? `the process was ${e}` : `the process exited (${e})`;
}

/** A sentence for a queue/socket/select/process/pipe/pool event, or null for other kinds. */
export function describeEvent(model: TraceModel, seq: number): string | null {
  const s = model.store;
  const kind = s.kind.data[seq];
  if (kind < K.queuePut) return null;
  const a = s.argsOf(seq);
  const obj = s.obj.data[seq];
  const on = obj >= 0 ? model.objectName(obj) : '?';
  const op = String(a.op ?? '');
  switch (kind) {
    case K.queuePut:
      return `put ${String(a.item ?? '?')} into ${on} (now ${items(num(a.size) ?? 0)})`;
    case K.queueGet: {
      const i = model.queues.linkOfGet(seq);
      const from = i < 0 ? '' : `, put by ${model.threadName(model.queues.fromTid.data[i])} ${formatDuration(s.t.data[seq] - model.queues.fromT.data[i], 3)} earlier`;
      return `got ${String(a.item ?? '?')} from ${on}${from} (${items(num(a.size) ?? 0)} left)`;
    }
    case K.queueBlock:
      return op === 'put' ? `waits to put: ${on} is full` : `waits to get: ${on} is empty`;
    case K.queueWake:
      return a.ok === false ? `gave up waiting to ${op} (timeout)` : op === 'put' ? `${on} has room again` : `${on} has an item`;
    case K.queueFail:
      return op === 'put' ? `put failed: ${on} is full (queue.Full)` : `get failed: ${on} is empty (queue.Empty)`;
    case K.queueTaskDone:
      return `task_done() on ${on}: ${num(a.unfinished) ?? '?'} unfinished`;
    case K.queueJoin:
      return `${on}.join() waits for ${num(a.unfinished) ?? '?'} unfinished task(s)`;
    case K.queueJoined:
      return `${on}.join() returned: every task is done`;
    case K.sockListen:
      return `${on} listens on ${String(a.host ?? '')}:${num(a.port) ?? '?'}`;
    case K.sockAccept:
      return `accept() on ${on}: a client from :${num(a.port) ?? '?'}`;
    case K.sockConnect:
      return `connected to :${num(a.port) ?? '?'} from :${num(a.local_port) ?? '?'}`;
    case K.sockSend:
      return `${a.all === true ? 'sendall' : 'send'}() ${num(a.bytes) ?? 0} bytes on ${on}`;
    case K.sockRecv:
      return num(a.bytes) === 0 ? `recv() on ${on}: 0 bytes — the peer closed` : `recv() ${num(a.bytes) ?? 0} bytes on ${on}`;
    case K.sockBlock:
      return `waits in ${op}() on ${on}`;
    case K.sockWake:
      return `${op}() on ${on} is ready`;
    case K.sockWouldBlock:
      return `${op}() on non-blocking ${on} would block (BlockingIOError)`;
    case K.sockError:
      return `${op}() on ${on} failed: ${String(a.error ?? '')}`;
    case K.sockSetblocking:
      return `${on} is now ${a.blocking === false || a.timeout === 0 ? 'non-blocking' : num(a.timeout) !== null ? `blocking with a ${a.timeout} s timeout` : 'blocking'}`;
    case K.sockClose:
      return `close() ${on}`;
    case K.selectBegin: {
      const w = names(model, a.read);
      return `select() waits on ${num(a.watched) ?? '?'} socket(s)${w ? `: ${w}` : ''}`;
    }
    case K.selectEnd: {
      if (typeof a.error === 'string') return `select() raised ${a.error}`;
      const ready = num(a.ready) ?? 0;
      const w = [names(model, a.read), names(model, a.write)].filter((x) => x !== '').join(', ');
      return ready === 0 ? 'select() timed out: nothing ready' : `select() returned: ${ready} ready${w ? ` (${w})` : ''}`;
    }
    case K.selRegister:
    case K.selModify:
      return `${kind === K.selRegister ? 'register' : 'modify'} fd ${num(a.fd) ?? '?'}${num(a.sock) !== null ? ` (${shortSocketName(model.objectName(num(a.sock)!))})` : ''} → ${String(a.callback ?? '?')}`;
    case K.selUnregister:
      return `unregister fd ${num(a.fd) ?? '?'}`;
    case K.coroNew: {
      const k = String(a.kind ?? 'greenlet') as CoroKind;
      const name = String(a.name ?? on);
      return `new ${coroKindText(k, name)} ${coroLabel(name, k)} (on ${model.threadName(s.tid.data[seq])}, not running yet)`;
    }
    case K.coroName:
      return `this coroutine is called ${String(a.name ?? '?')}${typeof a.line === 'number' ? ` (${String(a.file ?? '').split(/[\\/]/).pop() ?? ''}:${a.line})` : ''}`;
    case K.coroSwitch: {
      const origin = num(a.origin);
      const from = origin === null ? 'the running code' : model.objectName(origin);
      const how = a.throw === true ? ` by raising an exception into ${on}` : '';
      return `${model.threadName(s.tid.data[seq])} switched from ${from} to ${on}${how}: ${from} is suspended, ${on} runs`;
    }
    case K.coroEnd:
      return `coroutine ${on} finished`;
    case K.coroWait:
      return `${on} suspends, ${waitText(a, (id) => model.objectName(id))}`;
    case K.processBegin: {
      const m = String(a.method ?? '');
      const how = m === 'root' ? 'the program itself' : m === 'fork' ? 'a copy of its parent (fork)'
        : m === 'spawn' ? 'a new Python interpreter (spawn)' : m === 'forkserver' ? 'forked by the forkserver' : m;
      const parent = num(a.ppid);
      return `process ${proc(model, num(a.pid))} began: ${how}${m !== 'root' && parent !== null ? `, parent pid ${parent}` : ''}`;
    }
    case K.processName:
      return `this process is now called ${String(a.name ?? '?')}`;
    case K.processStart:
      return `start() launched process ${proc(model, num(a.pid))}`;
    case K.processJoin: {
      const timeout = num(a.timeout);
      return `waits in join() for process ${proc(model, num(a.pid))} to end${timeout !== null ? ` (at most ${timeout} s)` : ''}`;
    }
    case K.processJoined:
      return `join() on ${proc(model, num(a.pid))} returned: ${joinedText(num(a.exit_code))}`;
    case K.processTerminate:
      return `terminate() sent SIGTERM to ${proc(model, num(a.pid))}`;
    case K.processKill:
      return `kill() sent SIGKILL to ${proc(model, num(a.pid))}`;
    case K.processExit:
      return `the process is about to exit with code ${num(a.exit_code) ?? '?'}`;
    case K.processEnd:
      return `process ${proc(model, num(a.pid))} is gone: every thread of it has ended`;
    case K.cpu: {
      const dt = num(a.dt) ?? CPU_SAMPLE_NS;
      return `in the last ${formatDuration(dt, 2)}: on a core ${pct((num(a.on) ?? 0) / dt)}, runnable but waiting for a core ${pct((num(a.wait) ?? 0) / dt)}`;
    }
    case K.pipeSend:
      return `send() ${String(a.item ?? '?')} (${num(a.bytes) ?? 0} bytes) into ${on}, end ${num(a.end) ?? '?'}`;
    case K.pipeRecv: {
      const i = model.pipes.indexOfHead(seq);
      const from = i < 0 ? '' : `, sent by ${model.threadName(model.pipes.fromTid.data[i])} ${formatDuration(s.t.data[seq] - model.pipes.fromT.data[i], 3)} earlier`;
      return `recv() got ${String(a.item ?? '?')} (${num(a.bytes) ?? 0} bytes) from ${on}, end ${num(a.end) ?? '?'}${from}`;
    }
    case K.pipeBlock:
      return `waits in recv() on ${on}: nothing has arrived yet`;
    case K.pipeWake:
      return `recv() on ${on} can go on`;
    case K.poolSubmit: {
      const n = num(a.tasks);
      const tasks = n === null ? 'tasks not known yet (imap)' : `${n} task${n === 1 ? '' : 's'}`;
      return `submitted job ${num(a.job) ?? '?'} to ${on}: ${tasks}`;
    }
    case K.poolTask:
      return `a worker took task ${num(a.i) ?? '?'} of job ${num(a.job) ?? '?'}${submittedBy(model, num(a.job))}`;
    case K.poolDone:
      return `finished task ${num(a.i) ?? '?'} of job ${num(a.job) ?? '?'}${a.ok === false ? ': it raised an exception' : ''}`;
    case K.poolResult: {
      const i = model.pools.results.indexOfHead(seq);
      const from = i < 0 ? '' : ` from ${model.threadName(model.pools.results.fromTid.data[i])}, ${formatDuration(s.t.data[seq] - model.pools.results.fromT.data[i], 3)} after it finished`;
      return `the result of task ${num(a.i) ?? '?'} of job ${num(a.job) ?? '?'} reached ${on}${from}${a.ok === false ? ' (an exception)' : ''}`;
    }
    case K.poolClose:
      return `close(): ${on} takes no more tasks`;
    case K.poolTerminate:
      return `terminate(): ${on}'s workers are stopped at once`;
    case K.poolJoin:
      return `waits in join() for ${on}'s workers to exit`;
    case K.poolJoined:
      return `join() on ${on} returned: its workers have exited`;
    default:
      return null;
  }
}

/** " (submitted by MainThread at demo.py:12)", or "" when the submission is not known. */
function submittedBy(model: TraceModel, job: number | null): string {
  const sub = job === null ? undefined : model.pools.jobs.get(job);
  if (sub === undefined) return '';
  const where = sub.line !== null ? ` at ${(sub.file ?? '').split(/[\\/]/).pop() ?? ''}:${sub.line}` : '';
  return ` (submitted by ${model.threadName(sub.tid)}${where})`;
}

/** "task 2 of job 5 (submitted by MainThread at demo.py:12)" if thread `tid` is in a pool task at time t, else null. */
export function poolTaskAt(model: TraceModel, tid: number, t: number): string | null {
  const seq = model.pools.taskAt(tid, t);
  if (seq < 0) return null;
  const a = model.store.argsOf(seq);
  const job = num(a.job);
  return `task ${num(a.i) ?? '?'} of job ${job ?? '?'}${submittedBy(model, job)}`;
}

/** What a queue, I/O or process-join wait is about, from the event that began it: "to get from tasks (empty)". */
export function waitDetail(model: TraceModel, seq: number): string | null {
  if (seq < 0) return null;
  const s = model.store;
  const kind = s.kind.data[seq];
  const a = s.argsOf(seq);
  const obj = s.obj.data[seq];
  const on = obj >= 0 ? model.objectName(obj) : '?';
  switch (kind) {
    case K.queueBlock:
      return a.op === 'put' ? `to put into ${on} (full)` : `to get from ${on} (empty)`;
    case K.queueJoin:
      return `in ${on}.join() for ${num(a.unfinished) ?? '?'} unfinished task(s)`;
    case K.sockBlock:
      return `in ${String(a.op ?? '?')}() on ${on}`;
    case K.selectBegin:
      return `in select() on ${num(a.watched) ?? '?'} socket(s)`;
    case K.pipeBlock:
      return `in recv() on ${on} (end ${num(a.end) ?? '?'})`;
    case K.processJoin:
      return `${proc(model, num(a.pid))}`;
    case K.poolJoin:
      return `(${on}.join())`;
    default:
      return null;
  }
}

/**
 * What a coroutine's wait span (blocked on a lock, waiting on an event...)
 * says, at time t: "waiting for lock_b (held by transfer-ab)". `obj` and
 * `seq` are the span's (the object, the event that began the wait). Null
 * when the state's own label says it all (sleeping).
 */
export function coroWaitText(model: TraceModel, state: number, obj: number, seq: number, t: number): string | null {
  if (obj < 0) return null;
  const on = model.objectName(obj);
  switch (state) {
    case S.blocked: {
      // Who holds it there: tasks, by the actor rule (objects.ts).
      const s = model.store;
      const at = upperBound(s.t.data, t, 0, s.length) - 1;
      const holders = at < 0 ? [] : model.tracker.at(at).objs.get(obj)?.holders ?? [];
      const who = [...new Set(holders)].map((h) => model.threadName(h));
      return `waiting for ${on}${who.length > 0 ? ` (held by ${who.join(', ')})` : ''}`;
    }
    case S.waitEvent:
      return `waiting for event ${on} to be set`;
    case S.waitCond:
      return `waiting on condition ${on} for a notify`;
    case S.waitBarrier:
      return `waiting at barrier ${on}`;
    case S.waitQueue: {
      const d = waitDetail(model, seq);
      return d === null ? `waiting on queue ${on}` : `waiting ${d}`;
    }
    case S.joining:
      return `joining ${model.threadName(obj)}`;
    default:
      return null;
  }
}
