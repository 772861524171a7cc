// The Sweeps page (/?sweep= and /?sweep=ID): a form to start a sweep of a
// scenario over one or two of its parameters, then the sweep itself — progress
// with the time left and Cancel, the curve of the chosen outcome across values,
// and per value a histogram whose bars open a run. Polls the server while the
// sweep goes; everything shown comes from GET /api/sweeps/{id}.
import './sweep.css';
import { api } from '../../net/api';
import { sweeps } from '../../net/sweeps';
import type { ParamSpec, Scenario } from '../../model/api_types';
import {
  curve, formatEta, formatPageRoute, isLive, metricNames, parseValues, type Sweep, type TableRow,
} from '../../model/sweep';
import { clear, h } from '../dom';
import { curveChart, histogram } from './charts';

const POLL_MS = 400;

/** A first guess at the values to sweep: log-spaced for a log-scaled parameter, a few integers otherwise. */
function suggestion(p: ParamSpec): string {
  if (p.scale === 'log') {
    const lo = p.min > 0 ? p.min : p.default > 0 ? p.default / 10 : 1e-4;
    const hi = Math.min(p.max, p.default > 0 ? p.default * 10 : lo * 100);
    return `${Number(lo.toPrecision(3))}..${Number(hi.toPrecision(3))}:log5`;
  }
  if (p.type === 'int') {
    const hi = Math.min(p.max, Math.max(p.min + 3, p.default));
    return hi - p.min <= 6 ? `${p.min}..${hi}` : `${p.min}..${hi}:4`;
  }
  return `${p.min}..${p.max}:5`;
}

export class SweepView {
  readonly el = h('div.sweep-page');
  private readonly body = h('main.sweep-main');
  private scenarios: Scenario[] = [];
  private sweep: Sweep | null = null;
  private metric: string | null = null;
  private timer: number | null = null;

  constructor(root: HTMLElement) {
    this.el.append(
      h('header.topbar', null,
        h('a.brand', { href: '/' }, 'concviz'),
        h('span.title', null, 'Sweeps'),
        h('span.spacer'),
        h('a.btn', { href: formatPageRoute({ view: 'sweeps' }) }, 'New sweep'),
        h('a.btn', { href: '/' }, 'Scenarios')),
      this.body);
    root.append(this.el);
  }

  async show(id: string | null): Promise<void> {
    if (id === null) await this.showForm();
    else await this.load(id);
  }

  private async showForm(): Promise<void> {
    try {
      this.scenarios = await api.scenarios();
    } catch (e) {
      clear(this.body, h('p.sweep-error', { role: 'alert' }, String(e instanceof Error ? e.message : e)));
      return;
    }
    const scenarioSel = h('select#sweep-scenario', { 'aria-label': 'Scenario' },
      this.scenarios.map((s) => h('option', { value: s.name }, `${s.title} (${s.name})`)));
    const rows = h('div.sweep-params');
    const repeat = h('input#sweep-repeat', { type: 'number', min: 1, max: 1000, value: 5, 'aria-label': 'Repeat' });
    const error = h('p.sweep-error', { role: 'alert', hidden: true });
    const fixedNote = h('p.hint');
    const paramRow = (index: number, spec: Scenario, chosen: string | null): HTMLElement => {
      const names = spec.params.map((p) => p.name);
      const sel = h('select', { id: `sweep-param-${index}`, 'aria-label': `Parameter ${index + 1}` },
        index === 1 ? h('option', { value: '' }, '— none —') : null,
        names.map((n) => h('option', { value: n, selected: n === chosen }, n)));
      const values = h('input', { id: `sweep-values-${index}`, type: 'text', 'aria-label': `Values of parameter ${index + 1}`, size: 24 });
      const hint = h('span.hint');
      const sync = (): void => {
        const p = spec.params.find((q) => q.name === sel.value);
        values.disabled = p === undefined;
        values.value = p === undefined ? '' : suggestion(p);
        hint.textContent = p === undefined ? '' : `${p.min}–${p.max}${p.unit ? ` ${p.unit}` : ''} · ${p.help}`;
      };
      sel.addEventListener('change', sync);
      sync();
      return h('div.sweep-param-row', null, sel, values, hint);
    };
    const fill = (): void => {
      const s = this.scenarios.find((x) => x.name === scenarioSel.value);
      if (s === undefined) return;
      const first = s.params.find((p) => p.scale === 'log')?.name ?? s.params[0]?.name ?? null;
      clear(rows, s.params.length === 0 ? h('p.hint', null, 'This scenario has no parameters: the sweep repeats it.') : [
        paramRow(0, s, first), s.params.length > 1 ? paramRow(1, s, null) : null,
      ]);
      fixedNote.textContent = 'Parameters not swept keep their defaults. Values: 1,2,4 · 2..6 · 0..0.01:5 · 1e-4..1e-2:log5';
    };
    scenarioSel.addEventListener('change', fill);
    const q = new URLSearchParams(location.search).get('scenario');
    if (q !== null && this.scenarios.some((s) => s.name === q)) scenarioSel.value = q;
    fill();
    const start = h('button', { id: 'sweep-start', class: 'btn primary', type: 'submit' }, 'Start sweep');
    const form = h('form.sweep-form', {
      onsubmit: (e: Event) => {
        e.preventDefault();
        error.hidden = true;
        const params: Record<string, number[]> = {};
        try {
          for (const i of [0, 1]) {
            const sel = rows.querySelector<HTMLSelectElement>(`#sweep-param-${i}`);
            const vals = rows.querySelector<HTMLInputElement>(`#sweep-values-${i}`);
            if (sel === null || vals === null || sel.value === '') continue;
            try {
              params[sel.value] = parseValues(vals.value);
            } catch (err) {
              throw new Error(`${sel.value}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
            }
          }
          const n = Number(repeat.value);
          if (!Number.isInteger(n) || n < 1) throw new Error(`expected a whole number of repeats ≥ 1, got '${repeat.value}'`);
          start.disabled = true;
          void sweeps.start(scenarioSel.value, params, n).then((s) => {
            history.pushState(null, '', formatPageRoute({ view: 'sweep', id: s.id }));
            void this.load(s.id);
          }, (err: unknown) => {
            start.disabled = false;
            error.textContent = err instanceof Error ? err.message : String(err);
            error.hidden = false;
          });
        } catch (err) {
          error.textContent = err instanceof Error ? err.message : String(err);
          error.hidden = false;
        }
      },
    },
    h('h1', null, 'Run a scenario many times'),
    h('label.field', null, h('span', null, 'Scenario'), scenarioSel),
    h('div.field', null, h('span', null, 'Sweep over'), rows),
    fixedNote,
    h('label.field', null, h('span', null, 'Repeat each value'), repeat),
    error, start);
    clear(this.body, form, await this.pastSweeps());
  }

  private async pastSweeps(): Promise<HTMLElement | null> {
    let list: Sweep[];
    try {
      list = await sweeps.list();
    } catch {
      return null;
    }
    if (list.length === 0) return null;
    return h('section.sweep-list', null, h('h2', null, 'Earlier sweeps'),
      h('ul', null, list.map((s) => h('li', null,
        h('a', { href: formatPageRoute({ view: 'sweep', id: s.id }) }, `${s.scenario} · ${Object.keys(s.params).join(' × ') || 'repeat'} · ${s.total} runs`),
        ` — ${s.state}`))));
  }

  private async load(id: string): Promise<void> {
    try {
      this.sweep = await sweeps.get(id);
    } catch (e) {
      clear(this.body, h('p.sweep-error', { role: 'alert' }, e instanceof Error ? e.message : String(e)));
      return;
    }
    this.render();
    if (isLive(this.sweep)) this.timer = window.setTimeout(() => void this.load(id), POLL_MS);
    else this.timer = null;
  }

  private render(): void {
    const s = this.sweep;
    if (s === null) return;
    const swept = s.table.length > 0 ? Object.keys(s.table[0].params) : Object.keys(s.params);
    const names = metricNames(s.table, s.metric);
    if (this.metric === null || !names.includes(this.metric)) this.metric = names[0] ?? null;
    const pct = s.total === 0 ? 0 : Math.round((100 * s.done) / s.total);
    const progress = h('div.sweep-progress', null,
      h('div.bar-track', { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': s.total, 'aria-valuenow': s.done, 'aria-label': 'Sweep progress' },
        h('div.bar-fill', { style: { width: `${pct}%` } })),
      h('span.progress-text', null, `${s.done} / ${s.total} runs · ${s.state}${isLive(s) ? ` · ${formatEta(s.eta_s)}` : ''}`),
      isLive(s) ? h('button#sweep-cancel.btn.danger', { onclick: () => void this.cancel(s.id) }, 'Cancel') : null);
    const metricSel = h('select#sweep-metric', { 'aria-label': 'Outcome', onchange: (e: Event) => { this.metric = (e.target as HTMLSelectElement).value; this.render(); } },
      names.map((n) => h('option', { value: n, selected: n === this.metric }, n)));
    const xParam = swept[0];
    const curveEl = xParam !== undefined && this.metric !== null && s.table.length > 1
      ? h('section.sweep-curve-box', null, h('h2', null, `${this.metric} against ${xParam}: median, p10–p90 band`),
        curveChart(curve(this.groupFirst(s.table, swept), xParam, this.metric), xParam, this.metric))
      : null;
    const cards = s.table.map((row) => this.card(row));
    const title = `${s.scenario}: ${swept.join(' × ') || 'repeated'} · ${s.repeat}× each`;
    clear(this.body,
      h('h1', null, title),
      progress,
      h('div.field', null, h('span', null, 'Outcome'), metricSel,
        h('span.hint', null, 'Click a bar to open one of its runs (click again for the next).')),
      curveEl,
      h('section.sweep-cards', null, cards));
  }

  /** With two swept parameters the curve follows the first, one line per second-parameter value would crowd a projector: keep the first value of the second. */
  private groupFirst(table: TableRow[], swept: string[]): TableRow[] {
    if (swept.length < 2) return table;
    const second = swept[1];
    const first = table[0]?.params[second];
    return table.filter((r) => r.params[second] === first);
  }

  private card(row: TableRow): HTMLElement {
    const label = Object.entries(row.params).map(([k, v]) => `${k} = ${v}`).join(', ') || 'all runs';
    const m = this.metric === null ? null : row.metrics[this.metric] ?? null;
    const statuses = Object.entries(row.statuses).map(([k, n]) =>
      h(`span.status-chip.st-${k}`, null, `${k} ${row.done === 0 ? 0 : Math.round((100 * n) / row.done)}%`));
    return h('article.sweep-card', { 'data-value': label },
      h('h3', null, label),
      h('div.status-row', null, statuses, h('span.hint', null, `${row.done}/${row.runs} runs`)),
      m === null ? h('p.hint', null, row.done === 0 ? 'no run has ended yet' : 'no value for this outcome')
        : [h('p.stats', null, `median ${m.median} · p10 ${m.p10} · p90 ${m.p90}`),
          histogram(m.histogram, (runId) => { location.href = `/runs/${encodeURIComponent(runId)}`; })]);
  }

  private async cancel(id: string): Promise<void> {
    try {
      await sweeps.cancel(id);
    } catch {
      // Already ended: the next load shows how.
    }
    if (this.timer !== null) window.clearTimeout(this.timer);
    await this.load(id);
  }
}
