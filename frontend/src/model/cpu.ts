// CPU use of a thread, from the `cpu` samples the supervisor takes of
// /proc/PID/task/TID/schedstat every CPU_SAMPLE_MS: in the interval before
// each sample, how long the thread was on a core and how long it was runnable
// but waiting for one. No sample in an interval means neither. Kept as
// prefix sums, so the mean over any time range (a pixel column, however wide)
// is two binary searches; the renderer draws a strip per lane and a
// "cores in use" strip per process from cpuColumns().
import { GrowF64, upperBound } from './grow';

/** How often the supervisor samples (events.py CPU_SAMPLE_MS). */
export const CPU_SAMPLE_NS = 10_000_000;

export const CPU_SOURCE = 'measured by concviz from /proc/…/schedstat every 10 ms';

export class CpuSeries {
  /** Sample i covers [start[i], end[i]); both ascending, the intervals never overlap. */
  readonly start = new GrowF64();
  readonly end = new GrowF64();
  /** Nanoseconds on a core / runnable and waiting for one, in sample i. */
  readonly on = new GrowF64();
  readonly wait = new GrowF64();
  /** cumOn[i]: the sum of on[0..i) (one more entry than the samples). */
  readonly cumOn = new GrowF64();
  readonly cumWait = new GrowF64();
  /** Seq of each sample's event. */
  readonly seqs = new GrowF64();

  constructor() {
    this.cumOn.push(0);
    this.cumWait.push(0);
  }

  get length(): number {
    return this.end.length;
  }

  /**
   * Adds the sample taken at t covering the dt ns before it (samples arrive in
   * time order); none of it before `from` (the thread began).
   */
  add(t: number, on: number, wait: number, dt: number, seq: number, from = Number.NEGATIVE_INFINITY): void {
    if (!(dt > 0) || !(t >= 0)) return;
    const n = this.end.length;
    // Clocks are made monotonic along seq, so a sample may overlap its predecessor by a hair: clip it.
    const start = Math.max(t - dt, n > 0 ? this.end.data[n - 1] : from, from);
    if (!(t > start)) return;
    // Kept as measured, so that totals agree with the summary's; shares are capped where they are shown.
    const o = Math.max(0, on);
    const w = Math.max(0, wait);
    this.start.push(start);
    this.end.push(t);
    this.on.push(o);
    this.wait.push(w);
    this.seqs.push(seq);
    this.cumOn.push(this.cumOn.data[n] + o);
    this.cumWait.push(this.cumWait.data[n] + w);
  }

  /** Index of the sample whose interval holds t, or -1. */
  sampleAt(t: number): number {
    const k = upperBound(this.end.data, t, 0, this.end.length);
    return k < this.end.length && this.start.data[k] <= t ? k : -1;
  }

  /** Time on a core up to x (each sample spread evenly over its interval). */
  onUntil(x: number): number {
    return this.integral(x, this.on.data, this.cumOn.data);
  }

  waitUntil(x: number): number {
    return this.integral(x, this.wait.data, this.cumWait.data);
  }

  private integral(x: number, v: Float64Array, cum: Float64Array): number {
    const k = upperBound(this.end.data, x, 0, this.end.length);
    let r = cum[k];
    if (k < this.end.length) {
      const s = this.start.data[k];
      if (x > s) r += (v[k] * (x - s)) / (this.end.data[k] - s);
    }
    return r;
  }

  /** Mean fractions of a core over [a, b): on a core, and runnable but waiting for one. */
  mean(a: number, b: number): { on: number; wait: number } {
    if (!(b > a)) return { on: 0, wait: 0 };
    return { on: (this.onUntil(b) - this.onUntil(a)) / (b - a), wait: (this.waitUntil(b) - this.waitUntil(a)) / (b - a) };
  }

  /** Total time on a core (ns). */
  get totalOn(): number {
    return this.cumOn.data[this.end.length];
  }
}

/**
 * One thread's share of a core in a sample can come out a little above 1 (the
 * sampler's clock and the kernel's disagree by a hair; a thread's first
 * sample is squeezed into the part after it began): on is capped at 1, wait at
 * what is left.
 */
function cap(on: number, wait: number): [number, number] {
  const o = on > 1 ? 1 : on;
  return [o, wait > 1 - o ? 1 - o : wait];
}

/**
 * Mean CPU fractions per pixel column x, which covers [t0 + x·nsPerPx, + nsPerPx):
 * added to on[x] and wait[x] (so a process's columns are the sum of its
 * threads'), each thread's capped at one core. Columns at or after tEnd are
 * left alone. Work is a binary search per column, whatever the zoom.
 */
export function cpuColumns(
  s: CpuSeries, t0: number, nsPerPx: number, width: number, tEnd: number, on: Float32Array, wait: Float32Array,
): void {
  const n = s.length;
  if (n === 0 || width <= 0) return;
  const starts = s.start.data;
  const ends = s.end.data;
  const von = s.on.data;
  const vwait = s.wait.data;
  const cOn = s.cumOn.data;
  const cWait = s.cumWait.data;
  // Skip the columns before the first sample and after the last one.
  let x = Math.max(0, Math.floor((starts[0] - t0) / nsPerPx));
  const xEnd = Math.min(width, Math.ceil((Math.min(ends[n - 1], tEnd) - t0) / nsPerPx));
  if (x >= xEnd) return;
  let a = t0 + x * nsPerPx;
  let k = upperBound(ends, a, 0, n);
  // The integrals up to a (k: the first sample ending after a).
  let fa = cOn[k];
  let wa = cWait[k];
  if (k < n && a > starts[k]) {
    const f = (a - starts[k]) / (ends[k] - starts[k]);
    fa += von[k] * f;
    wa += vwait[k] * f;
  }
  for (; x < xEnd; x++) {
    const b = Math.min(t0 + (x + 1) * nsPerPx, tEnd);
    k = upperBound(ends, b, k, n);
    let fb = cOn[k];
    let wb = cWait[k];
    if (k < n && b > starts[k]) {
      const f = (b - starts[k]) / (ends[k] - starts[k]);
      fb += von[k] * f;
      wb += vwait[k] * f;
    }
    const d = b - a;
    if (d > 0) {
      const o = (fb - fa) / d;
      const w = (wb - wa) / d;
      if (o > 1 || o + w > 1) {
        const [co, cw] = cap(o, w);
        on[x] += co;
        wait[x] += cw;
      } else {
        on[x] += o;
        wait[x] += w;
      }
    }
    a = b;
    fa = fb;
    wa = wb;
  }
}

/**
 * CPU use at time t as the strips show it, summed over `series` (one thread's,
 * or every thread of a process): the sample holding t when a pixel is
 * narrower than a sample, else the mean over the pixel's width around t.
 * Fractions of a core, each thread's capped at 1 (a process's sum may exceed 1).
 */
export function cpuAt(series: readonly CpuSeries[], t: number, nsPerPx: number): { on: number; wait: number; window: number } {
  let on = 0;
  let wait = 0;
  if (nsPerPx <= CPU_SAMPLE_NS) {
    for (const s of series) {
      const k = s.sampleAt(t);
      if (k < 0) continue;
      const dt = s.end.data[k] - s.start.data[k];
      const [o, w] = cap(s.on.data[k] / dt, s.wait.data[k] / dt);
      on += o;
      wait += w;
    }
    return { on, wait, window: CPU_SAMPLE_NS };
  }
  for (const s of series) {
    const m = s.mean(t - nsPerPx / 2, t + nsPerPx / 2);
    const [o, w] = cap(m.on, m.wait);
    on += o;
    wait += w;
  }
  return { on, wait, window: nsPerPx };
}
