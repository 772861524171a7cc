// What the address bar says: a scenario with its parameters
// (/?scenario=race&threads=100&gap=0.001) or a run (/runs/<id>). A copied link
// reopens the same view; parse(format(x)) == x.

export type Route =
  | { view: 'home' }
  | { view: 'scenario'; scenario: string; params: Record<string, number> }
  | { view: 'run'; id: string }
  | { view: 'bench'; bench: string; params: Record<string, number> };

export function parseRoute(pathname: string, search: string): Route {
  const m = /^\/runs\/([^/]+)\/?$/.exec(pathname);
  if (m !== null) return { view: 'run', id: decodeURIComponent(m[1]) };
  const q = new URLSearchParams(search);
  const params: Record<string, number> = {};
  for (const [k, v] of q) {
    if (k === 'scenario' || k === 'bench' || v.trim() === '') continue;
    const x = Number(v);
    if (Number.isFinite(x)) params[k] = x;
  }
  const bench = q.get('bench');
  if (bench !== null && bench !== '') return { view: 'bench', bench, params };
  const scenario = q.get('scenario');
  if (scenario !== null && scenario !== '') return { view: 'scenario', scenario, params };
  return { view: 'home' };
}

export function formatRoute(r: Route): string {
  switch (r.view) {
    case 'home':
      return '/';
    case 'run':
      return `/runs/${encodeURIComponent(r.id)}`;
    case 'scenario':
    case 'bench': {
      const q = new URLSearchParams();
      if (r.view === 'scenario') q.set('scenario', r.scenario);
      else q.set('bench', r.bench);
      for (const k of Object.keys(r.params).sort()) q.set(k, formatNumber(r.params[k]));
      return `/?${q.toString()}`;
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
