// Steps through a run's guided tour: the bar over the foot of the timeline
// with ‹ 2 / 5 › and the stop's note (large in presenter mode), and moving the
// view to each stop through the App (TourHost). Stops are resolved against
// the run on screen each time (model/tour.ts), so a stop that needs the end
// of a live run shows once the run has ended. Neighbour: tour_editor.ts
// changes the tour; this only shows it.
import { resolveStop, type ResolvedStop, type Tour } from '../model/tour';
import type { TraceModel } from '../model/trace';
import { clear, h } from './dom';

export interface TourHost {
  readonly model: TraceModel | null;
  /** Move the playhead and the view to a stop, highlight its lanes. */
  showStop(stop: ResolvedStop & { ok: true }): void;
  /** Back to no stop: no highlighted lanes. */
  clearStop(): void;
  /** The current stop changed (the address bar keeps `stop=`). */
  stopChanged(index: number | null): void;
}

export class TourView {
  readonly el = h('div.tour-bar', { hidden: true, role: 'region', 'aria-label': 'Guided tour' });
  private tour: Tour | null = null;
  /** The stop on screen, or -1 before the tour starts. */
  private index = -1;
  private readonly prevBtn = h('button.btn.ctl.tour-prev', { type: 'button', title: 'Previous stop (← in presenter mode, Page Up)', 'aria-label': 'Previous stop' }, '‹');
  private readonly nextBtn = h('button.btn.ctl.tour-next', { type: 'button', title: 'Next stop (→ in presenter mode, Page Down)', 'aria-label': 'Next stop' }, '›');
  private readonly counter = h('span.tour-count');
  private readonly note = h('div.tour-note', { 'aria-live': 'polite' });
  private readonly closeBtn = h('button.btn.ctl.tour-close', { type: 'button', title: 'Leave the tour (Esc)', 'aria-label': 'Leave the tour' }, '✕');
  private readonly startBtn = h('button.btn.tour-start', { type: 'button' }, 'Start the tour');
  enabled = true;

  constructor(private readonly host: TourHost) {
    this.prevBtn.addEventListener('click', () => this.prev());
    this.nextBtn.addEventListener('click', () => this.next());
    this.closeBtn.addEventListener('click', () => this.leave());
    this.startBtn.addEventListener('click', () => this.go(0));
  }

  get current(): number | null {
    return this.index >= 0 ? this.index : null;
  }

  get stops(): number {
    return this.tour?.stops.length ?? 0;
  }

  /** A tour was loaded or edited: keep the stop on screen if it still exists. */
  setTour(tour: Tour | null): void {
    this.tour = tour;
    if (this.index >= this.stops) this.index = this.stops - 1;
    this.render();
  }

  /** Whether → / ← should step this tour rather than the events. */
  get active(): boolean {
    return this.enabled && this.stops > 0;
  }

  next(): void {
    if (this.stops > 0) this.go(Math.min(this.index + 1, this.stops - 1));
  }

  prev(): void {
    if (this.stops > 0) this.go(Math.max(this.index - 1, 0));
  }

  go(i: number): void {
    if (this.tour === null || i < 0 || i >= this.stops) return;
    this.index = i;
    this.render();
    this.host.stopChanged(i);
  }

  leave(): void {
    this.index = -1;
    this.host.clearStop();
    this.render();
    this.host.stopChanged(null);
  }

  /** Shows the stop again (the trace grew or ended: a stop may resolve now, or land elsewhere). */
  refresh(): void {
    this.render();
  }

  private render(): void {
    const tour = this.tour;
    this.el.hidden = !this.enabled || tour === null || tour.stops.length === 0;
    if (this.el.hidden || tour === null) return;
    const title = tour.title !== undefined && tour.title !== '' ? tour.title : 'Guided tour';
    if (this.index < 0) {
      this.el.classList.remove('at-stop');
      clear(this.el, h('span.tour-title', null, title),
        h('span.tour-count', null, `${tour.stops.length} stop${tour.stops.length === 1 ? '' : 's'}`), this.startBtn);
      return;
    }
    this.el.classList.add('at-stop');
    const stop = tour.stops[this.index];
    const m = this.host.model;
    const r: ResolvedStop = m === null ? { ok: false, reason: 'the run is still loading', note: stop.note } : resolveStop(m, stop);
    this.counter.textContent = `${this.index + 1} / ${tour.stops.length}`;
    this.prevBtn.disabled = this.index === 0;
    this.nextBtn.disabled = this.index === tour.stops.length - 1;
    clear(this.note, r.note, r.ok ? null : h('span.tour-missing', null, ` (not in this run: ${r.reason})`));
    this.el.dataset.stop = String(this.index + 1);
    clear(this.el, this.prevBtn, this.counter, this.nextBtn, this.note, this.closeBtn);
    if (r.ok) this.host.showStop(r);
    else this.host.clearStop();
  }
}
