// Sockets and selectors at the playhead: a pure fold over sock.* and sel.*
// events (driven by objects.ts, inside the checkpointed object fold). The
// select() calls themselves are indexed in select_calls.ts.
import { K } from './kinds';
import type { Args } from './store';

export type SocketRole = 'listener' | 'conn' | 'client' | 'socket';
export type SocketStatus = 'open' | 'listening' | 'connected' | 'closed';

export interface SocketState {
  id: number;
  name: string;
  role: SocketRole;
  status: SocketStatus;
  /** The port it listens on (listener) or its peer's / own port. */
  port: number | null;
  sent: number;
  received: number;
  /** Connections a listener accepted. */
  accepted: number;
  /** true blocking, false non-blocking, null with a timeout or unknown. */
  blocking: boolean | null;
  /** Threads waiting in accept/recv/send on it, with the call. */
  waiting: { tid: number; op: string }[];
  wouldBlock: number;
  errors: number;
  lastError: string | null;
  /** The peer closed (a recv returned 0 bytes). */
  eof: boolean;
}

export interface Registration {
  fd: number;
  /** The recorded socket behind the fd, if any. */
  sock: number | null;
  /** 1 read, 2 write, 3 both. */
  events: number;
  callback: string | null;
}

export interface SelectorState {
  id: number;
  type: string;
  name: string;
  /** Registrations by fd, in registration order. */
  regs: Registration[];
}

export function isSocketType(type: string): boolean {
  return type === 'socket';
}

/** Selector classes are named *Selector (EpollSelector, PollSelector, DefaultSelector...). */
export function isSelectorType(type: string): boolean {
  return type.endsWith('Selector');
}

export function roleOf(name: string): SocketRole {
  if (name.startsWith('listener')) return 'listener';
  if (name.startsWith('conn')) return 'conn';
  if (name.startsWith('client')) return 'client';
  return 'socket';
}

/** A short label for narrow columns: "listener :8000" → "listener", "conn from :51234" → "conn :51234". */
export function shortSocketName(name: string): string {
  const role = roleOf(name);
  const ports = name.match(/:\d+/g) ?? [];
  if (role === 'listener') return 'listener';
  if (role === 'conn') return ports.length > 0 ? `conn ${ports[0]}` : 'conn';
  if (role === 'client') return ports.length > 0 ? `client ${ports[0]}` : 'client';
  return name.length > 14 ? `${name.slice(0, 13)}…` : name;
}

export function newSocket(id: number, name: string): SocketState {
  return {
    id, name, role: roleOf(name), status: 'open', port: null, sent: 0, received: 0, accepted: 0,
    blocking: true, waiting: [], wouldBlock: 0, errors: 0, lastError: null, eof: false,
  };
}

export function cloneSocket(s: SocketState): SocketState {
  return { ...s, waiting: s.waiting.slice() };
}

export function newSelector(id: number, type: string, name: string): SelectorState {
  return { id, type, name, regs: [] };
}

export function cloneSelector(s: SelectorState): SelectorState {
  return { ...s, regs: s.regs.slice() };
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function unwait(s: SocketState, tid: number): void {
  const i = s.waiting.findIndex((w) => w.tid === tid);
  if (i >= 0) s.waiting.splice(i, 1);
}

/** Folds one sock.* event into `s` (mutating it). */
export function applySocketEvent(s: SocketState, kind: number, tid: number, a: Args): void {
  switch (kind) {
    case K.sockListen:
      s.status = 'listening';
      s.role = 'listener';
      s.port = num(a.port);
      break;
    case K.sockAccept:
      s.accepted++;
      unwait(s, tid);
      break;
    case K.sockConnect:
      s.status = 'connected';
      s.port = num(a.port);
      break;
    case K.sockSend:
      s.sent += num(a.bytes) ?? 0;
      unwait(s, tid);
      break;
    case K.sockRecv: {
      const n = num(a.bytes) ?? 0;
      s.received += n;
      if (n === 0) s.eof = true;
      unwait(s, tid);
      break;
    }
    case K.sockBlock:
      if (!s.waiting.some((w) => w.tid === tid)) s.waiting.push({ tid, op: String(a.op ?? '?') });
      break;
    case K.sockWake:
      unwait(s, tid);
      break;
    case K.sockWouldBlock:
      s.wouldBlock++;
      break;
    case K.sockError:
      s.errors++;
      s.lastError = typeof a.error === 'string' ? a.error : String(a.error ?? 'error');
      unwait(s, tid);
      break;
    case K.sockSetblocking: {
      const timeout = num(a.timeout);
      s.blocking = a.blocking === false || timeout === 0 ? false : timeout === null ? true : null;
      break;
    }
    case K.sockClose:
      s.status = 'closed';
      s.waiting = [];
      break;
    default:
      break;
  }
}

/** Folds one sel.* event into `s` (mutating it). */
export function applySelectorEvent(s: SelectorState, kind: number, a: Args): void {
  const fd = num(a.fd);
  if (fd === null) return;
  const i = s.regs.findIndex((r) => r.fd === fd);
  if (kind === K.selUnregister) {
    if (i >= 0) s.regs.splice(i, 1);
    return;
  }
  const reg: Registration = {
    fd, sock: num(a.sock), events: num(a.events) ?? 1,
    callback: typeof a.callback === 'string' ? a.callback : null,
  };
  if (i >= 0) s.regs[i] = reg;
  else s.regs.push(reg);
}

/** "read", "write" or "read+write" for a selector's event mask. */
export function eventMaskLabel(events: number): string {
  const r = (events & 1) !== 0;
  const w = (events & 2) !== 0;
  return r && w ? 'read+write' : w ? 'write' : 'read';
}
