// REST client for sweeps and comparisons (server/sweeps.py), same origin.
import type { Sweep } from '../model/sweep';

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
  const data: unknown = text === '' ? null : JSON.parse(text);
  if (!res.ok) throw new Error(`${method} ${path}: ${detailText(data) ?? `HTTP ${res.status}`}`);
  return data as T;
}

function detailText(data: unknown): string | null {
  if (data === null || typeof data !== 'object' || !('detail' in data)) return null;
  const d = (data as { detail: unknown }).detail;
  if (typeof d === 'string') return d;
  if (Array.isArray(d)) {
    return d.map((e: { loc?: unknown[]; msg?: string }) => `${(e.loc ?? []).slice(1).join('.')}: ${e.msg ?? ''}`).join('; ');
  }
  return JSON.stringify(d);
}

export const sweeps = {
  start: (scenario: string, params: Record<string, number[]>, repeat: number): Promise<Sweep> =>
    call('POST', '/api/sweeps', { scenario, params, repeat }),
  list: (): Promise<Sweep[]> => call('GET', '/api/sweeps'),
  get: (id: string): Promise<Sweep> => call('GET', `/api/sweeps/${encodeURIComponent(id)}`),
  cancel: (id: string): Promise<Sweep> => call('POST', `/api/sweeps/${encodeURIComponent(id)}/cancel`),
  remove: (id: string): Promise<null> => call('DELETE', `/api/sweeps/${encodeURIComponent(id)}`),
  compare: (a: string, b: string): Promise<Record<string, unknown>> =>
    call('GET', `/api/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`),
  trace: async (id: string): Promise<string> => {
    const res = await fetch(`/api/runs/${encodeURIComponent(id)}/trace`);
    if (!res.ok) throw new Error(`the trace of run ${id}: HTTP ${res.status}`);
    return res.text();
  },
};
