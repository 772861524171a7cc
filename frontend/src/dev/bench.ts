// Page modes for the benchmarks (bench/timeline_frames.py drives them):
// ?bench=frames&lanes=1000&events=1000000 builds a synthetic trace in the page
// (&coros=10000: that many greenlets of one thread instead of threads; &overview=1: All lanes)
// and exposes window.concvizBench.frames(n), which zooms and pans for n
// animation frames and reports how long each draw took.
import type { App } from '../ui/app';
import { TraceModel } from '../model/trace';
import { synthCoroutines, synthModel } from './synth';

interface FrameReport {
  draws: number[];
  intervals: number[];
}

export function runBench(app: App, mode: string, params: Record<string, number>): void {
  if (mode === 'ingest') {
    ingestBench(app, params);
    return;
  }
  const lanes = params.lanes ?? 1000;
  const events = params.events ?? 1_000_000;
  document.getElementById('app')?.classList.add('no-sidebar');
  const t0 = performance.now();
  const coros = params.coros ?? 0;
  const model = coros > 0 ? synthCoroutines(coros, events) : synthModel({ lanes, events });
  const buildMs = performance.now() - t0;
  const what = coros > 0 ? `${coros} coroutines of one thread` : `${lanes} threads`;
  app.openModel(model, `benchmark: ${what}, ${events.toLocaleString()} events`);
  const tl = app.timeline;
  if (params.overview === 1) tl.overview = true; // &overview=1: the All lanes view
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

/**
 * ?bench=ingest&events=300000&batch=512&lanes=100: feeds WebSocket-shaped
 * JSON messages ({"type":"events","events":[...]}) through JSON.parse, the
 * model's ingest and the app's per-frame update, one message per task as a
 * socket would deliver them, while the timeline redraws live.
 */
function ingestBench(app: App, params: Record<string, number>): void {
  document.getElementById('app')?.classList.add('no-sidebar');
  const total = params.events ?? 300_000;
  const batch = params.batch ?? 512;
  const lanes = params.lanes ?? 100;
  // Generate the messages first (as the server would have them ready), outside the timing.
  const src = synthModel({ lanes, events: total });
  const s = src.store;
  const messages: string[] = [];
  for (let i = 0; i < s.length; i += batch) {
    const evs = [];
    for (let j = i; j < Math.min(s.length, i + batch); j++) {
      evs.push({ seq: j, t: s.t.data[j], pid: 1, tid: s.tid.data[j], kind: s.kindName(j), obj: s.obj.data[j] < 0 ? null : s.obj.data[j], args: s.argsOf(j) });
    }
    messages.push(JSON.stringify({ type: 'events', events: evs }));
  }
  const api = {
    ready: true,
    messages: messages.length,
    run(): Promise<{ ms: number; events: number; intervals: number[]; drawn: number }> {
      const model = new TraceModel();
      app.openModel(model, `ingest benchmark: ${total.toLocaleString()} events in batches of ${batch}`);
      const intervals: number[] = [];
      let last = performance.now();
      let frames = true;
      const onFrame = (now: number) => {
        intervals.push(now - last);
        last = now;
        if (frames) requestAnimationFrame(onFrame);
      };
      requestAnimationFrame(onFrame);
      const drawsBefore = app.timeline.drawTimes.length;
      const start = performance.now();
      const channel = new MessageChannel();
      let i = 0;
      return new Promise((resolve) => {
        channel.port1.onmessage = () => {
          const msg = JSON.parse(messages[i++]) as { events: Parameters<TraceModel['ingest']>[0] };
          model.ingest(msg.events);
          if (params.ui !== 0) app.scheduleUpdate();
          if (i < messages.length) channel.port2.postMessage(0);
          else {
            const ms = performance.now() - start;
            requestAnimationFrame(() => {
              frames = false;
              resolve({ ms, events: model.eventCount, intervals: intervals.slice(1), drawn: app.timeline.drawTimes.length - drawsBefore });
            });
          }
        };
        channel.port2.postMessage(0);
      });
    },
  };
  (window as unknown as { concvizBench: typeof api }).concvizBench = api;
}
