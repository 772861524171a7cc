// Hit tests through indexes (binary searches over a lane's sorted columns),
// never a scan of every span or event.
import type { Lane } from './lane';
import type { EventStore } from './store';

export interface SpanHit {
  lane: Lane;
  index: number;
  state: number;
  start: number;
  end: number;
  obj: number;
  /** The event that began the span (-1: the lane's implicit start). */
  seq: number;
}

/** The span of `lane` under time t, or null before the lane began / after tEnd. */
export function spanAt(lane: Lane, t: number, tEnd: number): SpanHit | null {
  if (t > tEnd) return null;
  const i = lane.spanAt(t);
  if (i < 0) return null;
  const n = lane.starts.length;
  return {
    lane,
    index: i,
    state: lane.states.data[i],
    start: lane.starts.data[i],
    end: i + 1 < n ? lane.starts.data[i + 1] : tEnd,
    obj: lane.objs.data[i],
    seq: lane.seqs.data[i],
  };
}

/** Index into lane.events of the first event with time >= t. */
export function laneEventIndexAt(lane: Lane, store: EventStore, t: number): number {
  const ev = lane.events.data;
  const times = store.t.data;
  let lo = 0;
  let hi = lane.events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[ev[mid]] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The lane's event nearest to t within ±tol (ns) that `accept` accepts, or -1.
 * Looks at most `probe` events on each side of t.
 */
export function nearestEvent(
  lane: Lane, store: EventStore, t: number, tol: number, accept: (seq: number) => boolean, probe = 16,
): number {
  const ev = lane.events.data;
  const times = store.t.data;
  const n = lane.events.length;
  const k = laneEventIndexAt(lane, store, t);
  let best = -1;
  let bestD = tol;
  for (let j = k; j < n && j < k + probe; j++) {
    const d = times[ev[j]] - t;
    if (d > bestD) break;
    if (accept(ev[j]) && d <= bestD) {
      best = ev[j];
      bestD = d;
      break;
    }
  }
  for (let j = k - 1; j >= 0 && j >= k - probe; j--) {
    const d = t - times[ev[j]];
    if (d > bestD) break;
    if (accept(ev[j])) {
      if (d < bestD || best < 0) best = ev[j];
      break;
    }
  }
  return best;
}

/** The last seq in `seqs` (ascending) whose event time is <= t, as an index into seqs; -1 if none. */
export function lastAtOrBefore(seqs: Int32Array, count: number, store: EventStore, t: number): number {
  const times = store.t.data;
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[seqs[mid]] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
