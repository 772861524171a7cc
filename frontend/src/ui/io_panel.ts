// The I/O panel at the playhead: the sockets (state, bytes each way, who waits
// in accept/recv), every select()/selector call so far as a readiness matrix
// (one row per call, one column per socket: ○ watched, ● ready; the newest at
// the bottom, the one the playhead is in highlighted), and each selector's
// registrations with their callbacks.
import type { ObjectsSnapshot } from '../model/objects';
import type { SelectRow } from '../model/select_calls';
import { eventMaskLabel, shortSocketName, type SocketState } from '../model/sockets';
import { formatDuration } from '../model/time';
import type { TraceModel } from '../model/trace';
import { clear, h, shortName } from './dom';

const MAX_ROWS = 20;
const MAX_COLS = 12;
const MAX_SOCKETS = 40;

const ROLE_ORDER: Record<string, number> = { listener: 0, conn: 1, client: 2, socket: 3 };

export class IoPanel {
  readonly el = h('div.panel-body.io');
  private key = '';

  constructor(private readonly follow: (tid: number) => void) {}

  render(model: TraceModel | null, snap: ObjectsSnapshot | null, t: number): void {
    if (model === null || snap === null) {
      clear(this.el);
      this.key = '';
      return;
    }
    const rows = model.selects.rowsAt(model.store, t, MAX_ROWS);
    const socks = [...snap.sockets.values()];
    const key = JSON.stringify([
      socks.map((s) => [s.status, s.sent, s.received, s.waiting, s.wouldBlock, s.errors, s.blocking]),
      rows.map((r) => [r.n, r.t1 !== null]),
      [...snap.selectors.values()].map((s) => s.regs),
    ]);
    if (key === this.key) return;
    this.key = key;

    const chip = (tid: number, text: string) => h('button.chip.io-waiter', {
      type: 'button', title: `${model.threadName(tid)} — click to follow`, onclick: () => this.follow(tid),
    }, text);

    const sockets = socks.sort((a, b) => (ROLE_ORDER[a.role] ?? 9) - (ROLE_ORDER[b.role] ?? 9) || a.id - b.id);
    const sockSection = h('section.io-sockets', null, h('h3.io-title', null, `Sockets (${sockets.filter((s) => s.status !== 'closed').length} open)`),
      sockets.length === 0 ? h('div.none', null, 'no socket yet')
        : h('table.io-table', null,
          h('thead', null, h('tr', null, h('th', null, 'socket'), h('th', null, 'state'), h('th.num', null, 'sent'), h('th.num', null, 'recv'))),
          h('tbody', null, sockets.slice(0, MAX_SOCKETS).map((s) => socketRow(s, chip, model)))),
      sockets.length > MAX_SOCKETS ? h('div.more', null, `+${sockets.length - MAX_SOCKETS} more sockets`) : null);

    const regs = [...snap.selectors.values()].filter((s) => s.regs.length > 0 || s.type.endsWith('Selector'));
    const regSection = regs.length === 0 ? null : h('section.io-regs', null,
      regs.map((sel) => [
        h('h3.io-title', null, `${sel.name} (${sel.type}): ${sel.regs.length} registered`),
        sel.regs.length === 0 ? h('div.none', null, 'nothing registered') : h('ul.io-reglist', null, sel.regs.map((r) => h('li', null,
          h('span.reg-sock', null, r.sock !== null ? shortSocketName(model.objectName(r.sock)) : `fd ${r.fd}`),
          h('span.reg-ev', null, eventMaskLabel(r.events)),
          h('span.reg-arrow', null, '→'),
          h('code.reg-cb', null, r.callback !== null ? `${r.callback}()` : '—')))),
      ]));

    const selectSection = model.selects.length === 0 ? null
      : h('section.io-selects', null,
        h('h3.io-title', null, `select() calls: ${rows.length === 0 ? 'none yet' : `${rows[rows.length - 1].n} so far`}`,
          h('span.io-key', null, h('span.cell.watch', null, '○'), ' watched ', h('span.cell.ready', null, '●'), ' ready')),
        rows.length === 0 ? h('div.none', null, 'no select() call yet at the playhead') : selectMatrix(model, rows));

    clear(this.el, h('div.io-grid', null, selectSection, h('div.io-col', null, sockSection, regSection)));
    const scroller = this.el.querySelector<HTMLElement>('.io-matrix-wrap');
    if (scroller !== null) {
      scroller.scrollTop = scroller.scrollHeight;
      const cur = scroller.querySelector<HTMLElement>('tr.current');
      if (cur !== null && cur.offsetTop < scroller.scrollTop) scroller.scrollTop = cur.offsetTop - 30;
    }
  }
}

function socketRow(s: SocketState, chip: (tid: number, text: string) => HTMLElement, model: TraceModel): HTMLElement {
  const state = s.status === 'closed' ? 'closed' : s.eof ? 'peer closed' : s.status;
  return h(`tr.sock.${s.status}`, { 'data-socket': s.name },
    h('td.sock-name', { title: s.name }, shortSocketName(s.name)),
    h('td.sock-state', null, h(`span.badge.st-${s.status}`, null, state),
      s.blocking === false ? h('span.badge.nonblock', { title: 'non-blocking: calls that are not ready raise BlockingIOError' }, 'non-blocking') : null,
      s.wouldBlock > 0 ? h('span.io-note', { title: 'BlockingIOError: nothing was ready' }, ` ${s.wouldBlock}× would block`) : null,
      s.errors > 0 ? h('span.io-err', { title: s.lastError ?? '' }, ` ${s.errors} error${s.errors === 1 ? '' : 's'}`) : null,
      s.waiting.map((w) => chip(w.tid, `${shortName(model.threadName(w.tid), w.tid)} in ${w.op}()`))),
    h('td.num', null, bytes(s.sent)),
    h('td.num', null, bytes(s.received)));
}

function bytes(n: number): string {
  return n === 0 ? '—' : n < 10_000 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
}

function selectMatrix(model: TraceModel, rows: SelectRow[]): HTMLElement {
  // Columns: every socket any shown row watched, in object order (listener first: it is created first).
  const cols = [...new Set(rows.flatMap((r) => [...r.call.read, ...r.call.write]))].sort((a, b) => a - b);
  const shown = cols.slice(0, MAX_COLS);
  const threads = new Set(rows.map((r) => r.call.tid));
  const head = h('tr', null,
    h('th.num', null, '#'),
    threads.size > 1 ? h('th', null, 'thread') : null,
    shown.map((id) => h('th.sockcol', { title: model.objectName(id) }, shortSocketName(model.objectName(id)).replace(' ', '\n'))),
    cols.length > MAX_COLS ? h('th', null, `+${cols.length - MAX_COLS}`) : null,
    h('th', { title: 'how many were ready · how long the call waited' }, 'result'));
  const body = rows.map((r) => {
    const watch = new Set([...r.call.read, ...r.call.write]);
    const ready = new Set([...r.readyRead, ...r.readyWrite]);
    const waited = r.t1 === null ? '' : formatDuration(r.t1 - r.t0, 2);
    const result = r.t1 === null ? 'waiting…'
      : r.error !== null ? `error: ${r.error}`
        : r.ready === 0 ? `timeout · ${waited}`
          : `${r.ready} ready · ${waited}`;
    return h(`tr${r.current ? '.current' : ''}${r.t1 !== null && r.ready === 0 ? '.timeout' : ''}`, {
      'data-call': String(r.n), title: `call ${r.n} at ${formatDuration(r.t0, 4)}${r.t1 !== null ? `, returned at ${formatDuration(r.t1, 4)}` : ', still waiting'}`,
    },
      h('td.num', null, String(r.n)),
      threads.size > 1 ? h('td', null, shortName(model.threadName(r.call.tid), r.call.tid)) : null,
      shown.map((id) => {
        const isReady = ready.has(id);
        const mark = isReady ? '●' : watch.has(id) ? '○' : '';
        const what = isReady ? 'ready' : watch.has(id) ? (r.t1 === null ? 'watched (waiting)' : 'watched, not ready') : 'not watched';
        return h(`td.cell${isReady ? '.ready' : watch.has(id) ? '.watch' : ''}`, { title: `${model.objectName(id)}: ${what}` }, mark);
      }),
      cols.length > MAX_COLS ? h('td', null, '') : null,
      h('td.result', null, result));
  });
  return h('div.io-matrix-wrap', null, h('table.io-matrix', { 'aria-label': 'select() calls: what each watched and what was ready' }, h('thead', null, head), h('tbody', null, body)));
}
