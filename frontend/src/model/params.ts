// Parameter values: defaults, validation with precise messages, and the
// log-scale slider mapping (position 0 is exactly 0, the rest spans four
// decades up to the maximum), all pure so the form's behaviour is tested.
import type { ParamSpec, Scenario } from './api_types';

export const SLIDER_STEPS = 1000;
const DECADES = 4;

export function defaultParams(s: Scenario): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of s.params) out[p.name] = p.default;
  return out;
}

/** The scenario's defaults overridden by the given values that are valid for it. */
export function mergeParams(s: Scenario, given: Record<string, number>): Record<string, number> {
  const out = defaultParams(s);
  for (const p of s.params) {
    const v = given[p.name];
    if (v !== undefined && validateParam(p, String(v)).error === null) out[p.name] = v;
  }
  return out;
}

export function validateParam(p: ParamSpec, text: string): { value: number; error: string | null } {
  const t = text.trim();
  const v = t === '' ? Number.NaN : Number(t);
  const what = p.type === 'int' ? 'a whole number' : 'a number';
  const err = `expected ${what} between ${p.min} and ${p.max} for '${p.name}', got '${t}'`;
  if (!Number.isFinite(v) || v < p.min || v > p.max) return { value: v, error: err };
  if (p.type === 'int' && !Number.isInteger(v)) return { value: v, error: err };
  return { value: v, error: null };
}

function logFloor(p: ParamSpec): number {
  return p.min > 0 ? p.min : p.max / 10 ** DECADES;
}

/** Slider position (0..SLIDER_STEPS) → value. */
export function sliderToValue(p: ParamSpec, pos: number): number {
  if (p.scale !== 'log' || p.max <= 0) {
    const v = p.min + ((p.max - p.min) * pos) / SLIDER_STEPS;
    return p.type === 'int' ? Math.round(v) : roundSig(v, 3);
  }
  if (pos <= 0) return p.min > 0 ? p.min : 0;
  const lo = logFloor(p);
  const v = lo * (p.max / lo) ** ((pos - 1) / (SLIDER_STEPS - 1));
  return p.type === 'int' ? Math.round(v) : Math.min(p.max, roundSig(v, 2));
}

/** Value → nearest slider position. */
export function valueToSlider(p: ParamSpec, v: number): number {
  if (p.scale !== 'log' || p.max <= 0) {
    return p.max === p.min ? 0 : Math.round(((v - p.min) / (p.max - p.min)) * SLIDER_STEPS);
  }
  const lo = logFloor(p);
  if (v <= 0 || v < lo) return 0;
  const f = Math.log(v / lo) / Math.log(p.max / lo);
  return Math.max(1, Math.min(SLIDER_STEPS, Math.round(1 + f * (SLIDER_STEPS - 1))));
}

export function roundSig(v: number, digits: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const m = 10 ** (digits - 1 - Math.floor(Math.log10(Math.abs(v))));
  return Math.round(v * m) / m;
}
