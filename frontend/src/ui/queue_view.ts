// One queue in the objects panel: its items as boxes in the order they come
// out (a stack for LifoQueue, priority order for PriorityQueue), coloured by
// the thread that put them; capacity, unfinished tasks, and who waits.
import { discipline, orderedItems, tracksTasks, type QueueItem, type QueueState } from '../model/queues';
import type { TraceModel } from '../model/trace';
import { coroColor, threadColor } from '../render/palette';
import { h, shortName } from './dom';

/** Boxes drawn before "+N more" (a queue of thousands stays one line). */
const MAX_BOXES = 12;
/** Empty slots drawn up to a bounded queue's maxsize, at most this many. */
const MAX_SLOTS = 12;

function cut(s: string, n = 22): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

type Chips = (tids: number[], cls: string, none: string) => HTMLElement;

export function queueCard(model: TraceModel, q: QueueState, chips: Chips): HTMLElement {
  const kind = discipline(q.type);
  const bounded = q.maxsize !== null && q.maxsize > 0;
  const count = Math.max(q.size, q.items.length);
  const full = bounded && count >= (q.maxsize ?? 0);
  const head = h('div.obj-head', null,
    h('span.obj-name', null, q.name), h('span.obj-type', null, q.type),
    h(`span.badge.qsize${full ? '.full' : count === 0 ? '.empty' : ''}`, { 'data-testid': 'queue-size' },
      `${count} / ${bounded ? q.maxsize : '∞'} item${(bounded ? q.maxsize : count) === 1 ? '' : 's'}`),
    tracksTasks(q.type, q.crossProcess) ? h('span.badge.unfinished', { 'data-testid': 'queue-unfinished', title: 'Tasks put but not yet task_done(): join() returns at 0' },
      `${q.unfinished} unfinished`) : null);

  const items = orderedItems(q);
  const box = (it: QueueItem, i: number) => {
    const c = it.tid < 0 ? model.actorLane(it.tid)?.coro : null; // put by a coroutine (an actor id): its colour
    const color = c ? coroColor(c.order, c.raw, c.kind) : threadColor(it.tid);
    const who = model.threadName(it.tid);
    return h('div.qitem', {
      title: `${it.repr}\nput by ${who}${i === 0 ? '\nthe next get() takes this one' : ''}`,
      style: { borderColor: color, background: `${color}1f` },
    }, h('span.qitem-repr', null, cut(it.repr)), h('span.qitem-by', { style: { color } }, shortName(who, it.tid)));
  };
  const unknown = count - items.length; // items put before recording began
  const shown = items.slice(0, MAX_BOXES).map(box);
  const more = items.length > MAX_BOXES ? h('span.more', null, `+${items.length - MAX_BOXES} more`) : null;
  const extra = unknown > 0 ? h('span.more', null, `+${unknown} put before recording`) : null;
  const slots = bounded ? Math.min(MAX_SLOTS, Math.max(0, (q.maxsize ?? 0) - count)) : 0;
  const empties = Array.from({ length: kind === 'lifo' ? 0 : slots }, () => h('div.qslot', { 'aria-hidden': 'true' }));

  let body: HTMLElement;
  if (kind === 'lifo') {
    body = h('div.qstack', { 'aria-label': `${q.name}: a stack, the top comes out first` },
      h('div.qend', null, items.length > 0 ? 'top ↑ next out' : 'empty stack'),
      shown, more, extra,
      bounded ? h('div.qend', null, `room for ${Math.max(0, (q.maxsize ?? 0) - count)} more`) : null);
  } else {
    body = h('div.qrow', { 'aria-label': `${q.name}: items in the order they come out` },
      h('span.qend', null, kind === 'priority' ? 'next out\n(lowest)' : 'out ←'),
      items.length === 0 && slots === 0 ? h('span.none', null, 'empty') : null,
      shown, more, extra, empties,
      h('span.qend', null, kind === 'priority' ? '' : '← in'));
  }
  // Who waits, in request order: getters on an empty queue, putters on a full one, joiners for unfinished tasks.
  const lines = h('div.obj-line.qwaits', null,
    h('span.qk', null, 'waiting in get()'), chips(q.getters, 'waiter', 'nobody'),
    h('span.qk', null, 'put()'), chips(q.putters, 'waiter', 'nobody'),
    q.joiners.length > 0 ? [h('span.qk', null, 'join()'), chips(q.joiners, 'sleeper', 'nobody')] : null);
  return h('div.obj.queue', { 'data-queue': q.name }, head, body, lines);
}
