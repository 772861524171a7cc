// Per-pixel aggregation of a lane: one state per pixel column, the most
// important state of any span that touches the column (states are numbered by
// importance). Work is proportional to min(spans in view, columns) × log, so a
// zoomed-out lane with a million spans costs no more than its pixel width.
import type { Lane } from './lane';

/** First index i >= from (within [from, n)) with a[i] > x: exponential then binary search. */
function gallopUpper(a: Float64Array, x: number, from: number, n: number): number {
  if (from >= n || a[from] > x) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < n && a[hi] <= x) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi > n) hi = n;
  // invariant: a[lo] <= x, and hi == n or a[hi] > x
  lo++;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Fills out[0..width) with the state of each pixel column x, which covers
 * [t0 + x·nsPerPx, t0 + (x+1)·nsPerPx). Columns at or after `tEnd` (the end of
 * the trace) and before the lane began are 0.
 */
export function aggregateLane(
  lane: Lane, t0: number, nsPerPx: number, width: number, tEnd: number, out: Uint8Array,
): void {
  const n = lane.starts.length;
  const starts = lane.starts.data;
  const states = lane.states.data;
  // Spans [a, b) touch the current column; i is the first span starting after the column's start.
  let i = gallopUpper(starts, t0, 0, n);
  let x = 0;
  while (x < width) {
    const colStart = t0 + x * nsPerPx;
    if (colStart >= tEnd) {
      out.fill(0, x, width);
      return;
    }
    const colEnd = Math.min(colStart + nsPerPx, tEnd);
    i = gallopUpper(starts, colStart, i, n);
    const a = i - 1; // span covering colStart, or -1
    // spans starting strictly inside the column
    const b = colEnd > colStart ? lowerFrom(starts, colEnd, i, n) : i;
    if (b === i) {
      // One span (or none) covers the whole column: fill every column it covers.
      const spanEnd = Math.min(i < n ? starts[i] : tEnd, tEnd);
      let xEnd = Math.floor((spanEnd - t0) / nsPerPx);
      if (xEnd <= x) xEnd = x + 1;
      if (xEnd > width) xEnd = width;
      out.fill(a < 0 ? 0 : states[a], x, xEnd);
      x = xEnd;
    } else {
      out[x] = lane.pyramid.max(a < 0 ? 0 : a, b);
      x++;
    }
  }
}

/** First index in [from, n) with a[index] >= x. */
function lowerFrom(a: Float64Array, x: number, from: number, n: number): number {
  if (from >= n || a[from] >= x) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < n && a[hi] < x) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi > n) hi = n;
  lo++;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
