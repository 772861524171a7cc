// Two runs on one time axis: each trace reduced to lanes (one per thread,
// from its first to its last event, with its events' times) and the rows of
// the difference GET /api/compare returns. No DOM: unit-tested.
import type { Envelope } from '../generated/events';

export interface CompareLane { tid: number; name: string; start: number; end: number; marks: { t: number; kind: string }[] }

export function lanesOf(events: Envelope[]): { lanes: CompareLane[]; end: number } {
  const by = new Map<number, CompareLane>();
  let end = 0;
  for (const e of events) {
    if (e.kind === 'cpu') continue;
    let lane = by.get(e.tid);
    if (lane === undefined) {
      lane = { tid: e.tid, name: `thread ${e.tid}`, start: e.t, end: e.t, marks: [] };
      by.set(e.tid, lane);
    }
    if (e.kind === 'thread.begin' && typeof e.args.name === 'string') lane.name = e.args.name;
    lane.end = Math.max(lane.end, e.t);
    lane.marks.push({ t: e.t, kind: e.kind });
    end = Math.max(end, e.t);
  }
  return { lanes: [...by.values()].sort((a, b) => a.start - b.start || a.tid - b.tid), end };
}

/** How many of a run's events happened by time t (ns): what the playhead has passed. */
export function eventsBefore(events: Envelope[], t: number): number {
  let lo = 0, hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid].t <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface DiffRow { key: string; a: string; b: string; delta: string; differs: boolean }

/** Flattens compare.py's `{a, b, delta?}` leaves (nested by key) into rows, the differing ones marked. */
export function diffRows(diff: unknown, prefix = ''): DiffRow[] {
  if (diff === null || typeof diff !== 'object') return [];
  const d = diff as Record<string, unknown>;
  if ('a' in d && 'b' in d && (typeof d.a !== 'object' || d.a === null) && (typeof d.b !== 'object' || d.b === null)) {
    const delta = typeof d.delta === 'number' ? (d.delta > 0 ? `+${show(d.delta)}` : show(d.delta)) : '';
    return [{ key: prefix, a: show(d.a), b: show(d.b), delta, differs: d.a !== d.b }];
  }
  const rows: DiffRow[] = [];
  for (const [k, v] of Object.entries(d)) rows.push(...diffRows(v, prefix === '' ? k : `${prefix}.${k}`));
  return rows;
}

function show(x: unknown): string {
  if (x === null || x === undefined) return '—';
  if (typeof x === 'number') return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
  return String(x);
}
