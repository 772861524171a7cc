// One short line per queue and for the network activity of a finished run,
// from the End summary plus counts indexed while ingesting: the banner's
// detail for queue, socket and select scenarios.
import type { End } from '../generated/events';
import { K } from './kinds';
import { isQueueType } from './queues';
import { isSelectorType } from './sockets';
import { formatDuration } from './time';
import type { TraceModel } from './trace';

interface QueueSummary { kind: string; puts?: number; gets?: number; task_done?: number; max_items?: number }
interface SelectSummary { kind: string; calls?: number; max_ready?: number }
interface SocketsSummary {
  listening?: number; accepted?: number; connected?: number; bytes_sent?: number; bytes_received?: number;
  would_block?: number; errors?: number; closed?: number;
}

function n(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function plural(k: number, one: string, many = `${one}s`): string {
  return `${k} ${k === 1 ? one : many}`;
}

function times(k: number): string {
  return k === 1 ? 'once' : k === 2 ? 'twice' : `${k} times`;
}

/** "worker" for one thread, "3 threads" for more. */
function who(model: TraceModel, tids: Map<number, number>, role: string): string {
  if (tids.size === 1) return model.threadName([...tids.keys()][0]);
  return `${tids.size} ${role}s`;
}

function objectId(model: TraceModel, name: string): number {
  for (const o of model.objects.values()) if (o.name === name) return o.id;
  return -1;
}

export function queueLine(model: TraceModel, name: string, q: QueueSummary): string {
  const parts = [`${name}: ${plural(n(q.puts), 'item')} put, ${n(q.gets)} got`];
  if (n(q.task_done) > 0) parts[0] += `, ${n(q.task_done)} task_done()`;
  const id = objectId(model, name);
  const w = model.queues.waits.get(id);
  const sum = (m: Map<number, number> | undefined) => [...(m ?? new Map<number, number>()).values()].reduce((x, y) => x + y, 0);
  if (w !== undefined && sum(w.put) > 0) parts.push(`${who(model, w.put, 'producer')} waited ${times(sum(w.put))} on a full queue`);
  if (w !== undefined && sum(w.get) > 0) parts.push(`${who(model, w.get, 'consumer')} waited ${times(sum(w.get))} on an empty queue`);
  const joinNs = model.queues.joinNs.get(id);
  if (joinNs !== undefined) parts.push(`join() waited ${formatDuration(joinNs, 2)} for the last task_done()`);
  if (n(q.max_items) > 0) parts.push(`at most ${plural(n(q.max_items), 'item')} queued`);
  return parts.join('; ');
}

export function selectLine(model: TraceModel, name: string, s: SelectSummary, clients: number): string {
  const id = objectId(model, name);
  const st = model.selects.stats(model.store).get(id);
  const tids = st?.tids ?? new Set<number>();
  const server = tids.size === 1 ? `one thread (${model.threadName([...tids][0])})` : `${plural(tids.size, 'thread')}`;
  const call = isSelectorType(s.kind) ? 'selector.select()' : 'select()';
  const served = clients > 0 ? ` served ${plural(clients, 'client')}` : '';
  const ready = n(s.max_ready) > 1 ? `; up to ${n(s.max_ready)} sockets ready at once` : '';
  return `${server}${served} with ${plural(n(s.calls), `${call} call`)}${ready}`;
}

/** Counts of sock.block by op: how often threads waited in accept/recv/send. */
function blockedOps(model: TraceModel): Map<string, number> {
  const s = model.store;
  const kinds = s.kind.data;
  const out = new Map<string, number>();
  for (let i = 0; i < s.length; i++) {
    if (kinds[i] !== K.sockBlock) continue;
    const op = String(s.argsOf(i).op ?? '?');
    out.set(op, (out.get(op) ?? 0) + 1);
  }
  return out;
}

export function socketsLine(model: TraceModel, sk: SocketsSummary, withSelect: boolean): string | null {
  if (n(sk.listening) + n(sk.connected) + n(sk.accepted) === 0) return null;
  const parts: string[] = [];
  if (!withSelect && n(sk.accepted) > 0) parts.push(`${plural(n(sk.accepted), 'connection')} accepted`);
  parts.push(`${n(sk.bytes_sent)} bytes sent, ${n(sk.bytes_received)} received`);
  if (!withSelect) {
    const ops = [...blockedOps(model)].map(([op, k]) => `${times(k)} in ${op}()`);
    if (ops.length > 0) parts.push(`threads blocked ${ops.join(', ')}`);
  }
  if (n(sk.would_block) > 0) parts.push(`${plural(n(sk.would_block), 'call')} would have blocked (BlockingIOError)`);
  if (n(sk.errors) > 0) parts.push(plural(n(sk.errors), 'socket error'));
  return parts.join('; ');
}

/** The lines for the banner: one per queue, one per select site, one for the sockets. */
export function describeActivity(end: End, model: TraceModel): string[] {
  const s = (end.summary ?? {}) as Record<string, unknown>;
  const objects = (s.objects ?? {}) as Record<string, { kind?: unknown }>;
  const sockets = (s.sockets ?? {}) as SocketsSummary;
  const lines: string[] = [];
  let selects = 0;
  for (const [name, o] of Object.entries(objects)) {
    const kind = typeof o.kind === 'string' ? o.kind : '';
    if (isQueueType(kind)) lines.push(queueLine(model, name, o as QueueSummary));
  }
  for (const [name, o] of Object.entries(objects)) {
    const kind = typeof o.kind === 'string' ? o.kind : '';
    if (kind === 'select' || isSelectorType(kind)) {
      selects++;
      lines.push(selectLine(model, name, o as SelectSummary, selects === 1 ? n(sockets.accepted) : 0));
    }
  }
  const sl = socketsLine(model, sockets, selects > 0);
  if (sl !== null) lines.push(sl);
  return lines;
}
