// Plain-English sentences for queue, socket and select events (the timeline's
// hover tooltip), and for what a thread waits on in a queue or I/O span.
import { K } from './kinds';
import { shortSocketName } from './sockets';
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

/** A sentence for a queue/socket/select event, or null for other kinds. */
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
    default:
      return null;
  }
}

/** What a queue or I/O wait is about, from the event that began it: "to get from tasks (empty)". */
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
    default:
      return null;
  }
}
