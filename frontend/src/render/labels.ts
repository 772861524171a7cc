// The sticky label column of the timeline: thread names with a chip of each
// thread's state at the playhead; in a multi-process run, a header per process
// ("Process-1 · pid 1234 · parent 1200 · exit 0") and a bar in the process's
// colour down its group of lanes. Neighbour: overlay.ts draws the plot.
import { Lane } from '../model/lane';
import type { Proc } from '../model/processes';
import type { Row } from '../model/trace';
import { labelEvery, type Layout } from './layout';
import { laneY, type View } from './overlay';
import { coroColor, processColor, STATE_COLORS, THEME } from './palette';

export interface LabelState {
  follow: number | null;
  hoverLane: number;
  playhead: number;
  tEnd: number;
  alert: ReadonlySet<number>;
}

/** How far a coroutine's name is indented under its thread's. */
export const CORO_INDENT = 22;

const ellipsized = new Map<string, string>();

function fit(ctx: CanvasRenderingContext2D, text: string, maxW: number, font: string): string {
  const key = `${font}|${maxW}|${text}`;
  let s = ellipsized.get(key);
  if (s !== undefined) return s;
  s = text;
  if (ctx.measureText(s).width > maxW) {
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ctx.measureText(text.slice(0, mid) + '…').width <= maxW) lo = mid;
      else hi = mid - 1;
    }
    s = text.slice(0, lo) + '…';
  }
  if (ellipsized.size > 5000) ellipsized.clear();
  ellipsized.set(key, s);
  return s;
}

/** Coroutine names: a little lighter than threads'. */
function coroFont(px: number): string {
  return `500 ${px}px system-ui, -apple-system, "Segoe UI", sans-serif`;
}

/** A process header's label: its name in bold, then "pid · parent · exit" (one line or two). */
function drawHeaderLabel(ctx: CanvasRenderingContext2D, L: Layout, p: Proc, y: number, x0: number, hover: boolean): void {
  ctx.fillStyle = hover ? THEME.hoverBg : THEME.processBand;
  ctx.fillRect(0, y, L.labelW, L.laneH);
  ctx.fillStyle = THEME.processLine;
  ctx.fillRect(0, y, L.labelW, 1);
  const maxW = L.labelW - x0 - 6;
  const titlePx = L.big ? L.fontPx : Math.min(L.fontPx, 14);
  const title = `800 ${titlePx}px system-ui, -apple-system, "Segoe UI", sans-serif`;
  const small = `500 ${L.big ? L.smallPx : Math.max(10, titlePx - 2)}px system-ui, -apple-system, "Segoe UI", sans-serif`;
  const detail = p.detail();
  ctx.fillStyle = THEME.processText;
  if (L.laneH >= 28 && detail !== '') {
    ctx.font = title;
    ctx.fillText(fit(ctx, p.label, maxW, title), x0, y + L.laneH * 0.32 + 1);
    ctx.font = small;
    ctx.fillStyle = THEME.muted;
    ctx.fillText(fit(ctx, detail, maxW, small), x0, y + L.laneH * 0.72);
    return;
  }
  ctx.font = title;
  const name = fit(ctx, p.label, maxW, title);
  ctx.fillText(name, x0, y + L.laneH / 2 + 1);
  if (L.laneH < 11 || detail === '') return;
  const w = ctx.measureText(name).width + 8;
  if (w < maxW - 30) {
    ctx.font = small;
    ctx.fillStyle = THEME.muted;
    ctx.fillText(fit(ctx, detail, maxW - w, small), x0 + w, y + L.laneH / 2 + 1);
  }
}

/**
 * The sticky label column: thread names, a chip with each thread's state at
 * the playhead; in a multi-process run, a header per process and a bar in the
 * process's colour down the left of its group.
 */
export function drawLabels(ctx: CanvasRenderingContext2D, L: Layout, v: View, rows: readonly Row[], st: LabelState): void {
  ctx.save();
  ctx.fillStyle = THEME.bg;
  ctx.fillRect(0, L.axisH, L.labelW, L.plotH);
  ctx.beginPath();
  ctx.rect(0, L.axisH, L.labelW, L.plotH);
  ctx.clip();
  const font = `600 ${L.fontPx}px system-ui, -apple-system, "Segoe UI", sans-serif`;
  const bold = `800 ${L.fontPx}px system-ui, -apple-system, "Segoe UI", sans-serif`;
  ctx.textBaseline = 'middle';
  const chip = Math.min(L.big ? 18 : 12, L.barH);
  const every = labelEvery(L.laneH, L.fontPx);
  const grouped = rows.length > 0 && !(rows[0] instanceof Lane);
  const x0 = grouped ? 12 : 6;
  // In the overview, the followed thread's name replaces its neighbours' so none overlap.
  const followIdx = every > 1 && st.follow !== null ? rows.findIndex((l) => l instanceof Lane && l.actor === st.follow) : -1;
  for (let i = v.first; i < v.last; i++) {
    const lane = rows[i];
    const y = laneY(L, v, i);
    if (!(lane instanceof Lane)) {
      drawHeaderLabel(ctx, L, lane, y, x0 - 6, st.hoverLane === i);
      continue;
    }
    if (every > 1) {
      // Thin lanes (overview): a state chip per lane, a name every few lanes (none right under a process header).
      ctx.fillStyle = STATE_COLORS[st.playhead <= st.tEnd ? lane.stateAt(st.playhead) : lane.stateAt(st.tEnd)] ?? 'transparent';
      ctx.fillRect(L.labelW - 10, y, 6, Math.max(1, L.laneH - 1));
      if (grouped && lane.proc !== null) {
        ctx.fillStyle = processColor(lane.proc.order);
        ctx.fillRect(0, y, 4, L.laneH);
      }
      const c = lane.coro;
      if (c !== null) {
        ctx.fillStyle = coroColor(c.order, c.raw, c.kind);
        ctx.fillRect(x0 + 4, y, 3, Math.max(1, L.laneH - 1));
      }
      const near = followIdx >= 0 && i !== followIdx && Math.abs(i - followIdx) < every;
      let underHeader = false;
      for (let k = 1; k < every && i - k >= 0 && !underHeader; k++) underHeader = !(rows[i - k] instanceof Lane);
      if ((i % every === 0 && !near && !underHeader) || i === followIdx) {
        const me = st.follow === lane.actor;
        const xi = c === null ? x0 : x0 + CORO_INDENT;
        ctx.font = me ? bold : font;
        ctx.fillStyle = me ? THEME.follow : THEME.text;
        ctx.fillText(fit(ctx, lane.name, L.labelW - 16 - xi, font), xi, Math.max(y + L.laneH / 2, L.axisH + L.fontPx / 2 + 1));
      }
      continue;
    }
    if (i % 2 === 1) {
      ctx.fillStyle = THEME.stripe;
      ctx.fillRect(0, y, L.labelW, L.laneH);
    }
    const coro = lane.coro;
    // Followed and alarm sets hold actor ids: a thread's tid, or a coroutine's (a task in a deadlock).
    const followed = st.follow === lane.actor;
    if (followed || st.hoverLane === i) {
      ctx.fillStyle = followed ? THEME.followBg : THEME.hoverBg;
      ctx.fillRect(0, y, L.labelW, L.laneH);
    }
    if (grouped && lane.proc !== null) {
      ctx.fillStyle = processColor(lane.proc.order);
      ctx.fillRect(0, y, 5, L.laneH);
    }
    const state = st.playhead <= st.tEnd ? lane.stateAt(st.playhead) : lane.stateAt(st.tEnd);
    ctx.fillStyle = STATE_COLORS[state] ?? 'transparent';
    ctx.fillRect(L.labelW - chip - 6, y + L.barMid - chip / 2, chip, chip);
    let xi = x0;
    if (coro !== null) {
      // Inside its thread: a guide down from the thread's row, a tick and a swatch in the coroutine's colour.
      const last = !(rows[i + 1] instanceof Lane) || (rows[i + 1] as Lane).coro === null;
      ctx.fillStyle = THEME.coroGuide;
      ctx.fillRect(x0 + 3, y, 1, last ? L.barMid + 1 : L.laneH);
      ctx.fillRect(x0 + 3, y + L.barMid, 6, 1);
      ctx.fillStyle = coroColor(coro.order, coro.raw, coro.kind);
      const sw = Math.min(8, L.barH);
      ctx.fillRect(x0 + 10, y + L.barMid - sw / 2, sw - 2, sw);
      xi = x0 + CORO_INDENT;
    }
    const alarm = st.alert.has(lane.actor);
    const f = alarm || followed ? bold : coro !== null ? coroFont(L.fontPx) : font;
    ctx.font = f;
    ctx.fillStyle = alarm ? '#b91c1c' : followed ? THEME.follow : coro !== null ? THEME.muted : THEME.text;
    ctx.fillText(fit(ctx, lane.name, L.labelW - chip - 10 - xi, f), xi, y + L.barMid + 1);
  }
  // Over a header that scrolled out of sight, its process's name stays at the top of the column.
  if (grouped && every === 1 && v.first < v.last) {
    const top = rows[v.first];
    const lane = top instanceof Lane ? top : null;
    const y = laneY(L, v, v.first);
    if (lane !== null && lane.proc !== null) {
      drawHeaderLabel(ctx, L, lane.proc, L.axisH, x0 - 6, false);
      ctx.fillStyle = 'rgba(15, 23, 42, 0.18)';
      ctx.fillRect(0, L.axisH + L.laneH, L.labelW, 1);
    } else if (y < L.axisH) {
      // The header itself is partly hidden: show it whole.
      drawHeaderLabel(ctx, L, top as Proc, L.axisH, x0 - 6, st.hoverLane === v.first);
    }
  }
  ctx.restore();
  ctx.fillStyle = THEME.grid;
  ctx.fillRect(L.labelW - 1, L.axisH, 1, L.plotH);
}
