// The parameter form, generated from a scenario's parameter schema: a slider
// (log-scale where the schema says so, starting at exactly 0) next to an
// editable number showing the exact value, help text, and the error for that
// field (client-side check or the server's 422 message).
import type { ParamSpec, Scenario } from '../model/api_types';
import { SLIDER_STEPS, sliderToValue, validateParam, valueToSlider } from '../model/params';
import { formatNumber } from '../model/url';
import { h } from './dom';

interface Field {
  spec: ParamSpec;
  number: HTMLInputElement;
  slider: HTMLInputElement;
  error: HTMLElement;
}

export class ParamsForm {
  readonly el: HTMLElement;
  private readonly fields = new Map<string, Field>();

  constructor(scenario: Scenario, values: Record<string, number>, private readonly changed: (v: Record<string, number>) => void) {
    this.el = h('div.params');
    if (scenario.params.length === 0) this.el.append(h('p.muted', null, 'This scenario has no parameters.'));
    for (const p of scenario.params) this.el.append(this.field(p, values[p.name] ?? p.default));
  }

  private field(p: ParamSpec, value: number): HTMLElement {
    const id = `param-${p.name}`;
    const number = h('input.exact', {
      // ints get a number input (with its stepper); floats a text input that shows the exact value typed
      id, type: p.type === 'int' ? 'number' : 'text', inputMode: p.type === 'int' ? 'numeric' : 'decimal',
      step: p.type === 'int' ? '1' : undefined, min: String(p.min), max: String(p.max), value: formatNumber(value),
      spellcheck: false, autocomplete: 'off', 'aria-describedby': `${id}-help ${id}-error`,
    });
    const slider = h('input.slider', {
      type: 'range', min: '0', max: String(SLIDER_STEPS), step: '1', value: String(valueToSlider(p, value)),
      'aria-label': `${p.name} slider${p.scale === 'log' ? ' (logarithmic)' : ''}`,
    });
    const error = h('div.field-error', { id: `${id}-error`, role: 'alert' });
    const f: Field = { spec: p, number, slider, error };
    this.fields.set(p.name, f);
    slider.addEventListener('input', () => {
      number.value = formatNumber(sliderToValue(p, Number(slider.value)));
      this.check(f);
      this.emit();
    });
    number.addEventListener('input', () => {
      if (this.check(f)) slider.value = String(valueToSlider(p, Number(number.value)));
      this.emit();
    });
    const range = `${formatNumber(p.min)} – ${formatNumber(p.max)}${p.unit ? ` ${p.unit}` : ''}${p.scale === 'log' ? ', log scale' : ''}`;
    return h('div.field', null,
      h('label.field-label', { for: id }, p.name, p.unit ? h('span.unit', null, ` (${p.unit})`) : null),
      h('div.field-row', null, slider, number),
      h('div.field-help', { id: `${id}-help` }, p.help, p.help ? ' · ' : '', h('span.range', null, range)),
      error);
  }

  private check(f: Field): boolean {
    const r = validateParam(f.spec, f.number.value);
    this.setError(f.spec.name, r.error);
    return r.error === null;
  }

  private emit(): void {
    const v = this.values();
    if (v !== null) this.changed(v);
  }

  setError(name: string, message: string | null): void {
    const f = this.fields.get(name);
    if (f === undefined) return;
    f.error.textContent = message ?? '';
    f.number.classList.toggle('invalid', message !== null);
    f.number.setAttribute('aria-invalid', message !== null ? 'true' : 'false');
  }

  clearErrors(): void {
    for (const name of this.fields.keys()) this.setError(name, null);
  }

  has(name: string): boolean {
    return this.fields.has(name);
  }

  /** The current values, or null (with the errors shown) when one is invalid. */
  values(): Record<string, number> | null {
    const out: Record<string, number> = {};
    let ok = true;
    for (const [name, f] of this.fields) {
      if (this.check(f)) out[name] = Number(f.number.value);
      else ok = false;
    }
    return ok ? out : null;
  }
}
