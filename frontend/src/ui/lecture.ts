// The lecture kit in the page: presenter mode, guided tours (the bar and the
// editor), the embed dialog, and the view options of a link (`presenter=1`,
// `range=`, `stop=`...: model/view_options.ts). The App owns the run and the
// playhead; this module decides what the lecture features do with them, so
// that app.ts stays about loading and showing runs.
import type { RunInfo } from '../model/api_types';
import { Lane } from '../model/lane';
import { parseTour, stopView, type ResolvedStop, type Tour } from '../model/tour';
import type { TraceModel } from '../model/trace';
import { fitRange } from '../model/viewport';
import { noOptions, timeOf, type ViewOptions } from '../model/view_options';
import type { Timeline } from '../render/timeline';
import { h } from './dom';
import { EmbedDialog } from './embed_code';
import { Presentation } from './presenter';
import { TourEditor } from './tour_editor';
import { TourView } from './tour_view';
import './lecture.css';

/** What the lecture kit asks of the App. */
export interface LectureHost {
  readonly root: HTMLElement;
  readonly timeline: Timeline;
  readonly model: TraceModel | null;
  readonly playheadTime: number;
  readonly currentRun: RunInfo | null;
  readonly runTitle: string;
  setPlayhead(t: number): void;
  /** Follow this actor's lane (null: none). */
  followActor(actor: number | null): void;
  readonly followedActor: number | null;
  play(): void;
  setSpeed(x: number): void;
  scheduleUpdate(): void;
  warn(headline: string, detail: string): void;
}

export class Lecture {
  readonly presentation: Presentation;
  readonly tourView: TourView;
  readonly editor: TourEditor;
  private readonly embedDialog = new EmbedDialog();
  /** The link's options; applied to the first complete trace of the page. */
  private options: ViewOptions = noOptions();
  private optionsApplied = false;
  /** An embed: a minimal page, read-only tour. */
  embed = false;
  readonly buttons: HTMLElement;
  private readonly presenterBtn = h('button.btn.presenter-btn', { type: 'button', title: 'Presenter mode: big text and lanes for a projector (P)', 'aria-pressed': 'false' }, 'Present');
  private readonly tourBtn = h('button.btn.tour-btn', { type: 'button', title: 'Edit this run’s guided tour (T)', 'aria-pressed': 'false' }, 'Tour');
  private readonly embedBtn = h('button.btn.embed-btn', { type: 'button', title: 'Copy the code that shows this run in slides (an iframe)' }, 'Embed');
  private readonly themeBtn = h('button.btn.icon.theme-btn', { type: 'button', title: 'Light / dark theme (D)', 'aria-label': 'Switch between the light and dark theme' }, '◐');
  /** In an embed: the run's full page, in a new tab (an embed never navigates its frame away). */
  private readonly openFull = h('a.btn.open-full', { target: '_blank', rel: 'noopener', hidden: true, title: 'Open this run in concviz (new tab)' }, 'Open in concviz ↗');
  private readonly panelsBtn = h('button.btn.icon.panels-btn', { type: 'button', title: 'Show / hide the panels under the timeline (B)', 'aria-label': 'Show or hide the panels under the timeline', 'aria-pressed': 'true' }, '▤');

  constructor(private readonly host: LectureHost) {
    this.presentation = new Presentation(host.root, host.timeline, () => {
      this.presenterBtn.setAttribute('aria-pressed', String(this.presentation.presenter));
      this.presenterBtn.classList.toggle('on', this.presentation.presenter);
      this.panelsBtn.setAttribute('aria-pressed', String(this.presentation.bottomPanelsShown));
      host.scheduleUpdate();
    });
    this.tourView = new TourView({
      get model() { return host.model; },
      showStop: (r) => this.showStop(r),
      clearStop: () => { host.timeline.laneMarks = new Set(); host.timeline.invalidate(); },
      stopChanged: (i) => this.syncAddress({ stop: i === null ? null : i + 1 }),
    });
    this.editor = new TourEditor({
      runId: () => host.currentRun?.id ?? null,
      playhead: () => host.playheadTime,
      visibleSpan: () => this.visibleSpan(),
      followedName: () => {
        const a = host.followedActor;
        return a === null || host.model === null ? null : host.model.actorLane(a)?.name ?? null;
      },
      saved: (tour) => this.tourView.setTour(tour),
      goTo: (i) => this.tourView.go(i),
    });
    this.presenterBtn.addEventListener('click', () => this.togglePresenter());
    this.tourBtn.addEventListener('click', () => this.toggleEditor());
    this.embedBtn.addEventListener('click', () => this.openEmbedDialog());
    this.themeBtn.addEventListener('click', () => this.toggleTheme());
    this.panelsBtn.addEventListener('click', () => this.presentation.toggleBottomPanels());
    this.buttons = h('span.lecture-buttons', null, this.presenterBtn, this.tourBtn, this.embedBtn, this.themeBtn, this.panelsBtn, this.openFull);
    host.root.append(this.editor.el, this.embedDialog.el);
    this.setRunButtons(false);
  }

  /** The link's options: the look at once, the view once the trace is complete. */
  useOptions(options: ViewOptions, problems: string[]): void {
    this.options = options;
    this.optionsApplied = false;
    const p = this.presentation;
    if (options.theme !== null) p.theme = options.theme;
    if (options.fontScale !== null) p.fontScale = options.fontScale;
    p.setPanels(options.panels);
    p.setPresenter(options.presenter);
    this.tourView.enabled = options.tour && p.shows('tour');
    if (options.speed !== null) this.host.setSpeed(options.speed);
    if (problems.length > 0) this.host.warn('Some options in the address were ignored', problems.join('\n'));
  }

  /** An embed has no editor and no exports of its own; it links to the full page instead. */
  setEmbed(on: boolean): void {
    this.embed = on;
    this.host.root.classList.toggle('embed', on);
    this.tourBtn.hidden = on;
    this.embedBtn.hidden = on;
    this.openFull.hidden = !on;
  }

  /** The run whose page is open: its tour (its own, or its scenario's) comes with it. */
  setRun(run: RunInfo | null): void {
    this.optionsApplied = false;
    this.setRunButtons(run !== null);
    if (run !== null) this.openFull.href = `/runs/${encodeURIComponent(run.id)}`;
    if (run === null) {
      this.setTour(null, 'none', null);
      return;
    }
    if (run.tour_error) this.host.warn('The scenario’s tour cannot be shown', run.tour_error);
    this.setTour(run.tour ?? null, run.tour_source ?? 'none', run.tour_error ?? null);
  }

  /** A tour from anywhere (a run's JSON, an exported page): checked, then shown. */
  setTour(data: unknown, source: 'run' | 'scenario' | 'none', error: string | null): void {
    let tour: Tour | null = null;
    if (data !== null && data !== undefined) {
      try {
        tour = parseTour(data);
      } catch (e) {
        this.host.warn('This run’s tour cannot be shown', e instanceof Error ? e.message : String(e));
      }
    }
    this.tourView.setTour(tour);
    this.editor.setTour(tour, source, error);
  }

  /**
   * The tour a page written by `concviz export --html` carries, as JSON in
   * <script type="application/json" id="concviz-tour"> (the exporter takes it
   * from the run, or from its scenario: concviz.tours.tour_fields).
   */
  readPageTour(doc: Document): void {
    const el = doc.querySelector('script#concviz-tour[type="application/json"]');
    if (el === null) return;
    try {
      this.setTour(JSON.parse(el.textContent ?? 'null'), 'run', null);
    } catch (e) {
      this.host.warn('The tour in this page cannot be read', e instanceof Error ? e.message : String(e));
    }
  }

  private setRunButtons(on: boolean): void {
    this.tourBtn.disabled = !on;
    this.embedBtn.disabled = !on;
  }

  /** The trace grew or ended: a waiting stop may resolve; a complete trace gets the link's view. */
  traceChanged(ended: boolean): void {
    const m = this.host.model;
    if (m === null || !ended) return;
    if (!this.optionsApplied) {
      this.optionsApplied = true;
      this.applyView(m);
      // The link's view is for the run it opened, not for the next one the page goes to.
      this.options = noOptions();
    }
    this.tourView.refresh();
  }

  /** range/at/zoom/follow/autoplay of the link; then the tour stop it names. */
  private applyView(m: TraceModel): void {
    const o = this.options;
    const end = m.endTime;
    const tl = this.host.timeline;
    let span: [number, number] | null = null;
    if (o.range !== null) span = [timeOf(o.range[0], end), timeOf(o.range[1], end)];
    if (span === null && o.zoom !== null) span = m.focusRange();
    if (span !== null) {
      let [a, b] = span[0] <= span[1] ? span : [span[1], span[0]];
      if (o.zoom !== null && o.zoom > 1) {
        const mid = o.at !== null ? timeOf(o.at, end) : (a + b) / 2;
        const half = (b - a) / o.zoom / 2;
        [a, b] = [mid - half, mid + half];
      }
      const f = fitRange(a, b, tl.viewport.width);
      tl.setView(f.t0, f.nsPerPx);
    }
    if (o.follow.length > 0) {
      const actors = m.rows.filter((r): r is Lane => r instanceof Lane && o.follow.some((n) => r.name === n || r.name.startsWith(`${n} (`))).map((l) => l.actor);
      tl.laneMarks = new Set(actors);
      if (actors.length > 0) this.host.followActor(actors[0]);
    }
    if (o.at !== null) this.host.setPlayhead(timeOf(o.at, end));
    else if (o.autoplay || span !== null) this.host.setPlayhead(span !== null ? Math.max(0, span[0]) : 0);
    if (o.stop !== null && this.tourView.active) this.tourView.go(Math.min(o.stop, this.tourView.stops) - 1);
    if (o.autoplay && o.stop === null) this.host.play();
  }

  private showStop(r: ResolvedStop & { ok: true }): void {
    const host = this.host;
    const tl = host.timeline;
    const view = stopView(r);
    if (view !== null) tl.showRange(view[0], view[1]);
    else tl.centreOn(r.at.t);
    host.setPlayhead(r.at.t);
    tl.laneMarks = new Set(r.actors);
    const m = host.model;
    if (m !== null && r.actors.length > 0) {
      const row = m.rowOf(r.actors[0]);
      if (row >= 0) tl.revealLane(row);
    }
    tl.invalidate();
  }

  private visibleSpan(): [number, number] {
    const v = this.host.timeline.viewport;
    const end = this.host.model?.endTime ?? 0;
    return [Math.max(0, v.t0), Math.min(end, v.t0 + v.nsPerPx * v.width)];
  }

  togglePresenter(): void {
    this.presentation.setPresenter(!this.presentation.presenter);
    this.syncAddress({ presenter: this.presentation.presenter });
  }

  toggleTheme(): void {
    this.presentation.setTheme(this.presentation.theme === 'dark' ? 'light' : 'dark');
    this.syncAddress({ theme: this.presentation.theme === 'dark' ? 'dark' : null });
  }

  toggleEditor(): void {
    if (this.embed || this.host.currentRun === null) return;
    this.editor.show(!this.editor.open);
    this.tourBtn.setAttribute('aria-pressed', String(this.editor.open));
  }

  openEmbedDialog(): void {
    const run = this.host.currentRun;
    if (run === null) return;
    this.embedDialog.open({
      runId: run.id, scenario: run.scenario, params: run.params, title: this.host.runTitle,
      view: this.visibleSpan(), presenter: this.presentation.presenter, dark: this.presentation.theme === 'dark',
    });
  }

  /**
   * Keys of the lecture kit; true when the key was used. In presenter mode
   * with a tour, → / ← (and a clicker's Page Down / Page Up) step the tour.
   */
  key(e: KeyboardEvent): boolean {
    const tour = this.tourView;
    const stepping = tour.active && (this.presentation.presenter || tour.current !== null);
    switch (e.key) {
      case 'p': case 'P': this.togglePresenter(); return true;
      case 'd': case 'D': this.toggleTheme(); return true;
      case 'b': case 'B': this.presentation.toggleBottomPanels(); return true;
      case 't': case 'T': this.toggleEditor(); return true;
      case 'PageDown': if (!tour.active) return false; tour.next(); return true;
      case 'PageUp': if (!tour.active) return false; tour.prev(); return true;
      case 'ArrowRight': if (!stepping || !this.presentation.presenter) return false; tour.next(); return true;
      case 'ArrowLeft': if (!stepping || !this.presentation.presenter) return false; tour.prev(); return true;
      case 'Escape': if (tour.current === null) return false; tour.leave(); return true;
      default: return false;
    }
  }

  /** Keeps presenter mode, the theme and the tour stop in the address bar, so that a copied link shows them. */
  private syncAddress(change: { presenter?: boolean; stop?: number | null; theme?: 'dark' | null }): void {
    const q = new URLSearchParams(location.search);
    const set = (k: string, v: string | null) => { if (v === null) q.delete(k); else q.set(k, v); };
    if (change.presenter !== undefined) set('presenter', change.presenter ? '1' : null);
    if (change.stop !== undefined) set('stop', change.stop === null ? null : String(change.stop));
    if (change.theme !== undefined) set('theme', change.theme);
    const query = q.toString().replace(/%2C/g, ',');
    const url = `${location.pathname}${query === '' ? '' : `?${query}`}`;
    if (url !== location.pathname + location.search) history.replaceState(history.state, '', url);
  }
}
