// Sweeps and comparisons as the page sees them: the shapes GET /api/sweeps/{id}
// and GET /api/compare return, the value text a user types for a parameter
// (a list, a range, a log-spaced range), and the address (?sweep=ID,
// ?compare=1&a=RUN&b=RUN, served by the page route "/" so it survives a restart).
// No DOM: unit-tested in sweep.test.ts.

export interface Bar { low: number; high: number; count: number; runs: string[] }
export interface Metric { n: number; median: number; p10: number; p90: number; min: number; max: number; histogram: Bar[] }
export interface TableRow {
  params: Record<string, number>;
  runs: number;
  done: number;
  statuses: Record<string, number>;
  deadlocked_share: number | null;
  metrics: Record<string, Metric | null>;
}
export interface SweepRun {
  run_id: string;
  params: Record<string, number>;
  status: string;
  exit_code: number | null;
  outcome: Record<string, unknown> | null;
}
export type SweepState = 'queued' | 'running' | 'done' | 'cancelled';
export interface Sweep {
  id: string;
  scenario: string;
  params: Record<string, unknown>;
  repeat: number;
  metric?: string;
  state: SweepState;
  done: number;
  total: number;
  eta_s: number | null;
  runs: SweepRun[];
  table: TableRow[];
}

export function isLive(s: Pick<Sweep, 'state'>): boolean {
  return s.state === 'queued' || s.state === 'running';
}

/**
 * The values of one parameter from what a user typed: `1,2,4` (a list), `2..6`
 * (every integer), `0..0.01:5` (5 evenly spaced), `1e-4..1e-2:log3` (3 log-spaced,
 * 6 significant digits). Throws with what was expected and what came.
 */
export function parseValues(text: string): number[] {
  const t = text.trim();
  const range = /^([^.:]+|[-+]?\d*\.\d+(?:e[-+]?\d+)?)\.\.([^:]+)(?::(log)?(\d+))?$/i.exec(t);
  if (range !== null) {
    const lo = num(range[1]);
    const hi = num(range[2]);
    if (hi < lo) throw new Error(`expected a range low..high with low ≤ high, got '${t}'`);
    if (range[4] === undefined) {
      if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new Error(`expected integer bounds for '${t}' (or add :N for N values)`);
      return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
    }
    const n = Number(range[4]);
    if (n < 1) throw new Error(`expected at least 1 value in '${t}', got ${n}`);
    if (n === 1) return [lo];
    if (range[3] !== undefined) {
      if (lo <= 0) throw new Error(`expected a positive low bound for a log range, got '${range[1]}'`);
      const a = Math.log(lo), b = Math.log(hi);
      return Array.from({ length: n }, (_, i) => Number(Math.exp(a + ((b - a) * i) / (n - 1)).toPrecision(6)));
    }
    return Array.from({ length: n }, (_, i) => Number((lo + ((hi - lo) * i) / (n - 1)).toPrecision(6)));
  }
  const parts = t.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new Error('expected values like 1,2,4 or 2..6 or 1e-4..1e-2:log3, got nothing');
  return parts.map(num);
}

function num(s: string): number {
  const x = Number(s.trim());
  if (s.trim() === '' || !Number.isFinite(x)) throw new Error(`expected a number, got '${s.trim()}'`);
  return x;
}

export type PageRoute =
  | { view: 'sweeps' }
  | { view: 'sweep'; id: string }
  | { view: 'compare'; a: string; b: string };

/** The sweep or compare page named by a query string, or null for every other page. */
export function parsePageRoute(search: string): PageRoute | null {
  const q = new URLSearchParams(search);
  const sweep = q.get('sweep');
  if (sweep !== null) return sweep === '' ? { view: 'sweeps' } : { view: 'sweep', id: sweep };
  if (q.has('compare')) return { view: 'compare', a: q.get('a') ?? '', b: q.get('b') ?? '' };
  return null;
}

export function formatPageRoute(r: PageRoute): string {
  const q = new URLSearchParams();
  if (r.view === 'sweeps') q.set('sweep', '');
  else if (r.view === 'sweep') q.set('sweep', r.id);
  else {
    q.set('compare', '1');
    q.set('a', r.a);
    q.set('b', r.b);
  }
  return `/?${q.toString()}`;
}

/** One point of the curve across values: the metric's median and p10–p90 band at one value of the x parameter. */
export interface CurvePoint { x: number; median: number; p10: number; p90: number }

export function curve(table: TableRow[], xParam: string, metric: string): CurvePoint[] {
  const pts: CurvePoint[] = [];
  for (const row of table) {
    const m = row.metrics[metric];
    const x = row.params[xParam];
    if (m === null || m === undefined || typeof x !== 'number') continue;
    pts.push({ x, median: m.median, p10: m.p10, p90: m.p90 });
  }
  return pts.sort((p, q) => p.x - q.x);
}

/** Is a parameter's spread best seen on a log axis (all positive, over more than a decade)? */
export function logAxis(xs: number[]): boolean {
  if (xs.length < 2 || xs.some((x) => x <= 0)) return false;
  return Math.max(...xs) / Math.min(...xs) > 10;
}

/** A bar's label: its value, or its range of values for a bin. */
export function barLabel(b: Bar): string {
  const f = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(3))));
  return b.low === b.high ? f(b.low) : `${f(b.low)}–${f(b.high)}`;
}

/** Metrics present in the table, the main one first. */
export function metricNames(table: TableRow[], main: string | undefined): string[] {
  const names = new Set<string>();
  for (const row of table) for (const [k, v] of Object.entries(row.metrics)) if (v !== null) names.add(k);
  const list = [...names].sort();
  if (main !== undefined && names.has(main)) return [main, ...list.filter((n) => n !== main)];
  return list;
}

export function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '';
  if (s < 60) return `about ${Math.max(1, Math.round(s))} s left`;
  return `about ${Math.round(s / 60)} min left`;
}
