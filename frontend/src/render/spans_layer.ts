// Draws the visible rows straight into an ImageData: per lane, one aggregated
// state per device-pixel column filled with typed-array fills, and under it the
// thread's CPU strip (mean on-core and runnable-waiting fractions per
// column); per process header, its band and its "cores in use" (the sum of its
// threads' strips). Cost is bounded by the visible pixels, not by the number
// of spans or samples.
import { aggregateLane } from '../model/aggregate';
import { cpuColumns } from '../model/cpu';
import { Lane } from '../model/lane';
import type { Proc } from '../model/processes';
import { S } from '../model/states';
import type { Row } from '../model/trace';
import type { Layout } from './layout';
import { CPU_COLORS, rgbaWord, STATE_COLORS, THEME, themeVersion } from './palette';

const WORDS: number[] = [];
for (let s = 0; s <= S.blocked; s++) WORDS[s] = rgbaWord(STATE_COLORS[s] ?? '#000000');
// The theme's colours (render/palette.ts setCanvasTheme), refreshed when it changes.
let BG = 0;
let STRIPE = 0;
let HEAD = 0;
let HEAD_OFF = 0;
let HEAD_LINE = 0;
let ON = 0;
let WAIT = 0;
let WAIT_LIGHT = 0;
let TRACK = 0;
let GRID = 0;
let coloursOf = -1;

function refreshColours(): void {
  if (coloursOf === themeVersion) return;
  coloursOf = themeVersion;
  BG = rgbaWord(THEME.bg);
  STRIPE = rgbaWord(THEME.stripe);
  HEAD = rgbaWord(THEME.processBand);
  HEAD_OFF = rgbaWord(THEME.processBandOff);
  HEAD_LINE = rgbaWord(THEME.processLine);
  ON = rgbaWord(CPU_COLORS.on);
  WAIT = rgbaWord(CPU_COLORS.wait);
  WAIT_LIGHT = rgbaWord(CPU_COLORS.waitLight);
  TRACK = rgbaWord(CPU_COLORS.track);
  GRID = rgbaWord(CPU_COLORS.grid);
}

/** Pixels of a strip of height h for a share f: rounded, but a share of 5% or more never vanishes. */
function stripPixels(f: number, h: number): number {
  const p = Math.round(f * h);
  return p === 0 && f >= 0.05 ? 1 : p;
}

/** Runnable-but-waiting is hatched: diagonal stripes two pixels wide. */
function hatch(x: number, y: number): number {
  return ((x + y) & 3) < 2 ? WAIT : WAIT_LIGHT;
}

export class SpansLayer {
  private img: ImageData | null = null;
  private buf: Uint32Array = new Uint32Array(0);
  private cols = new Uint8Array(0);
  private on = new Float32Array(0);
  private wait = new Float32Array(0);
  /** The cores scale of the process headers (0..n): grows to the most seen, so headers stay comparable. */
  coresScale = 1;

  /** Forgets the cores scale (a new trace). */
  reset(): void {
    this.coresScale = 1;
  }

  /** Renders rows [first, last) and puts the pixels at the plot's origin. */
  draw(
    ctx: CanvasRenderingContext2D, L: Layout, rows: readonly Row[], first: number, last: number,
    scrollY: number, t0: number, nsPerPx: number, tEnd: number,
  ): void {
    const W = Math.max(1, Math.round(L.plotW * L.dpr));
    const H = Math.max(1, Math.round(L.plotH * L.dpr));
    if (this.img === null || this.img.width !== W || this.img.height !== H) {
      this.img = ctx.createImageData(W, H);
      this.buf = new Uint32Array(this.img.data.buffer);
      this.cols = new Uint8Array(W);
      this.on = new Float32Array(W);
      this.wait = new Float32Array(W);
    }
    refreshColours();
    const buf = this.buf;
    buf.fill(BG);
    const laneH = L.laneH * L.dpr;
    const devNsPerPx = nsPerPx / L.dpr;
    for (let i = first; i < last; i++) {
      const top = Math.round(i * laneH - scrollY * L.dpr);
      const rowTop = Math.max(0, top);
      const rowBot = Math.min(H, Math.round(top + laneH));
      if (rowBot <= rowTop) continue;
      const row = rows[i];
      if (row instanceof Lane) this.drawLane(L, row, i, top, rowTop, rowBot, W, t0, devNsPerPx, tEnd);
      else this.drawHeader(L, row, top, rowTop, rowBot, W, t0, devNsPerPx, tEnd);
    }
    ctx.putImageData(this.img, Math.round(L.labelW * L.dpr), Math.round(L.axisH * L.dpr));
  }

  private drawLane(
    L: Layout, lane: Lane, i: number, top: number, rowTop: number, rowBot: number, W: number,
    t0: number, devNsPerPx: number, tEnd: number,
  ): void {
    const buf = this.buf;
    const cols = this.cols;
    if (i % 2 === 1) buf.fill(STRIPE, rowTop * W, rowBot * W);
    aggregateLane(lane, t0, devNsPerPx, W, tEnd, cols);
    const barH = Math.max(2, Math.round(L.barH * L.dpr));
    const thin = Math.max(2, Math.round(2 * L.dpr));
    const mid = top + L.barMid * L.dpr;
    const barTop = Math.max(rowTop, Math.round(mid - barH / 2));
    const barBot = Math.min(rowBot, Math.round(mid - barH / 2) + barH);
    if (barBot > barTop) {
      const thinTop = Math.max(rowTop, Math.round(mid - thin / 2));
      const thinBot = Math.min(rowBot, Math.round(mid - thin / 2) + thin);
      // Paint one row of the bar, then copy it down: one fill per run, not per run and row.
      const row0 = barTop * W;
      let finishedRuns = 0;
      let x = 0;
      while (x < W) {
        const s = cols[x];
        let x1 = x + 1;
        while (x1 < W && cols[x1] === s) x1++;
        if (s > S.finished) buf.fill(WORDS[s], row0 + x, row0 + x1);
        else if (s === S.finished) finishedRuns++;
        x = x1;
      }
      for (let y = barTop + 1; y < barBot; y++) buf.copyWithin(y * W, row0, row0 + W);
      if (finishedRuns > 0) {
        // A finished thread is a thin grey line: present, but out of the way.
        x = 0;
        while (x < W) {
          const s = cols[x];
          let x1 = x + 1;
          while (x1 < W && cols[x1] === s) x1++;
          if (s === S.finished) for (let y = thinTop; y < thinBot; y++) buf.fill(WORDS[s], y * W + x, y * W + x1);
          x = x1;
        }
      }
    }
    if (L.cpuH <= 0 || lane.cpu === null) return;
    // The CPU strip: a grey track while the thread is alive, filled from the bottom by its share of a core.
    const stripTop = Math.max(rowTop, Math.round(top + (L.barMid + L.barH / 2 + 1) * L.dpr));
    const stripBot = Math.min(rowBot, Math.round(top + (L.barMid + L.barH / 2 + 1 + L.cpuH) * L.dpr));
    const stripH = stripBot - stripTop;
    if (stripH <= 0) return;
    const on = this.on;
    const wait = this.wait;
    on.fill(0);
    wait.fill(0);
    cpuColumns(lane.cpu, t0, devNsPerPx, W, tEnd, on, wait);
    for (let x = 0; x < W; x++) {
      const st = cols[x];
      const f = Math.min(1, on[x]);
      const w = Math.min(1 - f, wait[x]);
      if (st <= S.finished && f <= 0 && w <= 0) continue;
      const hOn = stripPixels(f, stripH);
      const hW = Math.min(stripH - hOn, stripPixels(w, stripH));
      const onTop = stripBot - hOn;
      const wTop = onTop - hW;
      for (let y = stripTop; y < stripBot; y++) {
        buf[y * W + x] = y >= onTop ? ON : y >= wTop ? hatch(x, y) : TRACK;
      }
    }
  }

  private drawHeader(
    L: Layout, p: Proc, top: number, rowTop: number, rowBot: number, W: number,
    t0: number, devNsPerPx: number, tEnd: number,
  ): void {
    const buf = this.buf;
    // The band is darker while the process exists.
    const begin = Number.isNaN(p.beginT) ? (p.lanes[0]?.beginT ?? 0) : p.beginT;
    const end = Number.isNaN(p.endT) ? tEnd : p.endT;
    const xa = Math.max(0, Math.min(W, Math.floor((begin - t0) / devNsPerPx)));
    const xb = Math.max(xa, Math.min(W, Math.ceil((end - t0) / devNsPerPx)));
    for (let y = rowTop; y < rowBot; y++) {
      const r = y * W;
      buf.fill(HEAD_OFF, r, r + xa);
      buf.fill(HEAD, r + xa, r + xb);
      buf.fill(HEAD_OFF, r + xb, r + W);
    }
    const line = Math.max(1, Math.round(L.dpr));
    if (top >= 0) buf.fill(HEAD_LINE, rowTop * W, Math.min(rowBot, rowTop + line) * W);
    // Cores in use: the sum of the process's threads' strips.
    const on = this.on;
    const wait = this.wait;
    on.fill(0);
    wait.fill(0);
    let any = false;
    for (const l of p.lanes) {
      if (l.cpu === null) continue;
      any = true;
      cpuColumns(l.cpu, t0, devNsPerPx, W, tEnd, on, wait);
    }
    if (!any) return;
    let peak = 0;
    for (let x = 0; x < W; x++) if (on[x] > peak) peak = on[x];
    // A little slack: 1.02 cores of jitter is still "one core".
    if (peak > this.coresScale + 0.05) this.coresScale = Math.ceil(peak - 0.05);
    const n = this.coresScale;
    const bottom = Math.round(top + (L.laneH - 2) * L.dpr);
    const h = bottom - Math.round(top + 4 * L.dpr);
    const areaBot = Math.min(rowBot, bottom);
    const areaTop = Math.max(rowTop, bottom - h);
    if (h <= 0 || areaBot <= areaTop) return;
    // Grid lines at each whole core, where they are far enough apart to read.
    if (h / n >= 8 * L.dpr) {
      for (let k = 1; k <= n; k++) {
        const y = Math.round(bottom - (k / n) * h);
        if (y >= areaTop && y < areaBot) buf.fill(GRID, y * W, y * W + W);
      }
    }
    for (let x = 0; x < W; x++) {
      const c = Math.min(n, on[x]);
      const w = Math.min(n - c, wait[x]);
      if (c <= 0 && w <= 0) continue;
      const hOn = stripPixels(c / n, h);
      const hW = Math.min(h - hOn, stripPixels(w / n, h));
      const onTop = bottom - hOn;
      const wTop = onTop - hW;
      for (let y = Math.max(areaTop, wTop); y < areaBot; y++) buf[y * W + x] = y >= onTop ? ON : hatch(x, y);
    }
  }
}
