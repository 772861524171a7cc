// Guided tours: stops through a run (a moment or a range, lanes to highlight,
// a short note) that a lecturer steps through. A stop anchors to what
// happened — the n-th event of a kind, a lost update of the summary, a
// fraction of the run — because every run of a scenario has its own timings;
// this module turns anchors into times and lanes of the run on screen. The
// server checks the same format (backend/concviz/tours.py) and stores tours.
import { cycleActors } from './diagnosis';
import { Lane } from './lane';
import type { TraceModel } from './trace';
import { formatDuration } from './time';

export type Step = 'read' | 'write' | 'overwritten';

export type Anchor =
  | { fraction: number }
  | { focus: number }
  | { t: number }
  | { kind: string; nth?: number; thread?: string; object?: string }
  | { lost_update: number; step?: Step };

export interface TourStop {
  at: Anchor;
  /** With `to`, the stop is the range between the two anchors. */
  to?: Anchor;
  /** Thread names, or $at / $to (the anchor events' threads) / $cycle (a deadlock's threads). Default: $at, $to. */
  lanes?: string[];
  note: string;
  /** How much time a moment's view shows ("2ms", or nanoseconds). */
  window?: string | number;
}

export interface Tour {
  version: 1;
  title?: string;
  stops: TourStop[];
}

/** Where an anchor landed: a time, and the event behind it (if any). */
export interface AnchorHit {
  t: number;
  /** The thread (actor) of the event, or null. */
  actor: number | null;
  /** The event's object, or -1. */
  obj: number;
  /** What {value} says: a read or written value, a queue item. */
  value: string | null;
}

export type ResolvedStop =
  | { ok: true; at: AnchorHit; to: AnchorHit | null; window: number | null; actors: number[]; note: string }
  | { ok: false; reason: string; note: string };

const DEFAULT_LANES = ['$at', '$to'];
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };

/** Nanoseconds from "2ms", "1.5 s", "250us" or a positive integer; null when it is none of those. */
export function parseDuration(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v : null;
  if (typeof v !== 'string') return null;
  const m = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)$/.exec(v.trim());
  if (m === null) return null;
  const ns = Math.round(Number(m[1]) * UNIT_NS[m[2]]);
  return ns > 0 ? ns : null;
}

export class TourFormatError extends Error {}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function anchorOf(x: unknown, where: string): Anchor {
  if (!isObj(x)) throw new TourFormatError(`${where}: expected an anchor object`);
  const num = (k: string): number => {
    const v = x[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TourFormatError(`${where}.${k}: expected a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const str = (k: string): string | undefined => {
    const v = x[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new TourFormatError(`${where}.${k}: expected text, got ${JSON.stringify(v)}`);
    return v;
  };
  if ('fraction' in x) return { fraction: Math.min(1, Math.max(0, num('fraction'))) };
  if ('focus' in x) return { focus: Math.min(1, Math.max(0, num('focus'))) };
  if ('t' in x) return { t: Math.max(0, num('t')) };
  if ('kind' in x) {
    const kind = str('kind') as string;
    return { kind, nth: 'nth' in x ? num('nth') : 1, thread: str('thread'), object: str('object') };
  }
  if ('lost_update' in x) {
    const step = str('step') ?? 'read';
    if (step !== 'read' && step !== 'write' && step !== 'overwritten') throw new TourFormatError(`${where}.step: expected read, write or overwritten`);
    return { lost_update: num('lost_update'), step };
  }
  throw new TourFormatError(`${where}: expected one of fraction, focus, t, kind, lost_update`);
}

/**
 * A tour from JSON (the server's run record, an exported page). The server
 * has validated it already; this only makes sure the shapes are what the
 * page relies on, and says where they are not.
 */
export function parseTour(data: unknown): Tour {
  if (!isObj(data) || !Array.isArray(data.stops)) throw new TourFormatError('tour: expected {"version": 1, "stops": [...]}');
  const stops = data.stops.map((s: unknown, i: number): TourStop => {
    const where = `tour.stops[${i}]`;
    if (!isObj(s)) throw new TourFormatError(`${where}: expected a stop object`);
    if (typeof s.note !== 'string') throw new TourFormatError(`${where}.note: expected text`);
    const stop: TourStop = { at: anchorOf(s.at, `${where}.at`), note: s.note };
    if (s.to !== undefined) stop.to = anchorOf(s.to, `${where}.to`);
    if (s.lanes !== undefined) {
      if (!Array.isArray(s.lanes) || !s.lanes.every((l) => typeof l === 'string')) throw new TourFormatError(`${where}.lanes: expected a list of names`);
      stop.lanes = s.lanes as string[];
    }
    if (s.window !== undefined) {
      if (parseDuration(s.window) === null) throw new TourFormatError(`${where}.window: expected a duration like "2ms"`);
      stop.window = s.window as string | number;
    }
    return stop;
  });
  const tour: Tour = { version: 1, stops };
  if (typeof data.title === 'string') tour.title = data.title;
  return tour;
}

/** Whether a lane called `name` answers to `want`: the same name, or "Thread-3 (worker)" for "Thread-3". */
export function nameMatches(name: string, want: string): boolean {
  return name === want || name.startsWith(`${want} (`);
}

function ordinal(n: number): string {
  if (n === -1) return 'last';
  if (n < 0) return `${ordinal(-n)}-last`;
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${s}`;
}

interface LostUpdate {
  thread: number;
  read_seq: number;
  read_value: unknown;
  write_seq: number;
  write_value: unknown;
  overwrote?: { thread: number; seq: number; value: unknown } | null;
}

function shown(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function eventHit(m: TraceModel, seq: number, value: unknown = undefined): AnchorHit {
  const s = m.store;
  const a = s.argsOf(seq);
  const obj = s.obj.data[seq];
  return { t: s.t.data[seq], actor: s.tid.data[seq], obj, value: shown(value !== undefined ? value : a.value ?? a.item) };
}

/** The anchor's time and event in this run, or why it has none. */
export function resolveAnchor(m: TraceModel, a: Anchor): AnchorHit | string {
  const end = m.endTime;
  if ('fraction' in a) return { t: Math.round(a.fraction * end), actor: null, obj: -1, value: null };
  if ('focus' in a) {
    const [f0, f1] = m.focusRange();
    return { t: Math.round(f0 + a.focus * (f1 - f0)), actor: null, obj: -1, value: null };
  }
  if ('t' in a) return a.t <= end ? { t: a.t, actor: null, obj: -1, value: null } : `${formatDuration(a.t)} is past the run's end (${formatDuration(end)})`;
  if ('lost_update' in a) {
    if (m.end === null) return 'lost updates are known once the run has ended';
    const list = (m.end.summary as { lost_updates?: LostUpdate[] } | null)?.lost_updates ?? [];
    const u = list[a.lost_update - 1];
    if (u === undefined) return `this run has no ${ordinal(a.lost_update)} lost update (it has ${list.length})`;
    const step = a.step ?? 'read';
    const [seq, value] = step === 'read' ? [u.read_seq, u.read_value] : step === 'write' ? [u.write_seq, u.write_value]
      : [u.overwrote?.seq ?? -1, u.overwrote?.value];
    if (seq < 0 || seq >= m.store.length) return `the ${step} of lost update ${a.lost_update} is not in the trace`;
    return eventHit(m, seq, value);
  }
  return findEvent(m, a);
}

function findEvent(m: TraceModel, a: { kind: string; nth?: number; thread?: string; object?: string }): AnchorHit | string {
  const s = m.store;
  const code = s.kinds.names.indexOf(a.kind);
  const nth = a.nth ?? 1;
  const what = `${a.kind} event${a.object !== undefined ? ` on ${a.object}` : ''}${a.thread !== undefined ? ` by ${a.thread}` : ''}`;
  if (code < 0) return `this run has no ${what}`;
  const fits = (seq: number): boolean => {
    if (s.kind.data[seq] !== code) return false;
    if (a.thread !== undefined) {
      const tid = s.tid.data[seq];
      const lane = m.laneByTid.get(tid);
      if (!(lane !== undefined && nameMatches(lane.name, a.thread)) && !nameMatches(m.threadName(tid), a.thread)) return false;
    }
    return a.object === undefined || m.objectName(s.obj.data[seq]) === a.object;
  };
  let found = 0;
  if (nth > 0) {
    for (let seq = 0; seq < s.length; seq++) if (fits(seq) && ++found === nth) return eventHit(m, seq);
  } else {
    for (let seq = s.length - 1; seq >= 0; seq--) if (fits(seq) && ++found === -nth) return eventHit(m, seq);
  }
  return found === 0 ? `this run has no ${what}` : `this run has no ${ordinal(nth)} ${what} (it has ${found})`;
}

/** The actors a stop highlights. */
function stopActors(m: TraceModel, stop: TourStop, at: AnchorHit, to: AnchorHit | null): number[] {
  const out = new Set<number>();
  for (const want of stop.lanes ?? DEFAULT_LANES) {
    if (want === '$at') {
      if (at.actor !== null) out.add(at.actor);
    } else if (want === '$to') {
      if (to !== null && to.actor !== null) out.add(to.actor);
    } else if (want === '$cycle') {
      if (m.end !== null) for (const a of cycleActors(m.end)) out.add(a);
    } else {
      for (const row of m.rows) {
        if (row instanceof Lane && nameMatches(row.name, want)) out.add(row.actor);
      }
    }
  }
  return [...out];
}

/** The note with its placeholders ({thread}, {to.value}...) filled from the anchors' events. */
export function fillNote(m: TraceModel, note: string, at: AnchorHit, to: AnchorHit | null): string {
  return note.replace(/\{(to\.)?(thread|object|value)\}/g, (whole, isTo: string | undefined, what: string) => {
    const hit = isTo !== undefined ? to : at;
    if (hit === null) return whole;
    if (what === 'thread') return hit.actor === null ? whole : m.threadName(hit.actor);
    if (what === 'object') return hit.obj < 0 ? whole : m.objectName(hit.obj);
    return hit.value ?? whole;
  });
}

export function resolveStop(m: TraceModel, stop: TourStop): ResolvedStop {
  const at = resolveAnchor(m, stop.at);
  if (typeof at === 'string') return { ok: false, reason: at, note: stop.note };
  let to: AnchorHit | null = null;
  if (stop.to !== undefined) {
    const r = resolveAnchor(m, stop.to);
    if (typeof r === 'string') return { ok: false, reason: r, note: stop.note };
    to = r;
  }
  return {
    ok: true, at, to, window: stop.window === undefined ? null : parseDuration(stop.window),
    actors: stopActors(m, stop, at, to), note: fillNote(m, stop.note, at, to),
  };
}

/** The time span a resolved stop shows: its range, its window around the moment, or null (keep the zoom). */
export function stopView(r: ResolvedStop & { ok: true }): [number, number] | null {
  if (r.to !== null) {
    // A little room on both sides: what leads in and out of the range is part of its story.
    const [a, b] = [Math.min(r.at.t, r.to.t), Math.max(r.at.t, r.to.t)];
    const pad = Math.max((b - a) * 0.15, 1000);
    return [Math.max(0, a - pad), b + pad];
  }
  if (r.window !== null) return [r.at.t - r.window / 2, r.at.t + r.window / 2];
  return null;
}

/** One line about where a stop goes, for the tour editor's list. */
export function describeAnchor(a: Anchor): string {
  if ('fraction' in a) return `${Math.round(a.fraction * 100)}% of the run`;
  if ('focus' in a) return `${Math.round(a.focus * 100)}% of the busy part`;
  if ('t' in a) return `at ${formatDuration(a.t, 4)}`;
  if ('lost_update' in a) return `lost update ${a.lost_update} (${a.step ?? 'read'})`;
  return `${ordinal(a.nth ?? 1)} ${a.kind}${a.object !== undefined ? ` on ${a.object}` : ''}${a.thread !== undefined ? ` by ${a.thread}` : ''}`;
}

/**
 * A stop made in the page at the playhead: the lecturer's own run, so plain
 * times are exact. `view` is the visible span: a range stop shows it again;
 * a moment keeps its width as the window.
 */
export function stopHere(t: number, view: [number, number], range: boolean, lanes: string[], note: string): TourStop {
  const a = Math.max(0, Math.round(view[0]));
  const b = Math.max(a + 1, Math.round(view[1]));
  const stop: TourStop = range ? { at: { t: a }, to: { t: b }, note } : { at: { t: Math.round(t) }, window: b - a, note };
  if (lanes.length > 0) stop.lanes = lanes;
  return stop;
}
