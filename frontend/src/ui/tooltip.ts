// The hover tooltip of the timeline: the thread, its state there and for how
// long, its CPU use there, the event under the pointer with its arguments, and
// the source line; over a process header, the process and its cores in use.
import { coroKindText, waitBefore } from '../model/coroutines';
import { CPU_SAMPLE_NS, CPU_SOURCE, cpuAt } from '../model/cpu';
import { coroWaitText, describeEvent, poolTaskAt, waitDetail } from '../model/describe';
import { K } from '../model/kinds';
import type { CoroInfo, Lane } from '../model/lane';
import { threadPlaceAt } from '../model/playhead';
import type { Proc } from '../model/processes';
import { localTid, processCpuSeries } from '../model/processes';
import { STATE_LABELS, S } from '../model/states';
import { formatDuration } from '../model/time';
import type { TraceModel } from '../model/trace';
import type { HoverInfo } from '../render/timeline';
import { coroColor, CPU_COLORS, STATE_COLORS } from '../render/palette';
import { clear, h } from './dom';

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** "over the 10 ms sample here" / "averaged over the 40 ms under the pointer". */
function windowText(window: number): string {
  return window <= CPU_SAMPLE_NS ? `in the ${formatDuration(CPU_SAMPLE_NS, 2)} sample here` : `averaged over the ${formatDuration(window, 2)} under the pointer`;
}

/** A small gauge filled to `share` (0..1) of its width. */
function gauge(share: number): HTMLElement {
  const p = Math.round(Math.max(0, Math.min(1, share)) * 100);
  return h('span.cpu-swatch', { style: { background: `linear-gradient(to right, ${CPU_COLORS.track} ${p}%, transparent ${p}%)` } });
}

export class Tooltip {
  readonly el = h('div.tooltip', { role: 'tooltip' });

  constructor() {
    this.el.hidden = true;
  }

  show(model: TraceModel, info: HoverInfo | null, x: number, y: number): void {
    if (info === null) {
      this.el.hidden = true;
      return;
    }
    const rows = info.proc !== null ? this.processRows(model, info.proc, info) : info.lane !== null ? this.laneRows(model, info.lane, info) : [];
    clear(this.el, rows);
    this.el.hidden = false;
    const r = this.el.getBoundingClientRect();
    const left = Math.min(x + 16, window.innerWidth - r.width - 8);
    const top = y + 18 + r.height > window.innerHeight ? y - r.height - 12 : y + 18;
    this.el.style.left = `${Math.max(4, left)}px`;
    this.el.style.top = `${Math.max(4, top)}px`;
  }

  private laneRows(model: TraceModel, lane: Lane, info: HoverInfo): (HTMLElement | null)[] {
    const { span } = info;
    const proc = lane.proc !== null && model.processRows > 0 ? ` · ${lane.proc.label}` : '';
    const coro = lane.coro;
    const where = coro === null ? `thread ${localTid(lane.tid)}${proc}` : `${coroKindText(coro.kind, coro.raw)} in ${model.threadName(coro.thread.tid)}`;
    const rows: (HTMLElement | null)[] = [h('div.tt-title', null, lane.name, h('span.tt-tid', null, ` · ${where}`))];
    if (span !== null && coro !== null) {
      // A coroutine: running (switched in from ...), suspended (... runs instead), finished.
      let what = STATE_LABELS[span.state] ?? 'unknown';
      const other = span.obj >= 0 ? model.coros.name(span.obj) : null;
      if (other !== null && span.state === S.running) what += `, switched in from ${other}`;
      else if (other !== null && span.state === S.suspended) what += `: ${other} runs instead`;
      if (span.state === S.suspended) {
        const waits = waitBefore(coro, span.seq, span.index > 0 ? lane.seqs.data[span.index - 1] : -1);
        if (waits !== null) what += ` — ${waits}`;
      } else if (span.state > S.running) {
        // Blocked on a lock, waiting on an event...: the coroutine is the actor (coroutines.ts).
        what = coroWaitText(model, span.state, span.obj, span.seq, info.t) ?? what;
      }
      rows.push(h('div.tt-state', null, h('span.swatch', { style: { background: STATE_COLORS[span.state] } }), what));
      rows.push(h('div.tt-dim', null, `for ${formatDuration(span.end - span.start)} (${formatDuration(span.start, 4)} → ${formatDuration(span.end, 4)})`));
      const scheduler = blockedScheduler(coro, span.state, span.end - span.start);
      if (scheduler !== null) {
        rows.push(h('div.tt-warn', null, `it ran ${formatDuration(span.end - span.start)} without switching away: ${scheduler} and every other coroutine of this thread waited meanwhile`));
      }
    } else if (span !== null) {
      let what = STATE_LABELS[span.state] ?? 'unknown';
      const joins = span.state === S.joiningProcess || span.state === S.joiningPool;
      const detail = span.state === S.waitQueue || span.state === S.waitIO || joins ? waitDetail(model, span.seq) : null;
      // A pool worker inside a task: say which, and who submitted it.
      const task = span.state > S.finished ? poolTaskAt(model, lane.tid, info.t) : null;
      if (task !== null && span.state === S.running) what = `running ${task}`;
      else if (detail !== null && joins) what += ` ${detail}`;
      else if (detail !== null) what = `${span.state === S.waitQueue ? 'waiting' : 'waiting for I/O'} ${detail}`;
      else if (span.obj >= 0 && span.state === S.joining) what += ` ${model.threadName(span.obj)}`;
      else if (span.obj >= 0 && span.state >= S.waitEvent) what += ` ${model.objectName(span.obj)}`;
      rows.push(h('div.tt-state', null, h('span.swatch', { style: { background: STATE_COLORS[span.state] } }), what));
      rows.push(h('div.tt-dim', null, `for ${formatDuration(span.end - span.start)} (${formatDuration(span.start, 4)} → ${formatDuration(span.end, 4)})`));
      if (task !== null && span.state !== S.running) rows.push(h('div.tt-sentence', null, `in ${task}`));
    }
    if (coro === null && lane.coroRuns !== null && span !== null && span.state > S.finished) {
      const id = lane.coroAt(info.t);
      const c = id >= 0 ? model.coros.lanes.get(id) : undefined;
      if (c !== undefined && c.coro !== null) {
        rows.push(h('div.tt-sentence', null, h('span.swatch', { style: { background: coroColor(c.coro.order, c.coro.raw, c.coro.kind) } }), ` running coroutine ${c.name}`));
      }
    }
    const alive = lane.cpu !== null && span !== null && span.state > S.finished;
    if (alive && lane.cpu !== null) {
      const c = cpuAt([lane.cpu], info.t, info.nsPerPx);
      const waiting = c.wait >= 0.005 ? `, runnable but waiting for a core ${pct(c.wait)}` : '';
      rows.push(h('div.tt-cpu', null, gauge(c.on), `CPU: on a core ${pct(c.on)}${waiting}`));
      rows.push(h('div.tt-dim', null, `${windowText(c.window)}; ${formatDuration(lane.cpu.totalOn, 3)} on a core in all`));
    }
    if (info.seq >= 0) {
      const s = model.store;
      const kind = s.kindName(info.seq);
      const a = s.argsOf(info.seq);
      const obj = s.obj.data[info.seq];
      const parts = Object.entries(a).filter(([k, v]) => v !== null && k !== 'file' && k !== 'line' && k !== 'native')
        .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v) : JSON.stringify(v)}`);
      const sentence = describeEvent(model, info.seq);
      if (sentence !== null) rows.push(h('div.tt-sentence', null, sentence));
      rows.push(h('div.tt-event', null, h('strong', null, kind), obj >= 0 ? ` ${model.objectName(obj)}` : '', parts.length ? ` ${parts.join(' ')}` : ''));
      rows.push(h('div.tt-dim', null, `event #${info.seq} at ${formatDuration(s.t.data[info.seq], 4)}`));
      if (s.kind.data[info.seq] === K.print) rows.push(h('div.tt-print', null, String(a.text ?? '')));
    }
    if (coro !== null) {
      if (coro.line !== null) rows.push(h('div.tt-where', null, `${(coro.file ?? '').split(/[\\/]/).pop() ?? ''}:${coro.line}`));
      rows.push(h('div.tt-dim', null, `switched to ${coro.switches} time${coro.switches === 1 ? '' : 's'} so far`));
      return rows;
    }
    const place = threadPlaceAt(model, lane, info.t);
    if (place.line !== null) rows.push(h('div.tt-where', null, `${(place.file ?? '').split(/[\\/]/).pop() ?? ''}:${place.line}`));
    if (alive) rows.push(h('div.tt-note', null, `CPU: time on a core, ${CPU_SOURCE}.`));
    return rows;
  }

  private processRows(model: TraceModel, p: Proc, info: HoverInfo): (HTMLElement | null)[] {
    const rows: (HTMLElement | null)[] = [h('div.tt-title', null, p.label, h('span.tt-tid', null, ' · process'))];
    const detail = p.detail();
    if (detail !== '') rows.push(h('div.tt-sentence', null, detail));
    const life: string[] = [];
    if (!Number.isNaN(p.beginT)) life.push(`began at ${formatDuration(p.beginT, 4)}`);
    if (p.ended) life.push(`gone at ${formatDuration(p.endT, 4)}`);
    const threads = `${p.lanes.length} thread${p.lanes.length === 1 ? '' : 's'}`;
    rows.push(h('div.tt-dim', null, [threads, ...life].join(' · ')));
    const series = processCpuSeries(p);
    if (series.length > 0) {
      const end = Number.isNaN(p.endT) ? model.endTime : p.endT;
      const begin = Number.isNaN(p.beginT) ? (p.lanes[0]?.beginT ?? 0) : p.beginT;
      if (info.t >= begin && info.t <= end) {
        const c = cpuAt(series, info.t, info.nsPerPx);
        const waiting = c.wait >= 0.005 ? `; runnable but waiting for a core: ${c.wait.toFixed(2)}` : '';
        rows.push(h('div.tt-cpu', null, gauge(c.on / info.coresScale), `Cores in use: ${c.on.toFixed(2)}${waiting}`));
        rows.push(h('div.tt-dim', null, `sum over its threads, ${windowText(c.window)}; the header's height is ${info.coresScale} core${info.coresScale === 1 ? '' : 's'}`));
      }
      rows.push(h('div.tt-dim', null, `${formatDuration(p.cpuNs(), 3)} on a core in all`));
      rows.push(h('div.tt-note', null, `CPU: time on a core, ${CPU_SOURCE}.`));
    }
    rows.push(h('div.tt-note', null, 'Click the name to follow its main thread.'));
    return rows;
  }
}

/** A gevent greenlet or asyncio task that runs this long blocks its hub or loop (gevent's max_blocking_time, asyncio's slow_callback_duration). */
const BLOCKING_NS = 100e6;

/** "the hub" or "the event loop" when a running span of `coro` this long blocked it, else null. */
function blockedScheduler(coro: CoroInfo, state: number, duration: number): string | null {
  if (state !== S.running || duration < BLOCKING_NS) return null;
  if (coro.kind === 'gevent' && coro.raw !== 'Hub') return 'the hub';
  if (coro.kind === 'asyncio' && coro.raw !== 'event loop') return 'the event loop';
  return null;
}
