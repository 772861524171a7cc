// The program's output up to the playhead, each line prefixed with its thread
// in that thread's colour; stderr in red.
import { outputAt } from '../model/playhead';
import type { TraceModel } from '../model/trace';
import { threadColor } from '../render/palette';
import { clear, h, shortName } from './dom';

export class OutputPanel {
  readonly el = h('div.panel-body.output', { role: 'log', 'aria-label': 'Program output' });
  private key = '';

  render(model: TraceModel | null, t: number): void {
    if (model === null) {
      clear(this.el, h('div.empty', null, 'What the program prints appears here.'));
      this.key = '';
      return;
    }
    const lines = outputAt(model, t, 400);
    const key = `${lines.length}:${lines.length > 0 ? lines[lines.length - 1].seq : -1}`;
    if (key === this.key) return;
    this.key = key;
    if (lines.length === 0) {
      clear(this.el, h('div.empty', null, model.prints.length > 0 ? 'Nothing printed yet at the playhead.' : 'The program printed nothing.'));
      return;
    }
    clear(this.el, lines.map((l) => h(`div.out-line${l.stderr ? '.stderr' : ''}`, null,
      h('span.out-thread', { style: { color: threadColor(l.tid) }, title: model.threadName(l.tid) }, shortName(model.threadName(l.tid), l.tid)),
      h('span.out-text', null, l.text.replace(/\n$/, '')))));
    this.el.scrollTop = this.el.scrollHeight;
  }
}
