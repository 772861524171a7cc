// The run form's "Schedule" row (free | random | pct | step, and a seed), the
// honest note on what controlled mode can show, and "Explore schedules":
// many runs under random/pct schedules with a progress bar.
import { HONEST_NOTE, SCHEDULE_CHOICES, controlFor, type ControlRequest, type ScheduleChoice } from '../../model/control';
import { controlApi, type Exploration } from '../../net/control';
import { clear, h } from '../dom';

export interface RunOptionsHost {
  /** The scenario and parameters the form shows (null: none selected). */
  current(): { scenario: string; params: Record<string, number> } | null;
  openRun(id: string): void;
}

const POLL_MS = 400;

export class RunOptions {
  readonly el = h('div.control-options');
  private readonly choice = h('select.control-choice', { 'aria-label': 'Schedule', name: 'schedule' },
    SCHEDULE_CHOICES.map((c) => h('option', { value: c }, c === 'free' ? 'free (the OS decides)' : c === 'pct' ? 'pct (priorities)' : c === 'step' ? 'step (you choose)' : c)));
  private readonly seed = h('input.control-seed', { type: 'number', min: '0', step: '1', value: '0', 'aria-label': 'Seed' });
  private readonly note = h('p.control-note', { hidden: true }, HONEST_NOTE);
  private readonly exploreStrategy = h('select.explore-strategy', { 'aria-label': 'Exploration strategy' },
    h('option', { value: 'random' }, 'random'), h('option', { value: 'pct' }, 'pct'));
  private readonly exploreRuns = h('input.explore-runs', { type: 'number', min: '1', max: '1000', value: '100', 'aria-label': 'Runs' });
  private readonly exploreBtn = h('button.btn.small.explore-btn', { type: 'button' }, 'Explore schedules');
  private readonly cancelBtn = h('button.btn.small.explore-cancel', { type: 'button', hidden: true }, 'Cancel');
  private readonly progress = h('progress.explore-progress', { max: 100, value: 0, hidden: true });
  private readonly result = h('div.explore-result', { role: 'status' });
  private exploration: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly host: RunOptionsHost) {
    this.choice.addEventListener('change', () => this.changed());
    this.exploreBtn.addEventListener('click', () => void this.explore());
    this.cancelBtn.addEventListener('click', () => void this.cancel());
    this.el.append(
      h('label.control-row', null, h('span.control-label', null, 'Schedule'), this.choice),
      h('label.control-row.control-seed-row', null, h('span.control-label', null, 'Seed'), this.seed),
      this.note,
      h('details.explore', null, h('summary', null, 'Explore schedules…'),
        h('div.explore-row', null, this.exploreStrategy, h('label', null, 'runs ', this.exploreRuns), this.exploreBtn, this.cancelBtn),
        this.progress, this.result),
    );
    this.changed();
  }

  private changed(): void {
    const c = this.choice.value as ScheduleChoice;
    this.note.hidden = c === 'free';
    (this.seed.closest('label') as HTMLElement | null)?.toggleAttribute('hidden', c === 'free' || c === 'step');
  }

  /** The `control` of the next run (null: free). */
  request(): ControlRequest | null {
    const seed = Math.max(0, Math.floor(Number(this.seed.value) || 0));
    return controlFor(this.choice.value as ScheduleChoice, seed);
  }

  private async explore(): Promise<void> {
    const cur = this.host.current();
    if (cur === null) return;
    this.stopPolling();
    const runs = Math.max(1, Math.min(1000, Math.floor(Number(this.exploreRuns.value) || 100)));
    const seed = Math.max(0, Math.floor(Number(this.seed.value) || 0));
    this.result.textContent = 'Starting…';
    try {
      const { id } = await controlApi.explore(cur.scenario, cur.params, this.exploreStrategy.value as 'random' | 'pct', runs, seed);
      this.exploration = id;
      this.exploreBtn.disabled = true;
      this.cancelBtn.hidden = false;
      this.progress.hidden = false;
      this.progress.max = runs;
      this.progress.value = 0;
      void this.poll(id);
    } catch (e) {
      this.result.textContent = e instanceof Error ? e.message : String(e);
    }
  }

  private async poll(id: string): Promise<void> {
    if (this.exploration !== id) return;
    let x: Exploration;
    try {
      x = await controlApi.exploration(id);
    } catch (e) {
      this.done(e instanceof Error ? e.message : String(e));
      return;
    }
    if (this.exploration !== id) return;
    this.progress.max = x.runs;
    this.progress.value = x.tried;
    if (x.state === 'running') {
      this.result.textContent = `Tried ${x.tried} of ${x.runs} schedules…`;
      this.timer = setTimeout(() => void this.poll(id), POLL_MS);
      return;
    }
    if (x.state === 'found' && x.found !== null) {
      const runId = x.found.run_id;
      this.done(null);
      clear(this.result,
        h('strong', null, `Found after ${x.tried} schedule${x.tried === 1 ? '' : 's'}: ${x.found.what}. `), x.found.detail, ' ',
        runId === null ? null : h('button.btn.small.primary.explore-open', { type: 'button', onclick: () => this.host.openRun(runId) }, 'Open what it found'));
      return;
    }
    this.done(x.state === 'clean' ? `Nothing found in ${x.tried} schedules.`
      : x.state === 'cancelled' ? `Cancelled after ${x.tried} schedules.` : `The exploration failed: ${x.error ?? x.state}`);
  }

  private async cancel(): Promise<void> {
    if (this.exploration === null) return;
    try {
      await controlApi.cancelExploration(this.exploration);
    } catch (e) {
      this.result.textContent = e instanceof Error ? e.message : String(e);
    }
  }

  private done(text: string | null): void {
    this.stopPolling();
    this.exploration = null;
    this.exploreBtn.disabled = false;
    this.cancelBtn.hidden = true;
    this.progress.hidden = true;
    if (text !== null) this.result.textContent = text;
  }

  private stopPolling(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
