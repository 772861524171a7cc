// Step mode: while a run waits at a `control.pause`, every thread with its
// next step and line; a click (or its number key) lets that thread take one
// step. Also "run to the end at random", "undo" (a new run replaying every
// choice but the last) and, for any controlled run, the link that replays it.
import type { End, Envelope } from '../../generated/events';
import { HONEST_NOTE, PauseTracker, describeStep, encodeSchedule, replayLink, threadForKey, undoControl, type ControlRequest, type Pause } from '../../model/control';
import { formatNumber } from '../../model/url';
import { controlApi } from '../../net/control';
import { clear, h } from '../dom';
import './control.css';

export interface StepHost {
  /** A lane's name ("Worker-1"), or null. */
  laneName(tid: number): string | null;
  /** Start a run with this control and show it (undo). */
  startControlled(scenario: string, params: Record<string, number>, control: ControlRequest): Promise<void>;
}

interface OpenRun {
  id: string;
  scenario: string;
  params: Record<string, number>;
}

export class StepPanel {
  readonly el = h('section.step-panel', { hidden: true, 'aria-label': 'Controlled mode' });
  private tracker = new PauseTracker();
  private run: OpenRun | null = null;
  private control: Record<string, unknown> | null = null;
  private error = '';
  private busy = false;
  private ended: End | null = null;
  private link: string | null = null;

  constructor(private readonly host: StepHost) {}

  /** A run was opened (null: closed). */
  setRun(run: OpenRun | null): void {
    this.run = run;
    this.control = null;
    this.tracker = new PauseTracker();
    this.ended = null;
    this.link = null;
    this.error = '';
    this.busy = false;
    this.render();
  }

  /** The trace header's `control` (null: the threads ran free). */
  setControl(control: Record<string, unknown> | null | undefined): void {
    this.control = control ?? null;
    this.render();
  }

  events(batch: readonly Envelope[]): void {
    if (this.control === null && !batch.some((e) => e.kind.startsWith('control.'))) return;
    if (this.tracker.ingest(batch)) {
      this.busy = false;
      this.render();
    }
  }

  end(e: End): void {
    this.ended = e;
    this.tracker.end();
    const sched = (e.summary as Record<string, unknown> | null | undefined)?.schedule as { steps?: unknown } | null | undefined;
    const steps = sched !== null && Array.isArray(sched?.steps) ? (sched.steps as number[]) : null;
    const run = this.run;
    if (steps !== null && run !== null) {
      void encodeSchedule(steps).then((enc) => {
        if (this.run !== run) return;
        this.link = replayLink(run.scenario, run.params, enc, formatNumber);
        this.render();
      });
    }
    this.render();
  }

  get pause(): Pause | null {
    return this.tracker.pause;
  }

  /** A number key: let that thread move. True when the key was used. */
  key(e: KeyboardEvent): boolean {
    const index = threadForKey(e.key, this.tracker.pause);
    if (index === null || this.busy) return false;
    void this.choose(index);
    return true;
  }

  /** A click on a lane: let its thread move, if it can. */
  chooseLane(tid: number): boolean {
    const t = this.tracker.pause?.threads.find((x) => x.thread === tid && x.can_move);
    if (t === undefined || this.busy) return false;
    void this.choose(t.index);
    return true;
  }

  private async choose(index: number): Promise<void> {
    const run = this.run;
    if (run === null) return;
    this.busy = true;
    this.error = '';
    this.render();
    const decision = this.tracker.pause?.decision ?? -1;
    try {
      await controlApi.step(run.id, index);
      if (this.run === run) this.tracker.answer(decision);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.busy = false;
    }
    this.render();
  }

  private async finish(): Promise<void> {
    const run = this.run;
    if (run === null) return;
    this.busy = true;
    const decision = this.tracker.pause?.decision ?? -1;
    try {
      await controlApi.finish(run.id, 0);
      if (this.run === run) this.tracker.answer(decision);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.busy = false;
    }
    this.render();
  }

  private undo(pause: Pause): void {
    const run = this.run;
    if (run === null) return;
    this.busy = true;
    this.render();
    void this.host.startControlled(run.scenario, run.params, undoControl(pause)).catch((e: unknown) => {
      this.error = e instanceof Error ? e.message : String(e);
      this.busy = false;
      this.render();
    });
  }

  private threadName(tid: number | null, index: number): string {
    const lane = tid === null ? null : this.host.laneName(tid);
    return lane !== null && lane !== '' ? lane : `T${index}`;
  }

  private render(): void {
    const pause = this.tracker.pause;
    const controlled = this.control !== null;
    this.el.hidden = !controlled;
    if (!controlled) {
      clear(this.el);
      return;
    }
    const strategy = String(this.control?.strategy ?? '');
    const head = h('div.step-head', null,
      h('strong.step-title', null, `Controlled run · ${strategy}${strategy === 'replay' ? '' : this.control?.seed !== undefined && strategy !== 'step' ? ` · seed ${String(this.control.seed)}` : ''}`),
      h('span.step-note', null, HONEST_NOTE),
    );
    const parts: HTMLElement[] = [head];
    if (pause !== null) {
      parts.push(h('div.step-ask-row', null,
        h('div.step-ask', null, `Choice ${pause.decision + 1}: which thread takes the next step? Click it or press its number.`),
        h('div.step-actions', null,
          h('button.btn.step-finish', { type: 'button', disabled: this.busy, onclick: () => void this.finish() }, 'Run to the end at random'),
          h('button.btn.step-undo', { type: 'button', disabled: this.busy || pause.steps.length === 0, onclick: () => this.undo(pause), title: 'Start again and replay every choice but the last' }, '↶ Undo'),
        )));
      parts.push(h('ol.step-threads', null, pause.threads.map((t) => h('li', null,
        h('button.step-thread', {
          type: 'button', disabled: !t.can_move || this.busy, class: t.can_move ? 'movable' : 'blocked',
          'data-index': String(t.index), title: t.can_move ? `Let ${this.threadName(t.thread, t.index)} take this step` : `Cannot move: ${t.reason ?? ''}`,
          onclick: () => void this.choose(t.index),
        },
        h('kbd.step-key', null, t.index <= 9 ? String(t.index) : '·'),
        h('span.step-name', null, this.threadName(t.thread, t.index)),
        h('span.step-what', null, describeStep(t)),
        t.can_move ? null : h('span.step-reason', null, `cannot move: ${t.reason ?? 'waiting'}`))))));
    } else {
      if (this.ended === null && strategy === 'step' || this.ended === null && this.control?.then === 'step') {
        parts.push(h('div.step-ask', null, this.busy ? 'The thread is taking its step…' : 'Running to the next choice…'));
      }
    }
    if (this.ended !== null) {
      const sched = (this.ended.summary as Record<string, unknown> | null | undefined)?.schedule as { steps?: number[]; diverged?: number | null; loans?: number } | null | undefined;
      if (sched !== undefined && sched !== null) {
        const n = sched.steps?.length ?? 0;
        parts.push(h('div.step-done', null, `Schedule: ${n} choice${n === 1 ? '' : 's'}`,
          sched.diverged !== null && sched.diverged !== undefined ? ` · the replay stopped matching at choice ${sched.diverged + 1}` : '',
          (sched.loans ?? 0) > 0 ? ` · ${sched.loans} real wait(s): may not replay exactly` : ''));
      }
      if (this.link !== null) {
        const href = this.link;
        const full = new URL(href, location.href).toString();
        parts.push(h('div.step-share', null, h('a.step-link', { href, target: '_blank', rel: 'noopener' }, 'Replay link'),
          h('button.btn.small.step-copy', { type: 'button', onclick: (ev: MouseEvent) => {
            const b = ev.currentTarget as HTMLButtonElement;
            void navigator.clipboard?.writeText(full).then(() => { b.textContent = 'Copied'; }, () => { b.textContent = 'Copy failed'; });
          } }, 'Copy link')));
      }
    }
    if (this.error !== '') parts.push(h('div.step-error', { role: 'alert' }, this.error));
    // Without a choice to make the panel is one line: the timeline needs the room.
    this.el.classList.toggle('compact', pause === null);
    clear(this.el, parts);
  }
}
