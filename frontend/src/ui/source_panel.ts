// The scenario's source with line numbers and, on each line, a chip per thread
// that is there at the playhead (coloured by the thread's state). Following a
// thread highlights its line and keeps it in view.
import { matchSource, threadPlaceAt } from '../model/playhead';
import { STATE_LABELS } from '../model/states';
import type { TraceModel } from '../model/trace';
import { STATE_COLORS } from '../render/palette';
import { clear, h, shortName } from './dom';

const MAX_CHIPS_PER_LINE = 8;

export class SourcePanel {
  readonly el = h('div.panel-body.source');
  private readonly tabs = h('div.source-tabs');
  private readonly code = h('div.code', { role: 'region', 'aria-label': 'Source code' });
  private files: Record<string, string> = {};
  private file: string | null = null;
  private lineEls: HTMLElement[] = [];
  private chipEls: HTMLElement[] = [];
  private key = '';

  constructor(private readonly follow: (tid: number) => void) {
    this.el.append(this.tabs, this.code);
    this.setFiles({});
  }

  setFiles(files: Record<string, string>): void {
    this.files = files;
    const keys = Object.keys(files);
    this.file = null;
    this.key = '';
    if (keys.length === 0) {
      clear(this.tabs);
      clear(this.code, h('div.empty', null, 'The source of the program appears here.'));
      this.lineEls = [];
      return;
    }
    this.show(keys[0]);
  }

  private show(file: string): void {
    if (file === this.file) return;
    this.file = file;
    this.key = '';
    const keys = Object.keys(this.files);
    clear(this.tabs, keys.length > 1 ? keys.map((k) => h('button.tab', {
      type: 'button', class: k === file ? 'active' : undefined, onclick: () => this.show(k),
    }, k.split(/[\\/]/).pop() ?? k)) : h('span.file-name', null, file.split(/[\\/]/).pop() ?? file));
    const lines = this.files[file].replace(/\n$/, '').split('\n');
    this.lineEls = [];
    this.chipEls = [];
    const frag = document.createDocumentFragment();
    lines.forEach((text, i) => {
      const chips = h('span.line-chips');
      const el = h('div.line', null, h('span.ln', null, String(i + 1)), h('span.lt', null, text === '' ? ' ' : text), chips);
      this.lineEls.push(el);
      this.chipEls.push(chips);
      frag.append(el);
    });
    clear(this.code, frag);
  }

  /** Places the thread chips for the playhead t; the followed thread's line is highlighted. */
  update(model: TraceModel | null, t: number, followTid: number | null): void {
    if (model === null || this.file === null) return;
    const keys = Object.keys(this.files);
    const byLine = new Map<number, { tid: number; state: number; name: string }[]>();
    let followLine: number | null = null;
    let followFile: string | null = null;
    for (const lane of model.lanes) {
      const p = threadPlaceAt(model, lane, t);
      if (p.line === null || p.state <= 1) continue; // not started or finished
      const f = p.file === null ? keys[0] : matchSource(p.file, keys);
      if (lane.tid === followTid) {
        followLine = p.line;
        followFile = f;
      }
      if (f !== this.file) continue;
      const list = byLine.get(p.line) ?? [];
      list.push({ tid: lane.tid, state: p.state, name: model.threadName(lane.tid) });
      byLine.set(p.line, list);
    }
    if (followFile !== null && followFile !== this.file) {
      this.show(followFile);
      this.update(model, t, followTid);
      return;
    }
    const key = JSON.stringify([...byLine.entries()]) + `|${followLine}`;
    if (key === this.key) return;
    this.key = key;
    for (const c of this.chipEls) c.replaceChildren();
    for (const el of this.lineEls) el.classList.remove('followed', 'occupied');
    for (const [line, list] of byLine) {
      const chips = this.chipEls[line - 1];
      if (chips === undefined) continue;
      this.lineEls[line - 1].classList.add('occupied');
      list.sort((a, b) => (a.tid === followTid ? -1 : b.tid === followTid ? 1 : a.tid - b.tid));
      for (const c of list.slice(0, MAX_CHIPS_PER_LINE)) {
        chips.append(h('button.tchip', {
          type: 'button', title: `${c.name}: ${STATE_LABELS[c.state]}`, class: c.tid === followTid ? 'followed' : undefined,
          style: { background: STATE_COLORS[c.state] }, onclick: () => this.follow(c.tid),
        }, shortName(c.name, c.tid)));
      }
      if (list.length > MAX_CHIPS_PER_LINE) chips.append(h('span.more', null, `+${list.length - MAX_CHIPS_PER_LINE}`));
    }
    if (followLine !== null && this.lineEls[followLine - 1] !== undefined) {
      const el = this.lineEls[followLine - 1];
      el.classList.add('followed');
      const box = this.code.getBoundingClientRect();
      const r = el.getBoundingClientRect();
      if (r.top < box.top || r.bottom > box.bottom) this.code.scrollTop += r.top - box.top - box.height / 3;
    }
  }
}
