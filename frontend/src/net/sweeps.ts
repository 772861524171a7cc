// REST client for sweeps and comparisons (server/sweeps.py), same origin.
import { jsonCall } from './json_call';
import type { Sweep } from '../model/sweep';

const call = jsonCall;

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
