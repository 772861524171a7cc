// Time is integer nanoseconds everywhere; these functions are the only place it
// becomes text (durations, axis ticks).

const UNITS: readonly [number, string][] = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
  [1, 'ns'],
];

function trim(x: number, digits: number): string {
  const s = x.toFixed(digits);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** A duration in the largest unit where it is >= 1: 1500000 → "1.5 ms". */
export function formatDuration(ns: number, digits = 3): string {
  if (!Number.isFinite(ns)) return '—';
  const sign = ns < 0 ? '−' : '';
  const a = Math.abs(ns);
  if (a === 0) return '0 s';
  for (const [f, u] of UNITS) {
    if (a >= f) {
      const v = a / f;
      const d = Math.max(0, digits - Math.floor(Math.log10(v)) - 1);
      return `${sign}${trim(v, d)} ${u}`;
    }
  }
  return `${sign}${trim(a, 0)} ns`;
}

export interface Ticks {
  /** Tick times in ns (multiples of step). */
  times: number[];
  step: number;
  /** Unit divisor and name for labels, chosen from the step. */
  unit: number;
  unitName: string;
}

/** Nice tick positions (1, 2, 5 × 10^k ns) for the range [t0, t1] with about `target` ticks. */
export function niceTicks(t0: number, t1: number, target: number): Ticks {
  const span = Math.max(t1 - t0, 1);
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  const step = Math.max(1, (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag);
  const times: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1 && times.length < 1000; t += step) times.push(t);
  // The unit follows the size of the values (1.0005 ms, not 1000500 ns); decimals follow the step.
  const size = Math.max(Math.abs(t0), Math.abs(t1), step);
  const [unit, unitName] = UNITS.find(([f]) => size >= f) ?? [1, 'ns'];
  return { times, step, unit, unitName };
}

/** A tick label in the tick set's unit, with just enough decimals for the step: "1.25 ms". */
export function formatTick(t: number, ticks: Ticks): string {
  const v = t / ticks.unit;
  const stepInUnit = ticks.step / ticks.unit;
  const decimals = Math.max(0, -Math.floor(Math.log10(stepInUnit) + 1e-9));
  return `${trim(v, decimals)} ${ticks.unitName}`;
}
