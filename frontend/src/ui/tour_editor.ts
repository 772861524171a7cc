// The tour editor: a drawer where the lecturer builds a run's tour — "Add
// stop" at the playhead with a note (the moment and its zoom, or the whole
// visible range; the followed thread's lane highlighted), reorder, delete —
// and every change is saved with the run (PUT /api/runs/{id}/tour). A run
// shown with its scenario's tour gets its own copy on the first change.
import type { TourInfo } from '../model/api_types';
import { describeAnchor, parseTour, stopHere, type Tour } from '../model/tour';
import { ApiError, api } from '../net/api';
import { clear, h } from './dom';

export interface EditorHost {
  runId(): string | null;
  playhead(): number;
  /** The visible time span [start, end], inside the run. */
  visibleSpan(): [number, number];
  /** The followed thread's name, if one is followed (its lane is the stop's lane). */
  followedName(): string | null;
  /** The tour as saved; the player shows it. */
  saved(tour: Tour | null, info: TourInfo): void;
  /** Step the player to stop i. */
  goTo(i: number): void;
}

type Source = 'run' | 'scenario' | 'none';

export class TourEditor {
  readonly el = h('aside.tour-editor', { hidden: true, 'aria-label': 'Tour editor' });
  private tour: Tour = { version: 1, stops: [] };
  private source: Source = 'none';
  private error: string | null = null;
  private readonly list = h('ol.tour-stops');
  private readonly noteInput = h('textarea.tour-note-input', { rows: 3, maxLength: 500, placeholder: 'What the audience should see here, e.g. “T1 has read 100 and sleeps; T2 reads the same 100”', 'aria-label': 'Note for the new stop' });
  private readonly rangeBox = h('input', { type: 'checkbox', id: 'tour-range' });
  private readonly titleInput = h('input.tour-title-input', { type: 'text', maxLength: 120, placeholder: 'Tour title', 'aria-label': 'Tour title' });
  private readonly status = h('div.tour-status', { role: 'status' });
  private readonly sourceEl = h('p.tour-source');
  private readonly resetBtn = h('button.btn.small', { type: 'button' }, 'Use the scenario’s tour');
  private readonly lanesEl = h('p.tour-lanes');

  constructor(private readonly host: EditorHost) {
    const add = h('button.btn.primary.tour-add', { type: 'button', title: 'Add a stop at the playhead (N)' }, 'Add stop');
    add.addEventListener('click', () => this.addStop());
    this.noteInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) this.addStop();
    });
    this.titleInput.addEventListener('change', () => {
      this.tour = { ...this.tour, title: this.titleInput.value.trim() };
      if (this.tour.title === '') delete this.tour.title;
      void this.save();
    });
    this.resetBtn.addEventListener('click', () => void this.save(null));
    const close = h('button.btn.icon.tour-editor-close', { type: 'button', title: 'Close the tour editor (T)', 'aria-label': 'Close the tour editor' }, '✕');
    close.addEventListener('click', () => this.show(false));
    clear(this.el,
      h('div.tour-editor-head', null, h('h2', null, 'Guided tour'), close),
      this.sourceEl, this.resetBtn, this.titleInput, this.list,
      h('div.tour-add-form', null,
        h('label.tour-label', { for: 'tour-note-new' }, 'New stop at the playhead'),
        this.noteInput,
        h('label.tour-check', null, this.rangeBox, ' the whole visible range (else the moment, at this zoom)'),
        this.lanesEl, add),
      this.status);
    this.noteInput.id = 'tour-note-new';
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  show(on: boolean): void {
    this.el.hidden = !on;
    if (on) {
      this.render();
      this.noteInput.focus();
    }
  }

  setTour(tour: Tour | null, source: Source, error: string | null): void {
    this.tour = tour ?? { version: 1, stops: [] };
    this.source = source;
    this.error = error;
    this.render();
  }

  /** Refreshes what depends on the view (the lanes a new stop would highlight). */
  viewChanged(): void {
    if (!this.el.hidden) this.renderLanes();
  }

  addStop(): void {
    const note = this.noteInput.value.trim();
    if (note === '') {
      this.say('Write a note first: it is what the audience reads at this stop.', true);
      this.noteInput.focus();
      return;
    }
    const followed = this.host.followedName();
    const stop = stopHere(this.host.playhead(), this.host.visibleSpan(), this.rangeBox.checked, followed === null ? [] : [followed], note);
    this.tour = { ...this.tour, stops: [...this.tour.stops, stop] };
    this.noteInput.value = '';
    void this.save().then((ok) => { if (ok) this.host.goTo(this.tour.stops.length - 1); });
  }

  private move(i: number, d: -1 | 1): void {
    const stops = [...this.tour.stops];
    const j = i + d;
    if (j < 0 || j >= stops.length) return;
    [stops[i], stops[j]] = [stops[j], stops[i]];
    this.tour = { ...this.tour, stops };
    void this.save();
  }

  private remove(i: number): void {
    this.tour = { ...this.tour, stops: this.tour.stops.filter((_, k) => k !== i) };
    void this.save();
  }

  /** Saves the tour (or null: drop the run's own) and hands the result to the player. */
  private async save(tour: Tour | null = this.tour): Promise<boolean> {
    const id = this.host.runId();
    if (id === null) return false;
    this.say('Saving…', false);
    try {
      const info = await api.putTour(id, tour);
      const saved = info.tour === null ? null : parseTour(info.tour);
      this.setTour(saved, info.tour_source, info.tour_error);
      this.host.saved(saved, info);
      this.say(tour === null ? 'Back to the scenario’s own tour.' : 'Saved with the run.', false);
      return true;
    } catch (e) {
      const fields = e instanceof ApiError ? e.fields.map((f) => f.message).join('; ') : '';
      this.say(`Not saved: ${fields !== '' ? fields : e instanceof Error ? e.message : String(e)}`, true);
      return false;
    }
  }

  private say(text: string, bad: boolean): void {
    this.status.textContent = text;
    this.status.classList.toggle('bad', bad);
  }

  private renderLanes(): void {
    const name = this.host.followedName();
    this.lanesEl.textContent = name === null ? 'Highlighted lane: none (click a lane’s name to follow it)' : `Highlighted lane: ${name}`;
  }

  private render(): void {
    this.sourceEl.textContent = this.error !== null ? `The scenario’s tour file cannot be used: ${this.error}`
      : this.source === 'scenario' ? 'This is the scenario’s own tour; a change saves your copy with this run.'
        : this.source === 'run' ? 'Saved with this run: the run’s link, its embed and its export show it.'
          : 'No tour yet: add stops as you go through the run.';
    this.sourceEl.classList.toggle('bad', this.error !== null);
    this.resetBtn.hidden = this.source !== 'run';
    this.titleInput.value = this.tour.title ?? '';
    clear(this.list, this.tour.stops.map((s, i) => {
      const where = describeAnchor(s.at) + (s.to !== undefined ? ` → ${describeAnchor(s.to)}` : '');
      const btn = (label: string, title: string, fn: () => void, disabled = false) =>
        h('button.btn.small', { type: 'button', title, 'aria-label': `${title} (stop ${i + 1})`, disabled, onclick: fn }, label);
      return h('li.tour-stop', null,
        h('div.tour-stop-where', null, where, s.lanes !== undefined && s.lanes.length > 0 ? ` · ${s.lanes.join(', ')}` : ''),
        h('div.tour-stop-note', null, s.note),
        h('div.tour-stop-actions', null,
          btn('Show', 'Show this stop', () => this.host.goTo(i)),
          btn('↑', 'Move up', () => this.move(i, -1), i === 0),
          btn('↓', 'Move down', () => this.move(i, 1), i === this.tour.stops.length - 1),
          btn('✕', 'Delete', () => this.remove(i))));
    }));
    this.renderLanes();
  }
}
