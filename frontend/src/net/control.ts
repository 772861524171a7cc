// REST calls of controlled mode: starting a controlled run, a person's step,
// and explorations (many schedules, looking for trouble).

export interface Exploration {
  id: string;
  state: 'running' | 'found' | 'clean' | 'cancelled' | 'failed';
  tried: number;
  runs: number;
  found: null | { what: string; detail: string; run_id: string | null };
  error?: string | null;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Error('Cannot reach the concviz server. Is it running?');
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    data = null;
  }
  if (!res.ok) {
    const detail = (data as { detail?: unknown } | null)?.detail;
    const msg = typeof detail === 'string' ? detail
      : Array.isArray(detail) ? detail.map((d: { msg?: string }) => d.msg ?? '').join(' ')
        : `HTTP ${res.status}`;
    throw new Error(`${method} ${path}: ${msg}`);
  }
  return data as T;
}

const runPath = (id: string) => `/api/runs/${encodeURIComponent(id)}`;

export const controlApi = {
  step: (id: string, thread: number): Promise<unknown> => call('POST', `${runPath(id)}/step`, { thread }),
  finish: (id: string, seed: number): Promise<unknown> => call('POST', `${runPath(id)}/step`, { finish: 'random', seed }),
  explore: (scenario: string, params: Record<string, number>, strategy: 'random' | 'pct', runs: number, seed: number): Promise<{ id: string }> =>
    call('POST', '/api/explorations', { scenario, params, strategy, runs, seed }),
  exploration: (id: string): Promise<Exploration> => call('GET', `/api/explorations/${encodeURIComponent(id)}`),
  cancelExploration: (id: string): Promise<unknown> => call('POST', `/api/explorations/${encodeURIComponent(id)}/cancel`),
};
