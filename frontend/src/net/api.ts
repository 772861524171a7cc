// REST client for the concviz server (same origin). Every failure becomes an
// ApiError that says what was asked, what came back, and any field errors.
import type { ControlRequest } from '../model/control';
import { fieldErrors, type FieldError, type RunInfo, type Scenario, type TourInfo } from '../model/api_types';

export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('Cannot reach the concviz server. Is it running?', 0);
  }
  const text = await res.text();
  let data: unknown = null;
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const fields = fieldErrors(data);
    const plain = fields.find((f) => f.field === null)?.message;
    const what = res.status === 429
      ? plain ?? 'Too many runs are running at once; wait for one to finish or stop one.'
      : res.status === 422 ? 'Some parameters are not valid.'
        : plain ?? `${method} ${path} failed: HTTP ${res.status} ${res.statusText}`;
    throw new ApiError(what, res.status, fields);
  }
  return data as T;
}

export const api = {
  scenarios: (): Promise<Scenario[]> => request('GET', '/api/scenarios'),
  runs: (): Promise<RunInfo[]> => request('GET', '/api/runs'),
  run: (id: string): Promise<RunInfo> => request('GET', `/api/runs/${encodeURIComponent(id)}`),
  /** control: controlled mode (model/control.ts); null or absent: the threads run free. */
  startRun: (scenario: string, params: Record<string, number>, control: ControlRequest | null = null): Promise<RunInfo> =>
    request('POST', '/api/runs', control === null ? { scenario, params } : { scenario, params, control }),
  stopRun: (id: string): Promise<unknown> => request('POST', `/api/runs/${encodeURIComponent(id)}/stop`),
  /** Saves the run's tour (null: drop it, and the scenario's own tour shows again). */
  putTour: (id: string, tour: unknown): Promise<TourInfo> => request('PUT', `/api/runs/${encodeURIComponent(id)}/tour`, tour),
  /** The origins allowed to show /embed/... in a frame (`concviz serve --embed-origin`). */
  embedOrigins: (): Promise<{ origins: string[] }> => request('GET', '/api/embed'),
  traceUrl: (id: string): string => `/api/runs/${encodeURIComponent(id)}/trace`,
  exportUrl: (id: string, format: 'html' | 'chrome'): string => `/api/runs/${encodeURIComponent(id)}/export?format=${format}`,
};
