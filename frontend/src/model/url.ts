// What the address bar says: a scenario with its parameters
// (/?scenario=race&threads=100&gap=0.001) or a run (/runs/<id>), and their
// embeds (/embed/?scenario=race&threads=10, /embed/runs/<id>). A copied link
// reopens the same view; parse(format(x)) == x. View options (presenter=1,
// range=...: view_options.ts) share the query string and are not parameters.
import { OPTION_KEYS } from './view_options';

export type Route =
  | { view: 'home' }
  | { view: 'scenario'; scenario: string; params: Record<string, number> }
  | { view: 'run'; id: string }
  | { view: 'embed-run'; id: string }
  | { view: 'embed-scenario'; scenario: string; params: Record<string, number> }
  | { view: 'bench'; bench: string; params: Record<string, number> };

export function parseRoute(pathname: string, search: string): Route {
  const m = /^\/(embed\/)?runs\/([^/]+)\/?$/.exec(pathname);
  if (m !== null) return { view: m[1] === undefined ? 'run' : 'embed-run', id: decodeURIComponent(m[2]) };
  const q = new URLSearchParams(search);
  const params: Record<string, number> = {};
  for (const [k, v] of q) {
    if (k === 'scenario' || k === 'bench' || OPTION_KEYS.has(k) || v.trim() === '') continue;
    const x = Number(v);
    if (Number.isFinite(x)) params[k] = x;
  }
  const bench = q.get('bench');
  if (bench !== null && bench !== '') return { view: 'bench', bench, params };
  const scenario = q.get('scenario');
  const embed = /^\/embed\/?$/.test(pathname);
  if (scenario !== null && scenario !== '') return { view: embed ? 'embed-scenario' : 'scenario', scenario, params };
  return { view: 'home' };
}

export function formatRoute(r: Route): string {
  switch (r.view) {
    case 'home':
      return '/';
    case 'run':
      return `/runs/${encodeURIComponent(r.id)}`;
    case 'embed-run':
      return `/embed/runs/${encodeURIComponent(r.id)}`;
    case 'scenario':
    case 'embed-scenario':
    case 'bench': {
      const q = new URLSearchParams();
      if (r.view === 'bench') q.set('bench', r.bench);
      else q.set('scenario', r.scenario);
      for (const k of Object.keys(r.params).sort()) q.set(k, formatNumber(r.params[k]));
      return `${r.view === 'embed-scenario' ? '/embed/' : '/'}?${q.toString()}`;
    }
  }
}

/** Shortest text that reads back as the same number (no exponent for ordinary values). */
export function formatNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const s = String(x);
  if (!s.includes('e')) return s;
  const fixed = x.toFixed(20).replace(/0+$/, '');
  return Number(fixed) === x ? fixed : s;
}
