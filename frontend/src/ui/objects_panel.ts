// The objects at the playhead: each lock with holder and wait queue (request
// order), RLock depth, semaphore permits, event flags and waiters, condition
// and barrier waiters, queues with their items (queue_view.ts), pools (jobs,
// tasks done and failed), and the watched
// variables' current values. Sockets and select calls have the I/O panel.
import { isQueue, isSemaphore, type ObjectsSnapshot, type ObjState } from '../model/objects';
import { show } from '../model/diagnosis';
import { isPoolType } from '../model/pools';
import type { TraceModel } from '../model/trace';
import { clear, h, shortName } from './dom';
import { queueCard } from './queue_view';

const MAX_CHIPS = 14;

export class ObjectsPanel {
  readonly el = h('div.panel-body.objects');
  private key = '';

  constructor(private readonly follow: (tid: number) => void) {}

  render(model: TraceModel | null, snap: ObjectsSnapshot | null): void {
    if (model === null || snap === null) {
      clear(this.el, h('div.empty', null, 'Locks, semaphores, events and watched variables appear here.'));
      this.key = '';
      return;
    }
    const key = JSON.stringify([...snap.objs.values()].map((o) => [o.holders, o.waiters, o.sleepers, o.flag, o.depth, o.used, o.broken]))
      + JSON.stringify([...snap.vars.values()].map((v) => [v.value, v.writes]))
      + JSON.stringify([...snap.queues.values()].map((q) => [q.items.map((i) => i.id), q.size, q.unfinished, q.getters, q.putters, q.joiners]))
      + JSON.stringify([...snap.pools.pools.values()]);
    if (key === this.key) return;
    this.key = key;
    const chip = (tid: number, cls: string) => h(`button.chip.${cls}`, {
      type: 'button', title: `${model.threadName(tid)} — click to follow`, onclick: () => this.follow(tid),
    }, shortName(model.threadName(tid), tid));
    const chips = (tids: number[], cls: string, none: string) => tids.length === 0
      ? h('span.none', null, none)
      : h('span.chips', null, tids.slice(0, MAX_CHIPS).map((t, i) => [cls === 'waiter' ? h('span.order', null, `${i + 1}`) : null, chip(t, cls)]),
        tids.length > MAX_CHIPS ? h('span.more', null, `+${tids.length - MAX_CHIPS} more`) : null);

    const rows: HTMLElement[] = [];
    if (snap.vars.size > 0) {
      rows.push(h('div.obj.vars', null, [...snap.vars.values()].map((v) => h('div.var', null,
        h('span.var-name', null, v.name), h('span.var-eq', null, '='), h('span.var-value', null, show(v.value)),
        h('span.var-meta', null, `${v.writes} write${v.writes === 1 ? '' : 's'}`)))));
    }
    // Sockets, select sites and selectors are not synchronisation objects: the I/O panel shows them.
    const objs = [...snap.objs.values()].filter((o) => order(o) < 99).sort((a, b) => order(a) - order(b) || a.id - b.id);
    for (const o of objs) {
      const q = snap.queues.get(o.id);
      if (q !== undefined) {
        rows.push(queueCard(model, q, chips));
        continue;
      }
      const head = h('div.obj-head', null, h('span.obj-name', null, o.name), h('span.obj-type', null, o.type));
      const body: (HTMLElement | null)[] = [];
      const pool = snap.pools.pools.get(o.id);
      if (pool !== undefined) {
        const n = pool.workers;
        const unit = pool.type === 'ThreadPool' ? (n === 1 ? 'thread' : 'threads') : (n === 1 ? 'process' : 'processes');
        const state = pool.terminated ? 'terminated' : pool.closed ? 'closed' : 'open';
        head.append(h(`span.badge.${pool.terminated ? 'broken' : pool.closed ? 'clear' : 'set'}`, null, state));
        const line = (k: string, v: string, title?: string) => h('div.obj-line', title !== undefined ? { title } : null,
          h('span.k', null, k), h('span.pool-v', null, v));
        body.push(line('workers', n === null ? '?' : `${n} ${unit}`));
        const more = pool.openJobs > 0 ? '+' : '';
        body.push(line('jobs', `${pool.jobs} submitted${pool.tasks > 0 || more ? ` · ${pool.tasks}${more} task${pool.tasks === 1 && !more ? '' : 's'}` : ''}`,
          `apply_async, map, imap... calls; a map is split into tasks (chunks)${more ? '; an imap does not say how many tasks it has' : ''}`));
        body.push(line('tasks', `${pool.running} running · ${pool.done} done · ${pool.failed} failed`));
        body.push(line('results', `${pool.results} back in the pool's process`));
        if (pool.joiners.length > 0) body.push(h('div.obj-line', null, h('span.k', null, 'joining'), chips(pool.joiners, 'sleeper', 'nobody')));
        rows.push(h('div.obj', null, head, body));
        continue;
      }
      if (o.type === 'Lock' || o.type === 'RLock') {
        head.append(h(`span.badge.${o.holders.length > 0 ? 'held' : 'free'}`, null, o.holders.length > 0 ? 'held' : 'free'));
        body.push(h('div.obj-line', null, h('span.k', null, 'holder'), chips(o.holders, 'holder', 'nobody'),
          o.type === 'RLock' && o.holders.length > 0 ? h('span.depth', null, `depth ${o.depth}`) : null));
        body.push(h('div.obj-line', null, h('span.k', null, 'waiting'), chips(o.waiters, 'waiter', 'nobody')));
      } else if (isSemaphore(o)) {
        const total = o.value ?? 0;
        head.append(h('span.badge.permits', null, `${o.used} / ${total} permits used`));
        body.push(h('div.meter', { 'aria-hidden': 'true' },
          Array.from({ length: Math.min(total, 40) }, (_, i) => h(`span.cell${i < o.used ? '.on' : ''}`))));
        body.push(h('div.obj-line', null, h('span.k', null, 'holders'), chips(o.holders, 'holder', 'nobody')));
        body.push(h('div.obj-line', null, h('span.k', null, 'waiting'), chips(o.waiters, 'waiter', 'nobody')));
      } else if (o.type === 'Event') {
        head.append(h(`span.badge.${o.flag ? 'set' : 'clear'}`, null, o.flag ? 'flag set' : 'flag clear'));
        body.push(h('div.obj-line', null, h('span.k', null, 'waiting'), chips(o.sleepers, 'sleeper', 'nobody')));
      } else if (o.type === 'Condition') {
        const lock = o.lock !== null ? model.objectName(o.lock) : null;
        if (lock !== null) head.append(h('span.obj-type', null, `on ${lock}`));
        body.push(h('div.obj-line', null, h('span.k', null, 'waiting'), chips(o.sleepers, 'sleeper', 'nobody')));
      } else if (o.type === 'Barrier') {
        head.append(h(`span.badge${o.broken ? '.broken' : ''}`, null, o.broken ? 'broken' : `${o.sleepers.length} / ${o.value ?? '?'} arrived`));
        body.push(h('div.obj-line', null, h('span.k', null, 'waiting'), chips(o.sleepers, 'sleeper', 'nobody')));
      } else if (isQueue(o)) {
        head.append(h('span.badge.permits', null, `${o.size} item${o.size === 1 ? '' : 's'}${o.value ? ` / max ${o.value}` : ''}`));
        body.push(h('div.obj-line', null, h('span.k', null, 'waiting'), chips(o.sleepers, 'sleeper', 'nobody')));
      }
      rows.push(h('div.obj', null, head, body));
    }
    if (rows.length === 0) rows.push(h('div.empty', null, 'No synchronisation objects yet.'));
    clear(this.el, rows);
  }
}

function order(o: ObjState): number {
  if (isQueue(o)) return 8;
  if (isPoolType(o.type)) return 9;
  return ['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore', 'Condition', 'Event', 'Barrier'].indexOf(o.type) + 1 || 99;
}
