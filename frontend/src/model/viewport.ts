// The visible window of the timeline: time offset and scale, lane scroll.
// Pure arithmetic, so zoom/pan behaviour is unit tested.

export interface Viewport {
  /** Time at the left edge of the lanes area (ns). */
  t0: number;
  /** Nanoseconds per CSS pixel. */
  nsPerPx: number;
  /** Width of the lanes area (CSS px). */
  width: number;
  /** Vertical scroll of the lanes (CSS px). */
  scrollY: number;
}

export const MIN_NS_PER_PX = 0.05;

export function fitAll(duration: number, width: number): Pick<Viewport, 't0' | 'nsPerPx'> {
  return fitRange(0, duration, width);
}

/** Shows [a, b] with a small margin on each side. */
export function fitRange(a: number, b: number, width: number): Pick<Viewport, 't0' | 'nsPerPx'> {
  const d = Math.max(b - a, 1000);
  return { t0: a - d * 0.01, nsPerPx: (d * 1.03) / Math.max(1, width) };
}

/** Zooms by `factor` (>1 zooms in) keeping the time under pixel x fixed. */
export function zoomAt(v: Viewport, x: number, factor: number, maxNsPerPx: number): Viewport {
  const t = v.t0 + x * v.nsPerPx;
  const nsPerPx = Math.min(Math.max(v.nsPerPx / factor, MIN_NS_PER_PX), maxNsPerPx);
  return { ...v, nsPerPx, t0: t - x * nsPerPx };
}

/** Pans by dx CSS pixels (positive moves the view later in time). */
export function panBy(v: Viewport, dx: number): Viewport {
  return { ...v, t0: v.t0 + dx * v.nsPerPx };
}

/** Keeps the window inside [-margin, duration + margin]. */
export function clampTime(v: Viewport, duration: number): Viewport {
  const span = v.nsPerPx * v.width;
  const margin = span * 0.5;
  const lo = -margin;
  const hi = Math.max(lo, duration + margin - span);
  return { ...v, t0: Math.min(Math.max(v.t0, lo), hi) };
}

export function timeToX(v: Viewport, t: number): number {
  return (t - v.t0) / v.nsPerPx;
}

export function xToTime(v: Viewport, x: number): number {
  return v.t0 + x * v.nsPerPx;
}

/** Scrolls so that time t is visible, keeping `pad` of the width on its side. */
export function ensureVisible(v: Viewport, t: number, pad = 0.1): Viewport {
  const x = timeToX(v, t);
  if (x < v.width * pad) return { ...v, t0: t - v.width * pad * v.nsPerPx };
  if (x > v.width * (1 - pad)) return { ...v, t0: t - v.width * (1 - pad) * v.nsPerPx };
  return v;
}

/** The visible lane indices [first, last) for lanes of height h in a box of height boxH. */
export function visibleLanes(scrollY: number, h: number, boxH: number, count: number): [number, number] {
  const first = Math.max(0, Math.floor(scrollY / h));
  const last = Math.min(count, Math.ceil((scrollY + boxH) / h));
  return [first, Math.max(first, last)];
}

export function clampScroll(scrollY: number, h: number, boxH: number, count: number): number {
  return Math.max(0, Math.min(scrollY, count * h - boxH));
}
