// What the panels show at the playhead: each thread's state and source
// location, and the program's output so far. Every query is a binary search.
import { lastAtOrBefore } from './hittest';
import type { Lane } from './lane';
import type { TraceModel } from './trace';

export interface ThreadPlace {
  lane: Lane;
  state: number;
  /** The object the state is about (or the joined tid), -1 for none. */
  obj: number;
  file: string | null;
  line: number | null;
}

export function threadPlaceAt(model: TraceModel, lane: Lane, t: number): ThreadPlace {
  const i = lane.spanAt(t);
  const state = i < 0 ? 0 : lane.states.data[i];
  const obj = i < 0 ? -1 : lane.objs.data[i];
  const k = lastAtOrBefore(lane.locs.data, lane.locs.length, model.store, t);
  let file: string | null = null;
  let line: number | null = null;
  if (k >= 0) {
    const a = model.store.argsOf(lane.locs.data[k]);
    file = typeof a.file === 'string' ? a.file : null;
    line = typeof a.line === 'number' ? a.line : null;
  }
  return { lane, state, obj, file, line };
}

export interface OutputLine {
  seq: number;
  tid: number;
  text: string;
  stderr: boolean;
}

/** The prints up to time t, the last `limit` of them. */
export function outputAt(model: TraceModel, t: number, limit = 500): OutputLine[] {
  const n = lastAtOrBefore(model.prints.data, model.prints.length, model.store, t) + 1;
  const out: OutputLine[] = [];
  for (let i = Math.max(0, n - limit); i < n; i++) {
    const seq = model.prints.data[i];
    const a = model.store.argsOf(seq);
    out.push({ seq, tid: model.store.tid.data[seq], text: String(a.text ?? ''), stderr: a.stream === 'stderr' });
  }
  return out;
}

/** Matches a recorded file path to a key of the header's source map (exact, then by file name). */
export function matchSource(file: string, keys: readonly string[]): string | null {
  if (keys.includes(file)) return file;
  const base = file.split(/[\\/]/).pop() ?? file;
  return keys.find((k) => (k.split(/[\\/]/).pop() ?? k) === base) ?? null;
}
