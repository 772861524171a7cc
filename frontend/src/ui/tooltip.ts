// The hover tooltip of the timeline: the thread, its state there and for how
// long, the event under the pointer with its arguments, and the source line.
import { describeEvent, waitDetail } from '../model/describe';
import { K } from '../model/kinds';
import { threadPlaceAt } from '../model/playhead';
import { STATE_LABELS, S } from '../model/states';
import { formatDuration } from '../model/time';
import type { TraceModel } from '../model/trace';
import type { HoverInfo } from '../render/timeline';
import { STATE_COLORS } from '../render/palette';
import { clear, h } from './dom';

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
    const { lane, span } = info;
    const rows: (HTMLElement | null)[] = [h('div.tt-title', null, lane.name, h('span.tt-tid', null, ` · thread ${lane.tid}`))];
    if (span !== null) {
      let what = STATE_LABELS[span.state] ?? 'unknown';
      const detail = span.state === S.waitQueue || span.state === S.waitIO ? waitDetail(model, span.seq) : null;
      if (detail !== null) what = `${span.state === S.waitQueue ? 'waiting' : 'waiting for I/O'} ${detail}`;
      else if (span.obj >= 0 && span.state === S.joining) what += ` ${model.threadName(span.obj)}`;
      else if (span.obj >= 0 && span.state >= S.waitEvent) what += ` ${model.objectName(span.obj)}`;
      rows.push(h('div.tt-state', null, h('span.swatch', { style: { background: STATE_COLORS[span.state] } }), what));
      rows.push(h('div.tt-dim', null, `for ${formatDuration(span.end - span.start)} (${formatDuration(span.start, 4)} → ${formatDuration(span.end, 4)})`));
    }
    if (info.seq >= 0) {
      const s = model.store;
      const kind = s.kindName(info.seq);
      const a = s.argsOf(info.seq);
      const obj = s.obj.data[info.seq];
      const parts = Object.entries(a).filter(([k, v]) => v !== null && k !== 'file' && k !== 'line')
        .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v) : JSON.stringify(v)}`);
      const sentence = describeEvent(model, info.seq);
      if (sentence !== null) rows.push(h('div.tt-sentence', null, sentence));
      rows.push(h('div.tt-event', null, h('strong', null, kind), obj >= 0 ? ` ${model.objectName(obj)}` : '', parts.length ? ` ${parts.join(' ')}` : ''));
      rows.push(h('div.tt-dim', null, `event #${info.seq} at ${formatDuration(s.t.data[info.seq], 4)}`));
      if (s.kind.data[info.seq] === K.print) rows.push(h('div.tt-print', null, String(a.text ?? '')));
    }
    const place = threadPlaceAt(model, lane, info.t);
    if (place.line !== null) rows.push(h('div.tt-where', null, `${(place.file ?? '').split(/[\\/]/).pop() ?? ''}:${place.line}`));
    clear(this.el, rows);
    this.el.hidden = false;
    const r = this.el.getBoundingClientRect();
    const left = Math.min(x + 16, window.innerWidth - r.width - 8);
    const top = y + 18 + r.height > window.innerHeight ? y - r.height - 12 : y + 18;
    this.el.style.left = `${Math.max(4, left)}px`;
    this.el.style.top = `${Math.max(4, top)}px`;
  }
}
