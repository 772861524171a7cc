// One short line per queue, per process of a multi-process run and for the
// network activity of a finished run, from the End summary plus counts
// indexed while ingesting: the banner's detail for queue, socket, select and
// multiprocessing scenarios.
import type { End } from '../generated/events';
import { K } from './kinds';
import { exitText } from './processes';
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

/** At most this many lines about processes (the rest are summed up in one more). */
const MAX_PROCESS_LINES = 6;

interface ProcessSummary { name?: unknown; parent?: unknown; exit_code?: unknown; threads?: unknown; cpu_s?: unknown }

export interface ProcessRow {
  pid: number;
  name: string | null;
  parent: number | null;
  exit: number | null;
  threads: number;
  /** Seconds on a CPU, when measured. */
  cpuS: number | null;
  /** "Process-1 (pid 1234): 2 threads, 0.98 s on a CPU, exit 0". */
  line: string;
}

/**
 * What each process of a multi-process run did (none for a single process):
 * from the summary's `processes` ({pid: {name, parent, exit_code, threads,
 * cpu_s}}), else from what the trace said.
 */
export function processSummaries(end: End, model: TraceModel): ProcessRow[] {
  const raw = ((end.summary ?? {}) as Record<string, unknown>).processes;
  const rows: Omit<ProcessRow, 'line'>[] = [];
  if (raw !== null && typeof raw === 'object' && Object.keys(raw).length > 0) {
    for (const [pid, v] of Object.entries(raw as Record<string, ProcessSummary>)) {
      if (v === null || typeof v !== 'object') continue;
      const known = model.processes.get(Number(pid));
      rows.push({
        pid: Number(pid),
        name: typeof v.name === 'string' ? v.name : known?.name ?? null,
        parent: typeof v.parent === 'number' ? v.parent : known?.ppid ?? null,
        exit: typeof v.exit_code === 'number' ? v.exit_code : known?.exit ?? null,
        threads: n(v.threads) || (known?.lanes.length ?? 0),
        cpuS: typeof v.cpu_s === 'number' ? v.cpu_s : null,
      });
    }
    // The trace's order: the program, then its children as they began.
    const order = (pid: number) => model.processes.get(pid)?.order ?? Number.MAX_SAFE_INTEGER;
    rows.sort((a, b) => order(a.pid) - order(b.pid) || a.pid - b.pid);
  } else {
    for (const p of model.processes.list) {
      if (p.lanes.length === 0) continue;
      rows.push({ pid: p.pid, name: p.name, parent: p.ppid, exit: p.exit, threads: p.lanes.length, cpuS: model.hasCpu ? p.cpuNs() / 1e9 : null });
    }
  }
  if (rows.length < 2) return [];
  const rootPid = model.processes.root.pid;
  return rows.map((r) => {
    // The program's parent is concviz's runner, and most children's is the program: say only the unusual.
    const parent = r.parent !== null && r.pid !== rootPid && r.parent !== rootPid ? `parent ${r.parent}` : '';
    const ids = [r.name !== null ? `pid ${r.pid}` : '', parent].filter((x) => x !== '');
    const who = `${r.name ?? `pid ${r.pid}`}${ids.length > 0 ? ` (${ids.join(', ')})` : ''}`;
    const parts = [plural(r.threads, 'thread')];
    if (r.cpuS !== null) parts.push(`${formatDuration(r.cpuS * 1e9, 2)} on a CPU`);
    const exit = exitText(r.exit);
    if (exit !== null) parts.push(exit);
    return { ...r, line: `${who}: ${parts.join(', ')}` };
  });
}

/** One line per process, only when there are several; past the first few, one line sums up the rest. */
export function processLines(end: End, model: TraceModel): string[] {
  const rows = processSummaries(end, model);
  const shown = rows.length > MAX_PROCESS_LINES ? rows.slice(0, MAX_PROCESS_LINES - 1) : rows;
  const lines = shown.map((r) => r.line);
  const rest = rows.slice(shown.length);
  if (rest.length > 0) {
    const threads = rest.reduce((k, r) => k + r.threads, 0);
    const cpu = rest.every((r) => r.cpuS === null) ? '' : `, ${formatDuration(rest.reduce((k, r) => k + (r.cpuS ?? 0), 0) * 1e9, 2)} on a CPU`;
    const failed = rest.filter((r) => r.exit !== null && r.exit !== 0).length;
    lines.push(`and ${plural(rest.length, 'more process', 'more processes')}: ${plural(threads, 'thread')}${cpu}${failed > 0 ? `, ${failed} did not exit 0` : ''}`);
  }
  return lines;
}

/**
 * The lines for the banner: one per queue, one per select site, one for the
 * sockets. (The banner shows the processes of a multi-process run apart, as
 * chips: processSummaries.)
 */
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
