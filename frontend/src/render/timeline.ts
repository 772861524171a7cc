// The canvas timeline: one lane per thread, coloured by state, with its CPU
// strip; in a multi-process run, the lanes grouped under a header per process.
// Input (wheel, drag, click, hover) changes the view and marks it dirty;
// drawing happens at most once per animation frame, and only when something
// changed.
import { nearestEvent, spanAt, type SpanHit } from '../model/hittest';
import { Lane } from '../model/lane';
import type { Proc } from '../model/processes';
import type { TraceModel } from '../model/trace';
import {
  clampScroll, clampTime, ensureVisible, fitAll, fitRange, panBy, visibleLanes, zoomAt, type Viewport,
} from '../model/viewport';
import { drawLaneBands } from './bands';
import { computeLayout, NORMAL_LOOK, type Layout, type Look } from './layout';
import { CORO_INDENT, drawLabels } from './labels';
import {
  drawAxis, drawCoroRuns, drawCoroSwitches, drawHandoffs, drawHeaderCaptions, drawHighlights, drawMarkers, drawPipeLinks, drawPlayhead,
  drawPoolLinks, drawProcessStarts, drawQueueLinks, drawScrollbar, type View,
} from './overlay';
import { THEME } from './palette';
import { SpansLayer } from './spans_layer';

/** Minimum milliseconds between redraws caused only by a live run's new events. */
const LIVE_INTERVAL = 50;

export interface HoverInfo {
  /** The lane under the pointer, or null on a process header. */
  lane: Lane | null;
  /** The process header under the pointer, or null on a lane. */
  proc: Proc | null;
  /** Time under the pointer (ns; NaN over a process header's label). */
  t: number;
  /** Nanoseconds one CSS pixel covers (what the CPU strip averages over). */
  nsPerPx: number;
  /** The process headers' "cores in use" scale: their full height is this many cores. */
  coresScale: number;
  span: SpanHit | null;
  /** The event under the pointer, or -1. */
  seq: number;
}

export interface TimelineCallbacks {
  /** A click in the lanes area: place the playhead there. */
  playhead(t: number): void;
  /** A click on a lane label: follow that thread. */
  follow(tid: number): void;
  hover(info: HoverInfo | null, clientX: number, clientY: number): void;
  /** The user zoomed or panned (stops auto-fitting). */
  viewChanged?(): void;
}

export class Timeline {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly spans = new SpansLayer();
  private model: TraceModel | null = null;
  private L: Layout = computeLayout(300, 150, 1, 1);
  private v: Viewport = { t0: 0, nsPerPx: 1000, width: 300, scrollY: 0 };
  private drawnVersion = -1;
  private dirty = true;
  private scheduled = false;
  playhead = 0;
  follow: number | null = null;
  highlights: number[] = [];
  /** Threads whose labels are drawn as alarms (a deadlock cycle). */
  alertTids: ReadonlySet<number> = new Set();
  /** Lanes (actor ids) drawn with a band across their row: a tour stop's, a link's `follow=`. */
  laneMarks: ReadonlySet<number> = new Set();
  /** Presenter mode: outline the row under the pointer (or the keyboard's lane cursor). */
  pointerBand = false;
  private look: Look = NORMAL_LOOK;
  private nameW = 0;
  private nameKey = '';
  /** While true the view keeps the whole trace in sight as it grows. */
  autoFit = true;
  private hoverLane = -1;
  private drag: { x: number; y: number; t0: number; scrollY: number; moved: boolean; label: boolean } | null = null;
  /** Durations (ms) of the last draws, for the frame benchmark. */
  readonly drawTimes: number[] = [];

  constructor(private readonly host: HTMLElement, private readonly cb: TimelineCallbacks) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'timeline-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Timeline: one lane per thread, coloured by state');
    host.appendChild(this.canvas);
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (ctx === null) throw new Error('expected a 2D canvas context, got none');
    this.ctx = ctx;
    new ResizeObserver(() => this.resize()).observe(host);
    this.resize();
    this.bindInput();
  }

  setModel(m: TraceModel | null): void {
    this.model = m;
    this.autoFit = true;
    this.v = { ...this.v, scrollY: 0 };
    this.highlights = [];
    this.alertTids = new Set();
    this.nameKey = '';
    this.spans.reset();
    this.invalidate();
  }

  get viewport(): Viewport {
    return this.v;
  }

  get layout(): Layout {
    return this.L;
  }

  /**
   * Marks the picture stale; it is redrawn on the next animation frame.
   * `urgent` false (new events of a live run, nothing the user did) redraws at
   * most every LIVE_INTERVAL ms, leaving the frames between to ingestion.
   */
  invalidate(urgent = true): void {
    this.dirty = true;
    if (urgent) this.urgent = true;
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame((now) => {
      this.scheduled = false;
      this.frame(now);
    });
  }

  private urgent = true;
  private lastDraw = 0;

  private frame(now: number): void {
    const m = this.model;
    if (m !== null && m.version !== this.drawnVersion) this.dirty = true;
    if (!this.dirty) return;
    if (!this.urgent && now - this.lastDraw < LIVE_INTERVAL) {
      this.invalidate(false);
      return;
    }
    this.urgent = false;
    this.lastDraw = now;
    this.draw();
  }

  private resize(): void {
    const r = this.host.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(100, Math.floor(r.width));
    const h = Math.max(80, Math.floor(r.height));
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.relayout(w, h, dpr);
    this.invalidate();
  }

  private relayout(w = this.L.width, h = this.L.height, dpr = this.L.dpr): void {
    const m = this.model;
    this.L = computeLayout(w, h, dpr, m?.rows.length ?? 1, this.nameW, this.overviewOn, m?.hasCpu ?? false, this.look);
    this.v = { ...this.v, width: this.L.plotW };
  }

  private overviewOn = false;

  /** Every lane on screen at once (thin lanes), or lanes of a readable height that scroll. */
  get overview(): boolean {
    return this.overviewOn;
  }

  set overview(on: boolean) {
    this.overviewOn = on;
    this.relayout();
    this.invalidate();
  }

  /** Presenter mode's thick lanes and big text, or an embed's text scale. */
  setLook(look: Look): void {
    this.look = look;
    this.nameKey = '';
    this.relayout();
    this.invalidate();
  }

  /** Shows the span [a, b] (with a small margin). */
  showRange(a: number, b: number): void {
    const f = fitRange(a, b, this.L.plotW);
    this.setView(f.t0, f.nsPerPx);
  }

  /** Puts time t in the middle of the view, at the current zoom. */
  centreOn(t: number): void {
    if (this.autoFit && this.model !== null) {
      // The view is fitted on every draw; freeze it where it is before moving it.
      const [a, b] = this.model.live ? [0, this.model.endTime] : this.model.focusRange();
      this.v = { ...this.v, ...fitRange(a, b, this.L.plotW) };
    }
    this.setView(t - (this.v.nsPerPx * this.L.plotW) / 2, this.v.nsPerPx);
  }

  fit(): void {
    const m = this.model;
    if (m === null) return;
    this.v = { ...this.v, ...fitAll(m.endTime, this.L.plotW) };
    this.autoFit = false;
    this.invalidate();
  }

  setView(t0: number, nsPerPx: number): void {
    this.v = { ...this.v, t0, nsPerPx };
    this.autoFit = false;
    this.invalidate();
  }

  zoom(factor: number, anchorX = this.L.plotW / 2): void {
    const m = this.model;
    const maxNsPerPx = Math.max(1e3, (m?.endTime ?? 1e9) * 4) / Math.max(1, this.L.plotW);
    this.v = clampTime(zoomAt(this.v, anchorX, factor, maxNsPerPx), m?.endTime ?? 0);
    this.userMoved();
  }

  pan(dx: number): void {
    this.v = clampTime(panBy(this.v, dx), this.model?.endTime ?? 0);
    this.userMoved();
  }

  scrollBy(dy: number): void {
    const n = this.model?.rows.length ?? 0;
    this.v = { ...this.v, scrollY: clampScroll(this.v.scrollY + dy, this.L.laneH, this.L.plotH, n) };
    this.invalidate();
  }

  /** Scrolls so that lane `index` is in view. */
  revealLane(index: number): void {
    const y = index * this.L.laneH;
    if (y < this.v.scrollY || y + this.L.laneH > this.v.scrollY + this.L.plotH) {
      this.scrollBy(y - this.L.plotH / 2 - this.v.scrollY);
    }
  }

  /** Keeps the playhead in view (used while playing and stepping). */
  revealTime(t: number): void {
    if (this.autoFit) return;
    const next = ensureVisible(this.v, t, 0.05);
    if (next !== this.v) {
      this.v = next;
      this.invalidate();
    }
  }

  private userMoved(): void {
    this.autoFit = false;
    this.cb.viewChanged?.();
    this.invalidate();
  }

  /** Draws now (synchronously). Returns the time it took in ms. */
  draw(): number {
    const start = performance.now();
    const m = this.model;
    const L0 = this.L;
    if (m !== null) {
      const rows = m.rows.length;
      const procs = m.processRows;
      const key = `${rows}|${m.end !== null}|${L0.fontPx}|${m.coros.namesVersion}|${m.processes.list.map((p) => p.title()).join('|')}`;
      if (key !== this.nameKey) {
        this.nameKey = key;
        // What the canvas shows, for screen readers (and end-to-end tests).
        this.canvas.dataset.lanes = String(m.lanes.length);
        this.canvas.dataset.processes = String(procs);
        this.canvas.setAttribute('aria-label', `Timeline: ${m.lanes.length} lanes, one per thread${m.coros.count > 0 ? `, with ${m.coros.count} coroutine lanes` : ''}${procs > 0 ? `, in ${procs} processes` : ''}, coloured by state`);
        this.nameW = this.measureNames(m, computeLayout(L0.width, L0.height, L0.dpr, rows, 0, false, false, this.look).fontPx);
      }
      // Messages drawn as arrows between lanes (queue put → get, pipe send → recv).
      const links = String(m.queues.length + m.pipes.length);
      if (this.canvas.dataset.links !== links) this.canvas.dataset.links = links;
      const want = computeLayout(L0.width, L0.height, L0.dpr, rows, this.nameW, this.overviewOn, m.hasCpu, this.look);
      if (want.laneH !== L0.laneH || want.labelW !== L0.labelW || want.cpuH !== L0.cpuH) this.relayout();
    }
    const L = this.L;
    const ctx = this.ctx;
    this.dirty = false;
    ctx.setTransform(L.dpr, 0, 0, L.dpr, 0, 0);
    ctx.fillStyle = THEME.bg;
    ctx.fillRect(0, 0, L.width, L.height);
    if (m === null) return 0;
    this.drawnVersion = m.version;
    if (this.autoFit) {
      // Live: the whole run so far; finished: the part where threads other than main ran.
      const [a, b] = m.live ? [0, m.endTime] : m.focusRange();
      this.v = { ...this.v, ...fitRange(a, b, L.plotW) };
    }
    const rows = m.rows;
    this.v = { ...this.v, scrollY: clampScroll(this.v.scrollY, L.laneH, L.plotH, rows.length) };
    const [first, last] = visibleLanes(this.v.scrollY, L.laneH, L.plotH, rows.length);
    const view: View = { t0: this.v.t0, nsPerPx: this.v.nsPerPx, scrollY: this.v.scrollY, first, last };
    const tEnd = m.endTime;
    this.spans.draw(ctx, L, rows, first, last, this.v.scrollY, this.v.t0, this.v.nsPerPx, tEnd);
    drawAxis(ctx, L, view);
    drawHeaderCaptions(ctx, L, view, rows, this.spans.coresScale);
    drawMarkers(ctx, L, view, m);
    drawCoroRuns(ctx, L, view, m);
    drawHandoffs(ctx, L, view, m);
    drawCoroSwitches(ctx, L, view, m);
    drawQueueLinks(ctx, L, view, m);
    drawPipeLinks(ctx, L, view, m);
    drawProcessStarts(ctx, L, view, m);
    drawPoolLinks(ctx, L, view, m);
    drawHighlights(ctx, L, view, m, this.highlights);
    drawLabels(ctx, L, view, rows, { follow: this.follow, hoverLane: this.hoverLane, playhead: this.playhead, tEnd, alert: this.alertTids });
    drawLaneBands(ctx, L, view, rows, this.laneMarks, this.pointerBand ? this.hoverLane : -1);
    // How many lanes a tour stop or `follow=` highlights (for end-to-end tests).
    const marked = String(this.laneMarks.size);
    if (this.canvas.dataset.highlighted !== marked) this.canvas.dataset.highlighted = marked;
    drawPlayhead(ctx, L, view, this.playhead, m.live && this.playhead >= tEnd);
    drawScrollbar(ctx, L, this.v.scrollY, rows.length);
    const ms = performance.now() - start;
    this.drawTimes.push(ms);
    if (this.drawTimes.length > 10000) this.drawTimes.splice(0, 5000);
    return ms;
  }

  private measureNames(m: TraceModel, fontPx: number): number {
    const ctx = this.ctx;
    ctx.font = `600 ${fontPx}px system-ui, -apple-system, "Segoe UI", sans-serif`;
    let w = 0;
    const step = Math.max(1, Math.floor(m.lanes.length / 2000));
    for (let i = 0; i < m.lanes.length; i += step) w = Math.max(w, ctx.measureText(m.lanes[i].name).width);
    if (m.coros.count > 0) {
      // Coroutine lanes are indented under their thread's.
      const cstep = Math.max(1, Math.floor(m.coros.count / 2000));
      let i = 0;
      for (const c of m.coros.lanes.values()) {
        if (i++ % cstep === 0) w = Math.max(w, ctx.measureText(c.name).width + CORO_INDENT);
      }
    }
    if (m.processRows > 0) {
      // Grouped lanes are indented; a header's detail line is smaller but longer.
      w += 6;
      // As labels.ts draws them: presenter mode keeps the full size.
      const px = this.look.big ? fontPx : Math.min(fontPx, 14);
      for (const p of m.processes.list) {
        if (p.lanes.length === 0) continue;
        ctx.font = `800 ${px}px system-ui, -apple-system, "Segoe UI", sans-serif`;
        w = Math.max(w, ctx.measureText(p.label).width);
        ctx.font = `500 ${this.look.big ? px : Math.max(10, px - 2)}px system-ui, -apple-system, "Segoe UI", sans-serif`;
        w = Math.max(w, ctx.measureText(p.detail()).width - 20);
      }
    }
    return Math.ceil(w);
  }

  // --- input ----------------------------------------------------------------

  private local(e: MouseEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  /** The row under y, or -1. */
  private laneIndexAt(y: number): number {
    const m = this.model;
    if (m === null || y < this.L.axisH) return -1;
    const i = Math.floor((y - this.L.axisH + this.v.scrollY) / this.L.laneH);
    return i >= 0 && i < m.rows.length ? i : -1;
  }

  /** What is under the canvas point (x, y), found through the lane's indexes. */
  hitTest(x: number, y: number): HoverInfo | null {
    const m = this.model;
    const i = this.laneIndexAt(y);
    if (m === null || i < 0) return null;
    const row = m.rows[i];
    const t = this.v.t0 + (x - this.L.labelW) * this.v.nsPerPx;
    const nsPerPx = this.v.nsPerPx;
    // Over a header's label there is no time: the tooltip shows the process only.
    const coresScale = this.spans.coresScale;
    if (!(row instanceof Lane)) {
      return { lane: null, proc: row, t: x < this.L.labelW ? Number.NaN : t, nsPerPx, coresScale, span: null, seq: -1 };
    }
    if (x < this.L.labelW) return null;
    const seq = nearestEvent(row, m.store, t, this.v.nsPerPx * 5, () => true);
    return { lane: row, proc: null, t, nsPerPx, coresScale, span: spanAt(row, t, m.endTime), seq };
  }

  private bindInput(): void {
    const c = this.canvas;
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const { x } = this.local(e);
      const dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
      const dx = e.deltaMode === 1 ? e.deltaX * 16 : e.deltaX;
      if (x < this.L.labelW) this.scrollBy(dy);
      else if (e.shiftKey) this.pan(dy !== 0 ? dy : dx);
      else if (Math.abs(dx) > Math.abs(dy)) this.pan(dx);
      else this.zoom(Math.exp(-dy * 0.002), x - this.L.labelW);
    }, { passive: false });

    c.addEventListener('pointerdown', (e) => {
      const { x, y } = this.local(e);
      c.setPointerCapture(e.pointerId);
      this.drag = { x, y, t0: this.v.t0, scrollY: this.v.scrollY, moved: false, label: x < this.L.labelW };
    });
    c.addEventListener('pointermove', (e) => {
      const { x, y } = this.local(e);
      const d = this.drag;
      if (d !== null) {
        if (Math.abs(x - d.x) + Math.abs(y - d.y) > 4) d.moved = true;
        if (d.moved) {
          this.v = clampTime({ ...this.v, t0: d.t0 - (x - d.x) * this.v.nsPerPx }, this.model?.endTime ?? 0);
          const n = this.model?.rows.length ?? 0;
          this.v = { ...this.v, scrollY: clampScroll(d.scrollY - (y - d.y), this.L.laneH, this.L.plotH, n) };
          this.cb.hover(null, 0, 0);
          this.userMoved();
          return;
        }
      }
      this.hover(x, y, e.clientX, e.clientY);
    });
    c.addEventListener('pointerup', (e) => {
      const d = this.drag;
      this.drag = null;
      if (d === null || d.moved) return;
      const { x, y } = this.local(e);
      const i = this.laneIndexAt(y);
      if (d.label) {
        const row = i >= 0 && this.model !== null ? this.model.rows[i] : null;
        // A process header follows the process's main thread.
        const tid = row === null ? null : row instanceof Lane ? row.tid : row.lanes[0]?.tid ?? null;
        if (tid !== null) this.cb.follow(tid);
      } else if (y >= this.L.axisH - 30 || i >= 0) {
        this.cb.playhead(Math.max(0, this.v.t0 + (x - this.L.labelW) * this.v.nsPerPx));
      }
    });
    // The keyboard's lane cursor: ↑/↓ move it (outlined like the pointer's lane), Enter follows its thread.
    c.addEventListener('keydown', (e) => {
      const n = this.model?.rows.length ?? 0;
      if (n === 0 || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        const next = Math.max(0, Math.min(n - 1, this.hoverLane + (e.key === 'ArrowDown' ? 1 : -1)));
        this.hoverLane = this.hoverLane < 0 ? 0 : next;
        this.revealLane(this.hoverLane);
        this.invalidate();
        e.preventDefault();
      } else if (e.key === 'Enter' && this.hoverLane >= 0 && this.model !== null) {
        const row = this.model.rows[this.hoverLane];
        const tid = row instanceof Lane ? row.actor : row.lanes[0]?.tid;
        if (tid !== undefined) this.cb.follow(tid);
        e.preventDefault();
      }
    });
    c.addEventListener('pointerleave', () => {
      this.hoverLane = -1;
      this.cb.hover(null, 0, 0);
      this.invalidate();
    });
  }

  private hover(x: number, y: number, cx: number, cy: number): void {
    const i = this.laneIndexAt(y);
    if (i !== this.hoverLane) {
      this.hoverLane = i;
      this.invalidate();
    }
    this.canvas.style.cursor = x < this.L.labelW && i >= 0 ? 'pointer' : 'crosshair';
    this.cb.hover(this.hitTest(x, y), cx, cy);
  }
}
