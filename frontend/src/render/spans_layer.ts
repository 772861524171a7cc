// Draws the state bars of the visible lanes straight into an ImageData: one
// aggregated state per device-pixel column per lane, filled with typed-array
// fills. Cost is bounded by the visible pixels, not by the number of spans.
import { aggregateLane } from '../model/aggregate';
import type { Lane } from '../model/lane';
import { S } from '../model/states';
import type { Layout } from './layout';
import { rgbaWord, STATE_COLORS, THEME } from './palette';

const WORDS: number[] = [];
for (let s = 0; s <= S.blocked; s++) WORDS[s] = rgbaWord(STATE_COLORS[s] ?? '#000000');
const BG = rgbaWord(THEME.bg);
const STRIPE = rgbaWord(THEME.stripe);

export class SpansLayer {
  private img: ImageData | null = null;
  private buf: Uint32Array = new Uint32Array(0);
  private cols = new Uint8Array(0);

  /** Renders lanes [first, last) and puts the pixels at the plot's origin. */
  draw(
    ctx: CanvasRenderingContext2D, L: Layout, lanes: readonly Lane[], first: number, last: number,
    scrollY: number, t0: number, nsPerPx: number, tEnd: number,
  ): void {
    const W = Math.max(1, Math.round(L.plotW * L.dpr));
    const H = Math.max(1, Math.round(L.plotH * L.dpr));
    if (this.img === null || this.img.width !== W || this.img.height !== H) {
      this.img = ctx.createImageData(W, H);
      this.buf = new Uint32Array(this.img.data.buffer);
      this.cols = new Uint8Array(W);
    }
    const buf = this.buf;
    const cols = this.cols;
    buf.fill(BG);
    const laneH = L.laneH * L.dpr;
    const barH = Math.max(2, Math.round(L.barH * L.dpr));
    const thin = Math.max(2, Math.round(2 * L.dpr));
    const devNsPerPx = nsPerPx / L.dpr;
    for (let i = first; i < last; i++) {
      const top = Math.round(i * laneH - scrollY * L.dpr);
      const rowTop = Math.max(0, top);
      const rowBot = Math.min(H, Math.round(top + laneH));
      if (rowBot <= rowTop) continue;
      if (i % 2 === 1) buf.fill(STRIPE, rowTop * W, rowBot * W);
      aggregateLane(lanes[i], t0, devNsPerPx, W, tEnd, cols);
      const barTop = Math.max(rowTop, top + Math.round((laneH - barH) / 2));
      const barBot = Math.min(rowBot, top + Math.round((laneH - barH) / 2) + barH);
      if (barBot <= barTop) continue;
      const thinTop = Math.max(rowTop, top + Math.round((laneH - thin) / 2));
      const thinBot = Math.min(rowBot, top + Math.round((laneH - thin) / 2) + thin);
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
    ctx.putImageData(this.img, Math.round(L.labelW * L.dpr), Math.round(L.axisH * L.dpr));
  }
}
