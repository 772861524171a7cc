// How a link asks the page to look: the options after `?` that an embed (or a
// shared link) carries — panels to show, time range or zoom, lanes to follow,
// autoplay and speed, theme, font scale, presenter mode, the tour stop to
// open. Scenario parameters share the query string, so these names are
// reserved (model/url.ts leaves them out of the parameters).

export const PANELS = ['banner', 'controls', 'legend', 'source', 'objects', 'io', 'output', 'tour'] as const;
export type PanelName = (typeof PANELS)[number];

/** What an embed shows unless `panels=` says otherwise: the story, not the whole workbench. */
export const EMBED_PANELS: readonly PanelName[] = ['banner', 'controls', 'legend', 'tour'];

/** A time in the run: nanoseconds, or a share of its duration. */
export type TimeRef = { ns: number } | { fraction: number };

export type Theme = 'light' | 'dark';

export interface ViewOptions {
  /** null: the page's default set. */
  panels: PanelName[] | null;
  range: [TimeRef, TimeRef] | null;
  /** Where the playhead starts. */
  at: TimeRef | null;
  /** Zoom in by this factor from the first view (range, or the busy part of the run). */
  zoom: number | null;
  /** Lane names: the first is followed, all are highlighted. */
  follow: string[];
  autoplay: boolean;
  speed: number | null;
  theme: Theme | null;
  fontScale: number | null;
  presenter: boolean;
  /** The tour stop to open (1 = the first). */
  stop: number | null;
  /** tour=0 hides the run's tour. */
  tour: boolean;
}

export const OPTION_KEYS: ReadonlySet<string> = new Set([
  'panels', 'range', 'at', 'zoom', 'follow', 'autoplay', 'speed', 'theme', 'font', 'presenter', 'stop', 'tour',
]);

export function noOptions(): ViewOptions {
  return {
    panels: null, range: null, at: null, zoom: null, follow: [], autoplay: false, speed: null, theme: null,
    fontScale: null, presenter: false, stop: null, tour: true,
  };
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };

/** "12.5ms", "2s", "300us" or "40%" → a TimeRef; null when it is none of those. */
export function parseTimeRef(text: string): TimeRef | null {
  const s = text.trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (pct !== null) {
    const f = Number(pct[1]) / 100;
    return f <= 1 ? { fraction: f } : null;
  }
  const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s)$/.exec(s);
  return m === null ? null : { ns: Math.round(Number(m[1]) * UNIT_NS[m[2]]) };
}

export function formatTimeRef(r: TimeRef): string {
  if ('fraction' in r) return `${String(Math.round(r.fraction * 10000) / 100)}%`;
  if (r.ns % 1e6 === 0) return `${r.ns / 1e6}ms`;
  if (r.ns % 1e3 === 0) return `${r.ns / 1e3}us`;
  return `${r.ns}ns`;
}

/** The nanosecond time of `r` in a run `end` ns long. */
export function timeOf(r: TimeRef, end: number): number {
  return 'fraction' in r ? r.fraction * end : Math.min(r.ns, end);
}

const TRUE = new Set(['1', 'true', 'yes', 'on', '']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** The options in a query string, and a sentence per option that was ignored (shown to the user). */
export function parseViewOptions(search: string): { options: ViewOptions; problems: string[] } {
  const q = new URLSearchParams(search);
  const o = noOptions();
  const problems: string[] = [];
  const bad = (key: string, value: string, expected: string) => problems.push(`ignored ${key}=${value}: expected ${expected}`);
  const flag = (key: string): boolean | null => {
    const v = q.get(key);
    if (v === null) return null;
    if (TRUE.has(v.toLowerCase())) return true;
    if (FALSE.has(v.toLowerCase())) return false;
    bad(key, v, '1 or 0');
    return null;
  };
  const panels = q.get('panels');
  if (panels !== null) {
    const names = panels.split(',').map((p) => p.trim()).filter((p) => p !== '' && p !== 'none');
    const unknown = names.filter((p) => !(PANELS as readonly string[]).includes(p));
    if (unknown.length > 0) bad('panels', panels, `names among ${PANELS.join(', ')} (or none)`);
    o.panels = names.filter((p): p is PanelName => (PANELS as readonly string[]).includes(p));
  }
  const range = q.get('range');
  if (range !== null) {
    const [a, b] = range.split('..');
    const ra = a === undefined ? null : parseTimeRef(a);
    const rb = b === undefined ? null : parseTimeRef(b);
    if (ra === null || rb === null) bad('range', range, 'START..END like 10ms..25ms or 20%..60%');
    else o.range = [ra, rb];
  }
  const at = q.get('at');
  if (at !== null) {
    o.at = parseTimeRef(at);
    if (o.at === null) bad('at', at, 'a time like 12ms or 40%');
  }
  const num = (key: string, lo: number, hi: number): number | null => {
    const v = q.get(key);
    if (v === null) return null;
    const x = Number(v);
    if (v.trim() !== '' && Number.isFinite(x) && x >= lo && x <= hi) return x;
    bad(key, v, `a number between ${lo} and ${hi}`);
    return null;
  };
  o.zoom = num('zoom', 1, 1e6);
  o.speed = num('speed', 0.01, 100);
  o.fontScale = num('font', 0.5, 3);
  const stop = num('stop', 1, 1000);
  o.stop = stop === null ? null : Math.floor(stop);
  const follow = q.get('follow');
  if (follow !== null) o.follow = follow.split(',').map((s) => s.trim()).filter((s) => s !== '');
  o.autoplay = flag('autoplay') ?? false;
  o.presenter = flag('presenter') ?? false;
  o.tour = flag('tour') ?? true;
  const theme = q.get('theme');
  if (theme !== null) {
    if (theme === 'light' || theme === 'dark') o.theme = theme;
    else bad('theme', theme, 'light or dark');
  }
  return { options: o, problems };
}

/** The options that differ from the defaults, as query-string pairs in a fixed order. */
export function formatViewOptions(o: ViewOptions): [string, string][] {
  const out: [string, string][] = [];
  if (o.panels !== null) out.push(['panels', o.panels.length > 0 ? o.panels.join(',') : 'none']);
  if (o.range !== null) out.push(['range', `${formatTimeRef(o.range[0])}..${formatTimeRef(o.range[1])}`]);
  if (o.at !== null) out.push(['at', formatTimeRef(o.at)]);
  if (o.zoom !== null) out.push(['zoom', String(o.zoom)]);
  if (o.follow.length > 0) out.push(['follow', o.follow.join(',')]);
  if (o.autoplay) out.push(['autoplay', '1']);
  if (o.speed !== null) out.push(['speed', String(o.speed)]);
  if (o.theme !== null) out.push(['theme', o.theme]);
  if (o.fontScale !== null) out.push(['font', String(o.fontScale)]);
  if (o.presenter) out.push(['presenter', '1']);
  if (o.stop !== null) out.push(['stop', String(o.stop)]);
  if (!o.tour) out.push(['tour', '0']);
  return out;
}
