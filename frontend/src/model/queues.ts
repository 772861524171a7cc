// Queues: what a queue holds at any moment (a pure fold over queue.* events,
// run inside the object tracker's checkpointed fold) and the put → get links
// the timeline draws as arrows. Neighbours: objects.ts (the fold's driver),
// trace.ts (which feeds QueueIndex while ingesting).
import { Arrows } from './arrows';
import { K } from './kinds';
import type { Args } from './store';

export type Discipline = 'fifo' | 'lifo' | 'priority';

export interface QueueItem {
  /** The number the recorder gave the item (its put's args.id). */
  id: number;
  /** The item's repr (cut by the recorder). */
  repr: string;
  /** Who put it: the thread, or the coroutine running on it (an actor id, lane.ts). */
  tid: number;
  /** The put's seq. */
  seq: number;
}

export interface QueueState {
  id: number;
  type: string;
  name: string;
  /** maxsize; 0 or null means unbounded. */
  maxsize: number | null;
  /** Items in insertion order (see orderedItems for the order they come out). */
  items: QueueItem[];
  /** The recorder's count after the last put/get (may exceed items when puts happened before recording). */
  size: number;
  /** Tasks put but not yet task_done(). */
  unfinished: number;
  /** Threads blocked in get() on an empty queue / put() on a full one, in request order. */
  getters: number[];
  putters: number[];
  /** Threads blocked in join(). */
  joiners: number[];
  puts: number;
  gets: number;
  /** The process (tid >> 20) of the first thread that used it, or -1. */
  firstProcess: number;
  /** Used from more than one process: a multiprocessing queue. */
  crossProcess: boolean;
}

export function isQueueType(type: string): boolean {
  return type.endsWith('Queue');
}

export function discipline(type: string): Discipline {
  if (type === 'LifoQueue') return 'lifo';
  if (type === 'PriorityQueue') return 'priority';
  return 'fifo';
}

/**
 * SimpleQueue has no task_done()/join(): its unfinished count means nothing;
 * nor has multiprocessing's Queue (named "Queue" like queue.Queue, but used
 * from several processes; its JoinableQueue has them).
 */
export function tracksTasks(type: string, crossProcess = false): boolean {
  return type !== 'SimpleQueue' && !(crossProcess && type === 'Queue');
}

/** Threads of a child process are numbered from pid << 20; the program's own from 0. */
function processOfTid(tid: number): number {
  return Math.floor(tid / 1048576);
}

export function newQueue(id: number, type: string, name: string, maxsize: number | null): QueueState {
  return {
    id, type, name, maxsize, items: [], size: 0, unfinished: 0, getters: [], putters: [], joiners: [], puts: 0, gets: 0,
    firstProcess: -1, crossProcess: false,
  };
}

export function cloneQueue(q: QueueState): QueueState {
  return { ...q, items: q.items.slice(), getters: q.getters.slice(), putters: q.putters.slice(), joiners: q.joiners.slice() };
}

/**
 * The sort key of a priority queue entry from its repr: a leading number
 * (`3`, `(3, 'x')`, `[2.5, ...]`) sorts numerically before anything else;
 * otherwise the repr itself (Python compares strings the same way).
 */
export function priorityKey(repr: string): [number, number, string] {
  const m = /^[([\s]*(-?\d+(?:\.\d+)?(?:e-?\d+)?)/i.exec(repr);
  if (m !== null) return [0, Number(m[1]), repr];
  return [1, 0, repr];
}

function comparePriority(a: QueueItem, b: QueueItem): number {
  const ka = priorityKey(a.repr);
  const kb = priorityKey(b.repr);
  return ka[0] - kb[0] || ka[1] - kb[1] || (ka[2] < kb[2] ? -1 : ka[2] > kb[2] ? 1 : 0) || a.id - b.id;
}

/** The items in the order they will come out: the next get() takes the first. */
export function orderedItems(q: QueueState): QueueItem[] {
  switch (discipline(q.type)) {
    case 'lifo':
      return q.items.slice().reverse();
    case 'priority':
      return q.items.slice().sort(comparePriority);
    default:
      return q.items.slice();
  }
}

function remove(list: number[], tid: number): void {
  const i = list.indexOf(tid);
  if (i >= 0) list.splice(i, 1);
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Takes the item a get() returned: by its id, else the one the discipline gives out next. */
function take(q: QueueState, id: number | null): void {
  if (q.items.length === 0) return;
  if (id !== null) {
    const i = q.items.findIndex((it) => it.id === id);
    if (i >= 0) {
      q.items.splice(i, 1);
      return;
    }
  }
  const next = orderedItems(q)[0];
  q.items.splice(q.items.indexOf(next), 1);
}

/**
 * Folds one queue event of thread `thread` into `q` (mutating it). `tid`: who
 * put, got or waits — the thread, or the coroutine running on it (its actor id, lane.ts).
 */
export function applyQueueEvent(q: QueueState, kind: number, thread: number, seq: number, a: Args, tid = thread): void {
  const proc = processOfTid(thread);
  if (q.firstProcess < 0) q.firstProcess = proc;
  else if (q.firstProcess !== proc) q.crossProcess = true;
  switch (kind) {
    case K.queuePut: {
      q.puts++;
      q.items.push({ id: num(a.id) ?? -seq, repr: String(a.item ?? '?'), tid, seq });
      q.size = num(a.size) ?? q.items.length;
      q.unfinished++;
      remove(q.putters, tid);
      break;
    }
    case K.queueGet:
      q.gets++;
      take(q, num(a.id));
      q.size = num(a.size) ?? q.items.length;
      remove(q.getters, tid);
      break;
    case K.queueBlock:
      if (a.op === 'put') {
        if (!q.putters.includes(tid)) q.putters.push(tid);
      } else if (!q.getters.includes(tid)) q.getters.push(tid);
      break;
    case K.queueWake:
    case K.queueFail:
      remove(a.op === 'put' ? q.putters : q.getters, tid);
      break;
    case K.queueTaskDone:
      q.unfinished = num(a.unfinished) ?? Math.max(0, q.unfinished - 1);
      break;
    case K.queueJoin:
      q.unfinished = num(a.unfinished) ?? q.unfinished;
      if (!q.joiners.includes(tid)) q.joiners.push(tid);
      break;
    case K.queueJoined:
      remove(q.joiners, tid);
      break;
    default:
      break;
  }
}

/**
 * Queue activity indexed while a trace is ingested: the put → get links for
 * arrows (ascending by the get's time) and per-queue wait counts for the banner.
 * A process-shared queue (multiprocessing) is put to in one process and got
 * from in another; their events may reach the trace get first, so a get
 * waits for its put as well as the other way round.
 */
export class QueueIndex extends Arrows {
  /** Per queue: waits of each thread, by op ('put' on a full queue, 'get' on an empty one, 'join'). */
  readonly waits = new Map<number, { put: Map<number, number>; get: Map<number, number>; join: Map<number, number> }>();
  /** Per queue: total time threads spent in join() (ns). */
  readonly joinNs = new Map<number, number>();
  private readonly pending = new Map<string, { tid: number; t: number; seq: number }>();
  private readonly early = new Map<string, { tid: number; t: number; seq: number }>();
  private readonly joinStart = new Map<string, number>();

  /** Indexes event `seq` (call in seq order). */
  append(kind: number, t: number, tid: number, obj: number, seq: number, a: Args): void {
    if (obj < 0 || kind < K.queuePut) return;
    switch (kind) {
      case K.queuePut: {
        const id = num(a.id);
        if (id === null) break;
        const key = `${obj}:${id}`;
        const get = this.early.get(key);
        if (get !== undefined) {
          this.early.delete(key);
          this.add(tid, t, get.tid, get.t, obj, get.seq, seq);
        } else this.pending.set(key, { tid, t, seq });
        break;
      }
      case K.queueGet: {
        const id = num(a.id);
        if (id === null) break;
        const key = `${obj}:${id}`;
        const put = this.pending.get(key);
        if (put === undefined) {
          this.early.set(key, { tid, t, seq });
          break;
        }
        this.pending.delete(key);
        this.add(put.tid, put.t, tid, t, obj, seq, put.seq);
        break;
      }
      case K.queueBlock:
        this.count(obj, a.op === 'put' ? 'put' : 'get', tid);
        break;
      case K.queueJoin:
        this.count(obj, 'join', tid);
        this.joinStart.set(`${obj}:${tid}`, t);
        break;
      case K.queueJoined: {
        const t0 = this.joinStart.get(`${obj}:${tid}`);
        if (t0 !== undefined) this.joinNs.set(obj, (this.joinNs.get(obj) ?? 0) + (t - t0));
        break;
      }
      default:
        break;
    }
  }

  private count(obj: number, op: 'put' | 'get' | 'join', tid: number): void {
    let w = this.waits.get(obj);
    if (w === undefined) {
      w = { put: new Map(), get: new Map(), join: new Map() };
      this.waits.set(obj, w);
    }
    w[op].set(tid, (w[op].get(tid) ?? 0) + 1);
  }

  /** The put that a get (by seq) took its item from, as an index into the links; -1 if unknown. */
  linkOfGet(getSeq: number): number {
    return this.indexOfHead(getSeq);
  }
}
