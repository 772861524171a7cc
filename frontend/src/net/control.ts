// REST calls of controlled mode: starting a controlled run, a person's step,
// and explorations (many schedules, looking for trouble).
import { jsonCall } from './json_call';

export interface Exploration {
  id: string;
  state: 'running' | 'found' | 'clean' | 'cancelled' | 'failed';
  tried: number;
  runs: number;
  found: null | { what: string; detail: string; run_id: string | null };
  error?: string | null;
}

const call = jsonCall;

const runPath = (id: string) => `/api/runs/${encodeURIComponent(id)}`;

export const controlApi = {
  step: (id: string, thread: number): Promise<unknown> => call('POST', `${runPath(id)}/step`, { thread }),
  finish: (id: string, seed: number): Promise<unknown> => call('POST', `${runPath(id)}/step`, { finish: 'random', seed }),
  explore: (scenario: string, params: Record<string, number>, strategy: 'random' | 'pct', runs: number, seed: number): Promise<{ id: string }> =>
    call('POST', '/api/explorations', { scenario, params, strategy, runs, seed }),
  exploration: (id: string): Promise<Exploration> => call('GET', `/api/explorations/${encodeURIComponent(id)}`),
  cancelExploration: (id: string): Promise<unknown> => call('POST', `/api/explorations/${encodeURIComponent(id)}/cancel`),
};
