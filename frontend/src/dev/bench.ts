// Page modes for the benchmarks (bench/timeline_frames.py drives them):
// ?bench=frames&lanes=1000&events=1000000 builds a synthetic trace in the page
// and exposes window.concvizBench.frames(n), which zooms and pans for n
// animation frames and reports how long each draw took.
import type { App } from '../ui/app';
import { synthModel } from './synth';

interface FrameReport {
  draws: number[];
  intervals: number[];
}

export function runBench(app: App, mode: string, params: Record<string, number>): void {
  const lanes = params.lanes ?? 1000;
  const events = params.events ?? 1_000_000;
  const t0 = performance.now();
  const model = synthModel({ lanes, events });
  const buildMs = performance.now() - t0;
  app.openModel(model, `benchmark: ${lanes} threads, ${events.toLocaleString()} events`);
  const tl = app.timeline;
  const api = {
    mode,
    ready: true,
    buildMs,
    events: model.eventCount,
    lanes: model.lanes.length,
    bytesPerEvent: 21,
    /** Zooms in, pans, zooms out and scrolls lanes for n frames; one draw per frame. */
    frames(n: number): Promise<FrameReport> {
      return new Promise((resolve) => {
        const draws: number[] = [];
        const intervals: number[] = [];
        let last = performance.now();
        let i = 0;
        tl.autoFit = true;
        tl.draw();
        tl.autoFit = false;
        const tick = (now: number) => {
          intervals.push(now - last);
          last = now;
          const phase = Math.floor(i / 60) % 4;
          const w = tl.layout.plotW;
          if (phase === 0) tl.zoom(1.08, w * 0.3);
          else if (phase === 1) tl.pan(w * 0.02);
          else if (phase === 2) tl.zoom(1 / 1.08, w * 0.6);
          else {
            tl.scrollBy(tl.layout.laneH * 3);
            tl.pan(-w * 0.01);
          }
          draws.push(tl.draw());
          i++;
          if (i < n) requestAnimationFrame(tick);
          else resolve({ draws, intervals: intervals.slice(1) });
        };
        requestAnimationFrame(tick);
      });
    },
  };
  (window as unknown as { concvizBench: typeof api }).concvizBench = api;
}
