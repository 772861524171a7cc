// Shapes of the server's REST resources (GET /api/scenarios, /api/runs). They
// live in model/ because the views fold them; net/ only fetches them.

export interface ParamSpec {
  name: string;
  type: 'int' | 'float';
  default: number;
  min: number;
  max: number;
  scale: 'linear' | 'log';
  unit: string | null;
  help: string;
}

export interface Scenario {
  name: string;
  title: string;
  concept: string;
  description: string;
  look_for: string;
  params: ParamSpec[];
  source: string;
  path: string;
}

export type RunStatus =
  | 'pending' | 'running' | 'finished' | 'deadlocked' | 'timed_out' | 'crashed'
  | 'limit_exceeded' | 'stopped' | 'interrupted';

export interface RunInfo {
  id: string;
  scenario: string;
  params: Record<string, number>;
  status: RunStatus;
  exit_code: number | null;
  created_at: string | number;
  finished_at: string | number | null;
  summary: Record<string, unknown> | null;
  /** GET /api/runs/{id} only: the run's guided tour (unchecked JSON: model/tour.ts parses it), where it came
   *  from (saved with the run, or the scenario's own file), and why the scenario's file could not be used. */
  tour?: unknown;
  tour_source?: 'run' | 'scenario' | 'none';
  tour_error?: string | null;
}

/** PUT /api/runs/{id}/tour's answer. */
export interface TourInfo {
  id: string;
  tour: unknown;
  tour_source: 'run' | 'scenario' | 'none';
  tour_error: string | null;
}

export const ACTIVE_STATUSES: ReadonlySet<RunStatus> = new Set(['pending', 'running']);

/** One field error from a 422 answer: which parameter, and the message to show next to it. */
export interface FieldError {
  field: string | null;
  message: string;
}

/** Reads FastAPI's `{"detail": [{"loc": [...], "msg": ...}]}` (or a plain string detail). */
export function fieldErrors(body: unknown): FieldError[] {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string') return [{ field: null, message: detail }];
  if (!Array.isArray(detail)) return [];
  return detail.map((d: { loc?: unknown[]; msg?: unknown }) => {
    const loc = Array.isArray(d.loc) ? d.loc : [];
    const i = loc.indexOf('params');
    const field = i >= 0 && typeof loc[i + 1] === 'string' ? (loc[i + 1] as string)
      : loc[loc.length - 1] === 'scenario' ? 'scenario' : null;
    return { field, message: typeof d.msg === 'string' ? d.msg : JSON.stringify(d) };
  });
}
