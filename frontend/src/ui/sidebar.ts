// The left column: scenario picker (title, concept, what to look for), the
// parameter form with Run/Stop, and the list of past runs.
import { ACTIVE_STATUSES, type FieldError, type RunInfo, type Scenario } from '../model/api_types';
import { formatNumber } from '../model/url';
import { clear, h } from './dom';
import { ParamsForm } from './params_form';

export interface SidebarActions {
  select(name: string): void;
  paramsChanged(values: Record<string, number>): void;
  run(values: Record<string, number>): void;
  stop(): void;
  openRun(id: string): void;
  retry(): void;
}

export class Sidebar {
  readonly el = h('aside.sidebar', { 'aria-label': 'Scenarios and runs' });
  private readonly list = h('div.scenario-list', { role: 'listbox', 'aria-label': 'Scenarios' });
  private readonly detail = h('div.scenario-detail');
  private readonly runsBox = h('div.runs');
  private form: ParamsForm | null = null;
  private runError = h('div.run-error', { role: 'alert' });
  private runButton = h('button.btn.primary.run-btn', { type: 'button' }, '▶ Run');
  private stopButton = h('button.btn.danger.stop-btn', { type: 'button', hidden: true }, '■ Stop');
  private scenarios: Scenario[] = [];
  private selected: string | null = null;
  /** Shown under the parameters (the schedule row of controlled mode). */
  private runOptions: HTMLElement | null = null;

  constructor(private readonly act: SidebarActions) {
    this.el.append(
      h('h2.side-title', null, 'Scenarios'), this.list, this.detail,
      h('h2.side-title', null, 'Past runs'), this.runsBox,
    );
    this.runButton.addEventListener('click', () => {
      const v = this.form?.values();
      if (v !== null && v !== undefined) this.act.run(v);
    });
    this.stopButton.addEventListener('click', () => this.act.stop());
    clear(this.list, h('div.loading', null, 'Loading scenarios…'));
  }

  showScenarioError(message: string): void {
    clear(this.list, h('div.error-box', null, h('strong', null, 'Could not load the scenarios. '), message,
      h('button.btn.small', { type: 'button', onclick: () => this.act.retry() }, 'Retry')));
  }

  setScenarios(list: Scenario[]): void {
    this.scenarios = list;
    if (list.length === 0) {
      clear(this.list, h('div.empty', null, 'The server has no scenarios.'));
      return;
    }
    this.renderList();
  }

  private renderList(): void {
    clear(this.list, this.scenarios.map((s) => h('button.scenario', {
      type: 'button', role: 'option', 'aria-selected': s.name === this.selected ? 'true' : 'false',
      class: s.name === this.selected ? 'selected' : undefined, 'data-name': s.name,
      onclick: () => this.act.select(s.name),
    }, h('span.scenario-title', null, s.title), h('span.scenario-concept', null, s.concept))));
  }

  /** Shows a scenario's details and its form with these values. */
  select(s: Scenario | null, values: Record<string, number>): void {
    this.selected = s?.name ?? null;
    this.renderList();
    if (s === null) {
      clear(this.detail);
      this.form = null;
      return;
    }
    this.form = new ParamsForm(s, values, (v) => this.act.paramsChanged(v));
    this.runError.textContent = '';
    clear(this.detail,
      h('h3.detail-title', null, s.title),
      s.description ? h('p.detail-desc', null, s.description) : null,
      s.look_for ? h('div.look-for', null, h('strong', null, 'What to look for: '), s.look_for) : null,
      this.form.el,
      this.runOptions,
      h('div.run-row', null, this.runButton, this.stopButton),
      this.runError);
    // Open at the top of the description, whatever the panel showed before.
    this.detail.scrollTop = 0;
    if (this.detail.isConnected) this.detail.scrollIntoView({ block: 'start', inline: 'nearest' });
  }

  setRunOptions(el: HTMLElement): void {
    this.runOptions = el;
  }

  /** Shows a failed POST /api/runs: field errors next to their field, the rest under Run. */
  showRunErrors(message: string, fields: FieldError[]): void {
    this.form?.clearErrors();
    const other: string[] = [];
    for (const f of fields) {
      if (f.field !== null && this.form?.has(f.field)) this.form.setError(f.field, f.message);
      else other.push(f.message);
    }
    this.runError.textContent = other.length > 0 ? other.join(' ') : message;
  }

  clearRunErrors(): void {
    this.form?.clearErrors();
    this.runError.textContent = '';
  }

  setRunning(running: boolean, busy = false): void {
    this.runButton.disabled = busy;
    this.runButton.textContent = busy ? 'Starting…' : '▶ Run';
    this.stopButton.hidden = !running;
  }

  setRuns(runs: RunInfo[] | null, currentId: string | null, error: string | null = null): void {
    if (error !== null) {
      clear(this.runsBox, h('div.error-box', null, error));
      return;
    }
    if (runs === null) {
      clear(this.runsBox, h('div.loading', null, 'Loading runs…'));
      return;
    }
    if (runs.length === 0) {
      clear(this.runsBox, h('div.empty', null, 'No runs yet. Press Run to start one.'));
      return;
    }
    const titles = new Map(this.scenarios.map((s) => [s.name, s.title]));
    clear(this.runsBox, runs.slice(0, 50).map((r) => h('a.run-item', {
      href: `/runs/${encodeURIComponent(r.id)}`, class: r.id === currentId ? 'current' : undefined,
      onclick: (e: MouseEvent) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        this.act.openRun(r.id);
      },
    },
    h('span.run-name', null, titles.get(r.scenario) ?? r.scenario),
    h(`span.status.status-${r.status}`, null, r.status.replace('_', ' ')),
    h('span.run-params', null, Object.entries(r.params ?? {}).map(([k, v]) => `${k}=${formatNumber(v)}`).join(' ')),
    h('span.run-time', null, when(r.created_at)),
    )));
  }
}

function when(v: string | number): string {
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function isActive(r: RunInfo): boolean {
  return ACTIVE_STATUSES.has(r.status);
}
