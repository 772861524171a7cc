// Vector parts of the timeline drawn over the state bars: event markers,
// lock hand-off, queue put → get, pipe send → recv, process start and pool
// submit → task → result arrows, highlighted events, the cores scale of process headers, the time axis and
// the playhead (the label column is labels.ts). Each part has a budget so that a dense view never draws thousands
// of tiny shapes: markers appear only where they are at least a few pixels apart.
import { laneEventIndexAt } from '../model/hittest';
import { K } from '../model/kinds';
import { Lane } from '../model/lane';
import { formatDuration, formatTick, niceTicks } from '../model/time';
import type { Row, TraceModel } from '../model/trace';
import { lowerBound } from '../model/grow';
import type { Layout } from './layout';
import { coroColor, THEME } from './palette';
import type { Arrows } from '../model/arrows';

export interface View {
  t0: number;
  nsPerPx: number;
  scrollY: number;
  first: number;
  last: number;
}

const MARKER_KINDS = new Set<number>([
  K.lockAcquire, K.lockRelease, K.print, K.varRead, K.varWrite, K.queuePut, K.queueGet, K.pipeSend, K.pipeRecv,
  K.processStart, K.processTerminate, K.processKill, K.poolSubmit, K.poolResult, K.poolTask, K.poolDone, K.poolTerminate,
]);

/** Arrows are drawn only when at most this many fall in (or near) the view: zoomed out they would be a smear. */
export const MAX_ARROWS = 400;

export function laneY(L: Layout, v: View, index: number): number {
  return L.axisH + index * L.laneH - v.scrollY;
}

function xOf(L: Layout, v: View, t: number): number {
  return L.labelW + (t - v.t0) / v.nsPerPx;
}

export function drawMarkers(ctx: CanvasRenderingContext2D, L: Layout, v: View, m: TraceModel): void {
  const store = m.store;
  const kinds = store.kind.data;
  const t1 = v.t0 + v.nsPerPx * L.plotW;
  const rows = m.rows;
  ctx.save();
  ctx.beginPath();
  ctx.rect(L.labelW, L.axisH, L.plotW, L.plotH);
  ctx.clip();
  const half = L.barH / 2;
  // Presenter mode: markers a hall can see (the bars are thicker too).
  const g = L.big ? 1.8 : 1;
  for (let i = v.first; i < v.last; i++) {
    const lane = rows[i];
    if (!(lane instanceof Lane)) continue;
    const a = laneEventIndexAt(lane, store, v.t0);
    const b = laneEventIndexAt(lane, store, t1);
    // Only when this lane's events are on average >= 6 px apart.
    if (b - a === 0 || (b - a) * 6 * g > L.plotW) continue;
    const cy = laneY(L, v, i) + L.barMid;
    const ev = lane.events.data;
    for (let j = a; j < b; j++) {
      const seq = ev[j];
      const k = kinds[seq];
      if (!MARKER_KINDS.has(k)) continue;
      const x = Math.round(xOf(L, v, store.t.data[seq])) + 0.5;
      if (k === K.lockAcquire || k === K.lockRelease) {
        // acquire: a dark bar with a notch pointing down into the lane; release: pointing up.
        ctx.fillStyle = '#111827';
        ctx.fillRect(x - g, cy - half, 2 * g, L.barH);
        const s = Math.min(5 * g, half);
        ctx.beginPath();
        if (k === K.lockAcquire) {
          ctx.moveTo(x - s, cy - half);
          ctx.lineTo(x + s, cy - half);
          ctx.lineTo(x, cy - half + s);
        } else {
          ctx.moveTo(x - s, cy + half);
          ctx.lineTo(x + s, cy + half);
          ctx.lineTo(x, cy + half - s);
        }
        ctx.fill();
      } else if (k === K.queuePut || k === K.queueGet) {
        // put: a filled box (an item goes in); get: a hollow one (an item comes out).
        const s = Math.min(8 * g, L.barH - 4);
        ctx.fillStyle = k === K.queuePut ? THEME.queueLink : '#ffffff';
        ctx.fillRect(x - s / 2, cy - s / 2, s, s);
        ctx.lineWidth = 2;
        ctx.strokeStyle = THEME.queueLink;
        ctx.strokeRect(x - s / 2, cy - s / 2, s, s);
      } else if (k === K.pipeSend || k === K.pipeRecv) {
        // send: a filled triangle pointing right (a message leaves); recv: a hollow one.
        const s = Math.min(6 * g, half - 1);
        ctx.beginPath();
        ctx.moveTo(x - s, cy - s);
        ctx.lineTo(x + s, cy);
        ctx.lineTo(x - s, cy + s);
        ctx.closePath();
        ctx.fillStyle = k === K.pipeSend ? THEME.pipeLink : '#ffffff';
        ctx.fill();
        ctx.lineWidth = 2;
        ctx.strokeStyle = THEME.pipeLink;
        ctx.stroke();
      } else if (k === K.processStart) {
        // start(): a filled star-like plus in the spawn colour, where the arrow to the child leaves.
        const s = Math.min(6 * g, half - 1);
        ctx.fillStyle = THEME.spawn;
        ctx.fillRect(x - s, cy - 1.5, 2 * s, 3);
        ctx.fillRect(x - 1.5, cy - s, 3, 2 * s);
      } else if (k === K.poolSubmit || k === K.poolResult) {
        // submit: a filled triangle pointing up (work leaves for the workers); result: a hollow one.
        const s = Math.min(6 * g, half - 1);
        ctx.beginPath();
        ctx.moveTo(x, cy - s);
        ctx.lineTo(x + s, cy + s);
        ctx.lineTo(x - s, cy + s);
        ctx.closePath();
        const failed = k === K.poolResult && store.argsOf(seq).ok === false;
        ctx.fillStyle = k === K.poolSubmit ? THEME.poolLink : '#ffffff';
        ctx.fill();
        ctx.lineWidth = 2;
        ctx.strokeStyle = failed ? '#b91c1c' : THEME.poolLink;
        ctx.stroke();
      } else if (k === K.poolTask || k === K.poolDone) {
        // A task's bracket on the worker's lane: "[" where it begins, "]" where it ends (red if it raised).
        const s = Math.min(4 * g, half - 1);
        const dir = k === K.poolTask ? 1 : -1;
        ctx.lineWidth = 2;
        ctx.strokeStyle = k === K.poolDone && store.argsOf(seq).ok === false ? '#b91c1c' : THEME.poolLink;
        ctx.beginPath();
        ctx.moveTo(x + dir * s, cy - half + 1);
        ctx.lineTo(x, cy - half + 1);
        ctx.lineTo(x, cy + half - 1);
        ctx.lineTo(x + dir * s, cy + half - 1);
        ctx.stroke();
      } else if (k === K.processTerminate || k === K.processKill || k === K.poolTerminate) {
        // terminate()/kill(): a red cross.
        const s = Math.min(5 * g, half - 1);
        ctx.lineWidth = 2.5;
        ctx.strokeStyle = '#b91c1c';
        ctx.beginPath();
        ctx.moveTo(x - s, cy - s);
        ctx.lineTo(x + s, cy + s);
        ctx.moveTo(x + s, cy - s);
        ctx.lineTo(x - s, cy + s);
        ctx.stroke();
      } else if (k === K.print) {
        ctx.beginPath();
        ctx.arc(x, cy, Math.min(4 * g, half - 1), 0, Math.PI * 2);
        ctx.fillStyle = '#ffffff';
        ctx.fill();
        ctx.lineWidth = 1.5 * g;
        ctx.strokeStyle = '#111827';
        ctx.stroke();
      } else {
        // var.read: hollow diamond, var.write: filled diamond
        const s = Math.min(4 * g, half - 1);
        ctx.beginPath();
        ctx.moveTo(x, cy - s);
        ctx.lineTo(x + s, cy);
        ctx.lineTo(x, cy + s);
        ctx.lineTo(x - s, cy);
        ctx.closePath();
        ctx.fillStyle = k === K.varWrite ? '#111827' : '#ffffff';
        ctx.fill();
        ctx.lineWidth = g;
        ctx.strokeStyle = '#111827';
        ctx.stroke();
      }
    }
  }
  ctx.restore();
}

/** Curved arrows from (fromTid, fromT) to (toTid, toT); `toT` ascending. */
function drawArrows(
  ctx: CanvasRenderingContext2D, L: Layout, v: View, m: TraceModel, h: Arrows, color: string, dash: number[], width = 1.5,
  laneOf: (id: number) => Lane | undefined = (actor) => m.actorLane(actor), // a task's hand-off ends at its lane
): void {
  const t1 = v.t0 + v.nsPerPx * L.plotW;
  const a = lowerBound(h.toT.data, v.t0, 0, h.length);
  const b = lowerBound(h.toT.data, t1 + (t1 - v.t0), a, h.length);
  if (b - a === 0 || b - a > MAX_ARROWS) return;
  ctx.save();
  ctx.beginPath();
  ctx.rect(L.labelW, L.axisH, L.plotW, L.plotH);
  ctx.clip();
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = width;
  void m.rows; // lane.index is the row: up to date once the rows are
  for (let i = a; i < b; i++) {
    const from = laneOf(h.fromTid.data[i]);
    const to = laneOf(h.toTid.data[i]);
    if (from === undefined || to === undefined || from === to) continue;
    if ((from.index < v.first && to.index < v.first) || (from.index >= v.last && to.index >= v.last)) continue;
    const x0 = xOf(L, v, h.fromT.data[i]);
    const x1 = xOf(L, v, h.toT.data[i]);
    const y0 = laneY(L, v, from.index) + L.barMid;
    const y1 = laneY(L, v, to.index) + L.barMid;
    const dir = y1 > y0 ? 1 : -1;
    const tipY = y1 - dir * (L.barH / 2);
    ctx.setLineDash(dash);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.bezierCurveTo(x0 + 12, y0, x1 - 12, tipY, x1, tipY);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(x1, tipY);
    ctx.lineTo(x1 - 4, tipY - dir * 7);
    ctx.lineTo(x1 + 4, tipY - dir * 7);
    ctx.fill();
  }
  ctx.restore();
}

/** Arrows from a releasing thread to the blocked thread that got the lock next. */
export function drawHandoffs(ctx: CanvasRenderingContext2D, L: Layout, v: View, m: TraceModel): void {
  drawArrows(ctx, L, v, m, m.handoffs, THEME.handoff, []);
}

/** Arrows from the coroutine a thread switched away from to the one it switched to. */
export function drawCoroSwitches(ctx: CanvasRenderingContext2D, L: Layout, v: View, m: TraceModel): void {
  if (m.coros.count === 0) return;
  const lanes = m.coros.lanes;
  drawArrows(ctx, L, v, m, m.coros.switches, THEME.coroSwitch, [], 1.75, (id) => lanes.get(id));
}

/** Most coroutine runs drawn under one thread's bar; more in view and the line is left out (a smear). */
const MAX_CORO_RUNS = 3000;

/**
 * Under the bar of each visible thread that switches coroutines: a line in the
 * colour of the coroutine running on it (that coroutine's swatch in the label
 * column). Binary search for the runs in view; nothing when too many are.
 */
export function drawCoroRuns(ctx: CanvasRenderingContext2D, L: Layout, v: View, m: TraceModel): void {
  if (m.coros.count === 0) return;
  const rows = m.rows;
  const t1 = v.t0 + v.nsPerPx * L.plotW;
  const tEnd = m.endTime;
  ctx.save();
  ctx.beginPath();
  ctx.rect(L.labelW, L.axisH, L.plotW, L.plotH);
  ctx.clip();
  // Along the top of the bar (the CPU strip is under it): clear of the bar's edge by a pixel.
  const h = Math.max(2, Math.min(5, Math.floor(L.barH / 4)));
  for (let i = v.first; i < v.last; i++) {
    const lane = rows[i];
    if (!(lane instanceof Lane) || lane.coroRuns === null) continue;
    const r = lane.coroRuns;
    const st = r.starts.data;
    const a = Math.max(0, lowerBound(st, v.t0, 0, r.starts.length) - 1);
    const b = lowerBound(st, t1, a, r.starts.length);
    if (b - a > MAX_CORO_RUNS) continue;
    const y = laneY(L, v, i) + L.barMid - L.barH / 2 + 1;
    for (let j = a; j < b; j++) {
      const id = r.ids.data[j];
      if (id < 0) continue;
      const c = m.coros.lanes.get(id)?.coro;
      if (c === undefined || c === null) continue;
      const end = Math.min(j + 1 < r.starts.length ? st[j + 1] : tEnd, Number.isNaN(lane.endT) ? tEnd : lane.endT);
      const x0 = xOf(L, v, st[j]);
      const x1 = Math.max(x0 + 1, xOf(L, v, end));
      ctx.fillStyle = coroColor(c.order, c.raw, c.kind);
      ctx.fillRect(x0, y, x1 - x0, h);
      if (x1 - x0 >= 3) {
        ctx.fillStyle = '#ffffff';
        ctx.fillRect(x0, y + h, x1 - x0, 1);
      }
    }
  }
  ctx.restore();
}

/** Arrows from the thread that put an item (at the put) to the one that got it (at the get). */
export function drawQueueLinks(ctx: CanvasRenderingContext2D, L: Layout, v: View, m: TraceModel): void {
  drawArrows(ctx, L, v, m, m.queues, THEME.queueLink, [7, 3], 2.25);
}

/** Arrows from a pipe send() to the recv() on the other end that got the message. */
export function drawPipeLinks(ctx: CanvasRenderingContext2D, L: Layout, v: View, m: TraceModel): void {
  drawArrows(ctx, L, v, m, m.pipes, THEME.pipeLink, [3, 3], 2.25);
}

/** Arrows from a parent's Process.start() to the child process's main thread as it begins. */
export function drawProcessStarts(ctx: CanvasRenderingContext2D, L: Layout, v: View, m: TraceModel): void {
  drawArrows(ctx, L, v, m, m.processes.starts, THEME.spawn, [], 2.5);
}

/** Arrows from a pool submission to each worker that picked up one of its tasks, and from a finished task to its result. */
export function drawPoolLinks(ctx: CanvasRenderingContext2D, L: Layout, v: View, m: TraceModel): void {
  drawArrows(ctx, L, v, m, m.pools.submits, THEME.poolLink, [8, 3, 2, 3], 2.25);
  drawArrows(ctx, L, v, m, m.pools.results, THEME.poolLink, [2, 3], 2.25);
}

/** Rings around highlighted events (a lost update's read and writes), whatever the zoom. */
export function drawHighlights(ctx: CanvasRenderingContext2D, L: Layout, v: View, m: TraceModel, seqs: readonly number[]): void {
  if (seqs.length === 0) return;
  ctx.save();
  ctx.beginPath();
  ctx.rect(L.labelW, L.axisH, L.plotW, L.plotH);
  ctx.clip();
  ctx.lineWidth = 3;
  ctx.strokeStyle = THEME.highlight;
  ctx.font = `bold ${L.fontPx}px system-ui, sans-serif`;
  for (const seq of seqs) {
    if (seq < 0 || seq >= m.store.length) continue;
    const lane = m.laneByTid.get(m.store.tid.data[seq]);
    if (lane === undefined) continue;
    const x = xOf(L, v, m.store.t.data[seq]);
    const y = laneY(L, v, m.rowOf(lane.tid)) + L.barMid;
    ctx.beginPath();
    ctx.arc(x, y, Math.max(7, L.laneH / 2), 0, Math.PI * 2);
    ctx.stroke();
  }
  ctx.restore();
}

/** In the first visible process header, the scale of the headers' "cores in use" areas. */
export function drawHeaderCaptions(ctx: CanvasRenderingContext2D, L: Layout, v: View, rows: readonly Row[], cores: number): void {
  if (L.laneH < 20) return;
  ctx.save();
  ctx.beginPath();
  ctx.rect(L.labelW, L.axisH, L.plotW, L.plotH);
  ctx.clip();
  ctx.font = `600 ${L.smallPx}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  const text = `cores in use (0–${cores})`;
  const w = ctx.measureText(text).width;
  // Every header has the same scale: say it once, in the first one in view.
  for (let i = v.first; i < v.last; i++) {
    const p = rows[i];
    if (p instanceof Lane || !p.lanes.some((l) => l.cpu !== null)) continue;
    const y = laneY(L, v, i) + L.laneH / 2;
    const x = L.labelW + L.plotW - 6;
    ctx.fillStyle = THEME.captionBg;
    ctx.fillRect(x - w - 5, y - L.smallPx * 0.75, w + 10, L.smallPx * 1.5);
    ctx.fillStyle = THEME.processText;
    ctx.fillText(text, x, y + 1);
    break;
  }
  ctx.restore();
}

export function drawAxis(ctx: CanvasRenderingContext2D, L: Layout, v: View): void {
  const t1 = v.t0 + v.nsPerPx * L.plotW;
  const ticks = niceTicks(Math.max(0, v.t0), t1, Math.max(2, Math.floor(L.plotW / 110)));
  ctx.fillStyle = THEME.bg;
  ctx.fillRect(0, 0, L.width, L.axisH);
  ctx.save();
  ctx.beginPath();
  ctx.rect(L.labelW, 0, L.plotW, L.height);
  ctx.clip();
  ctx.font = `500 ${L.axisPx}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  for (const t of ticks.times) {
    const x = Math.round(xOf(L, v, t)) + 0.5;
    ctx.fillStyle = THEME.gridLine;
    ctx.fillRect(x - 0.5, L.axisH, 1, L.plotH);
    ctx.fillStyle = THEME.axis;
    ctx.fillRect(x - 0.5, L.axisH - 8, 1, 8);
    ctx.fillText(formatTick(t, ticks), x + 4, L.axisH / 2 - 2);
  }
  ctx.restore();
  ctx.fillStyle = THEME.axis;
  ctx.fillRect(0, L.axisH - 1, L.width, 1);
  ctx.fillStyle = THEME.muted;
  ctx.font = `600 ${L.big ? L.axisPx : L.axisPx - 1}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.fillText(`${formatDuration(v.nsPerPx * 100, 2)} / 100 px`, 6, L.axisH / 2);
}

export function drawPlayhead(ctx: CanvasRenderingContext2D, L: Layout, v: View, t: number, live: boolean): void {
  const x = Math.round(xOf(L, v, t)) + 0.5;
  if (x < L.labelW || x > L.labelW + L.plotW) return;
  ctx.fillStyle = live ? '#dc2626' : THEME.playhead;
  const w = L.big ? 3 : 2;
  ctx.fillRect(x - w / 2, L.axisH, w, L.plotH);
  ctx.beginPath();
  ctx.moveTo(x - 7, 0);
  ctx.lineTo(x + 7, 0);
  ctx.lineTo(x + 7, L.axisH - 12);
  ctx.lineTo(x, L.axisH - 2);
  ctx.lineTo(x - 7, L.axisH - 12);
  ctx.closePath();
  ctx.fill();
}

export function drawScrollbar(ctx: CanvasRenderingContext2D, L: Layout, scrollY: number, rows: number): void {
  const total = rows * L.laneH;
  if (total <= L.plotH) return;
  const x = L.width - 7;
  ctx.fillStyle = THEME.scrollTrack;
  ctx.fillRect(x, L.axisH, 6, L.plotH);
  const h = Math.max(24, (L.plotH * L.plotH) / total);
  const y = L.axisH + (scrollY / (total - L.plotH)) * (L.plotH - h);
  ctx.fillStyle = THEME.scrollThumb;
  ctx.fillRect(x, y, 6, h);
}
