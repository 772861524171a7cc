// The state of every synchronisation object and watched variable after a given
// event: a pure fold over the events. The tracker keeps a snapshot every
// CHECKPOINT events so that the state at any playhead is a short fold away.
import type { Args, EventStore } from './store';
import { ACTED } from './coroutines';
import { K } from './kinds';
import { coroActor } from './lane';
import { applyPoolEvent, clonePools, isPoolKind, isPoolType, newPool, type PoolsState } from './pools';
import { applyQueueEvent, cloneQueue, isQueueType, newQueue, type QueueState } from './queues';
import {
  applySelectorEvent, applySocketEvent, cloneSelector, cloneSocket, isSelectorType, isSocketType, newSelector,
  newSocket, type SelectorState, type SocketState,
} from './sockets';

export interface ObjState {
  id: number;
  type: string; // Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier
  name: string;
  /** Semaphore permits or barrier parties (null otherwise). */
  value: number | null;
  /** A condition's lock object. */
  lock: number | null;
  file: string | null;
  line: number | null;
  /** Lock/RLock: [holder]; semaphores: holders with repeats (a multiset). Actor ids: a tid, or a coroutine (lane.ts coroActor). */
  holders: number[];
  /** RLock recursion depth of its holder. */
  depth: number;
  /** Semaphore permits in use: acquires − releases. */
  used: number;
  /** Threads blocked acquiring (lock.block), in request order. */
  waiters: number[];
  /** Event / Condition / Barrier waiters, in arrival order. */
  sleepers: number[];
  flag: boolean;
  broken: boolean;
  acquisitions: number;
  /** A queue's item count (from queue.put/get). */
  size: number;
}

export interface VarState {
  name: string;
  value: unknown;
  writes: number;
  lastWriter: number;
  lastSeq: number;
}

export interface ObjectsSnapshot {
  /** The last event folded in (-1: none). */
  seq: number;
  objs: Map<number, ObjState>;
  vars: Map<string, VarState>;
  /** Queue contents and waiters (queues.ts). */
  queues: Map<number, QueueState>;
  /** Sockets and selectors (sockets.ts). */
  sockets: Map<number, SocketState>;
  selectors: Map<number, SelectorState>;
  /** Pools: jobs, tasks done and failed (pools.ts). */
  pools: PoolsState;
  /**
   * Per thread: the coroutine running on it (-1: the thread's own code), from
   * coro.switch. Holders and waiters are its actors (the actor rule,
   * coroutines.ts); empty, and never looked into, in a program without coroutines.
   */
  running: Map<number, number>;
}

const LOCKLIKE = new Set(['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore']);

export function isSemaphore(o: ObjState): boolean {
  return o.type === 'Semaphore' || o.type === 'BoundedSemaphore';
}

export function emptySnapshot(): ObjectsSnapshot {
  return {
    seq: -1, objs: new Map(), vars: new Map(), queues: new Map(), sockets: new Map(), selectors: new Map(),
    pools: { pools: new Map(), jobPool: new Map() }, running: new Map(),
  };
}

function cloneSnapshot(s: ObjectsSnapshot): ObjectsSnapshot {
  const objs = new Map<number, ObjState>();
  for (const [k, o] of s.objs) {
    objs.set(k, { ...o, holders: o.holders.slice(), waiters: o.waiters.slice(), sleepers: o.sleepers.slice() });
  }
  const vars = new Map<string, VarState>();
  for (const [k, v] of s.vars) vars.set(k, { ...v });
  const queues = new Map<number, QueueState>();
  for (const [k, q] of s.queues) queues.set(k, cloneQueue(q));
  const sockets = new Map<number, SocketState>();
  for (const [k, q] of s.sockets) sockets.set(k, cloneSocket(q));
  const selectors = new Map<number, SelectorState>();
  for (const [k, q] of s.selectors) selectors.set(k, cloneSelector(q));
  return { seq: s.seq, objs, vars, queues, sockets, selectors, pools: clonePools(s.pools), running: new Map(s.running) };
}

function newObj(id: number, type: string, name: string): ObjState {
  return {
    id, type, name, value: null, lock: null, file: null, line: null, holders: [], depth: 0, used: 0,
    waiters: [], sleepers: [], flag: false, broken: false, acquisitions: 0, size: 0,
  };
}

function remove(list: number[], tid: number): void {
  const i = list.indexOf(tid);
  if (i >= 0) list.splice(i, 1);
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Folds event `seq` of `store` into `s` (mutating it). Unknown kinds are ignored. */
export function applyEvent(s: ObjectsSnapshot, store: EventStore, seq: number): void {
  s.seq = seq;
  const kind = store.kind.data[seq];
  if (kind === K.varRead || kind === K.varWrite) {
    applyVar(s, store.argsOf(seq), kind === K.varWrite, store.tid.data[seq], seq);
    return;
  }
  const id = store.obj.data[seq];
  if (kind === K.coroSwitch) {
    s.running.set(store.tid.data[seq], id);
    return;
  }
  if (isPoolKind(kind)) {
    // A worker's pool.task/pool.done has no object: the job says which pool.
    applyPoolEvent(s.pools, kind, store.tid.data[seq], id, store.argsOf(seq));
    return;
  }
  if (id < 0) return;
  const thread = store.tid.data[seq];
  const tid = s.running.size === 0 || ACTED[kind] === 0 ? thread : actorOf(s.running, thread);
  if (kind === K.objNew) {
    const a = store.argsOf(seq);
    const o = newObj(id, String(a.type ?? 'Lock'), String(a.name ?? `#${id}`));
    o.value = num(a.value);
    o.lock = num(a.lock);
    o.file = typeof a.file === 'string' ? a.file : null;
    o.line = num(a.line);
    s.objs.set(id, o);
    if (isQueueType(o.type)) s.queues.set(id, newQueue(id, o.type, o.name, o.value));
    else if (isSocketType(o.type)) s.sockets.set(id, newSocket(id, o.name));
    else if (isSelectorType(o.type)) s.selectors.set(id, newSelector(id, o.type, o.name));
    else if (isPoolType(o.type)) s.pools.pools.set(id, newPool(id, o.type, o.name, o.value));
    return;
  }
  if (kind >= K.queueTaskDone || (kind >= K.queuePut && kind <= K.selectEnd)) applyIoEvent(s, store, seq, kind, id, tid);
  let o = s.objs.get(id);
  if (o === undefined) {
    // An object created before recording started: guess its kind from the event.
    let guess = kind >= K.eventSet && kind <= K.eventWake ? 'Event'
      : kind >= K.condWait && kind <= K.condNotify ? 'Condition'
        : kind >= K.barrierWait && kind <= K.barrierBroken ? 'Barrier' : 'Lock';
    if ((kind < K.lockBlock || kind > K.barrierBroken) && (kind < K.queuePut || kind > K.queueJoined)) return;
    if (kind >= K.queuePut) guess = 'Queue';
    o = newObj(id, guess, `#${id}`);
    s.objs.set(id, o);
  }
  switch (kind) {
    case K.lockBlock:
      if (!o.waiters.includes(tid)) o.waiters.push(tid);
      break;
    case K.lockAcquire: {
      remove(o.waiters, tid);
      o.acquisitions++;
      if (isSemaphore(o)) {
        o.holders.push(tid);
        o.used++;
      } else if (o.type === 'RLock') {
        const d = num(store.argsOf(seq).depth);
        o.depth = d ?? (o.holders[0] === tid ? o.depth + 1 : 1);
        o.holders = [tid];
      } else {
        o.holders = [tid];
      }
      break;
    }
    case K.lockFail:
      remove(o.waiters, tid);
      break;
    case K.lockRelease:
      if (isSemaphore(o)) {
        // Anyone may release a semaphore: drop the releaser's own hold if any, else the oldest.
        const i = o.holders.indexOf(tid);
        if (i >= 0) o.holders.splice(i, 1);
        else if (o.holders.length > 0) o.holders.shift();
        o.used = Math.max(0, o.used - 1);
      } else if (o.type === 'RLock') {
        o.depth = Math.max(0, o.depth - 1);
        if (o.depth === 0) o.holders = [];
      } else {
        o.holders = [];
      }
      break;
    case K.eventSet:
      o.flag = true;
      break;
    case K.eventClear:
      o.flag = false;
      break;
    case K.eventWait:
    case K.condWait:
    case K.barrierWait:
      if (!o.sleepers.includes(tid)) o.sleepers.push(tid);
      break;
    case K.eventWake:
    case K.condWake:
    case K.barrierPass:
      remove(o.sleepers, tid);
      break;
    case K.barrierBroken:
      remove(o.sleepers, tid);
      o.broken = true;
      break;
    case K.queuePut:
    case K.queueGet: {
      const size = num(store.argsOf(seq).size);
      o.size = size ?? Math.max(0, o.size + (kind === K.queuePut ? 1 : -1));
      break;
    }
    case K.queueBlock:
    case K.queueJoin:
      if (!o.sleepers.includes(tid)) o.sleepers.push(tid);
      break;
    case K.queueWake:
    case K.queueFail:
    case K.queueJoined:
      remove(o.sleepers, tid);
      break;
    default:
      break;
  }
}

/** The actor of a synchronisation event of `thread`: the coroutine running on it, else the thread. */
function actorOf(running: Map<number, number>, thread: number): number {
  const cid = running.get(thread);
  return cid === undefined || cid < 0 ? thread : coroActor(cid);
}

/** Queue, socket and selector events: each folds into its own state (created on first sight if need be). `actor`: see actorOf. */
function applyIoEvent(s: ObjectsSnapshot, store: EventStore, seq: number, kind: number, id: number, actor: number): void {
  const tid = store.tid.data[seq];
  if ((kind >= K.queuePut && kind <= K.queueJoined) || kind === K.queueTaskDone) {
    let q = s.queues.get(id);
    if (q === undefined) {
      q = newQueue(id, 'Queue', `#${id}`, null);
      s.queues.set(id, q);
    }
    applyQueueEvent(q, kind, tid, seq, store.argsOf(seq), actor);
  } else if (kind >= K.selRegister && kind <= K.selUnregister) {
    let sel = s.selectors.get(id);
    if (sel === undefined) {
      sel = newSelector(id, 'Selector', `#${id}`);
      s.selectors.set(id, sel);
    }
    applySelectorEvent(sel, kind, store.argsOf(seq));
  } else if (kind === K.sockBlock || kind === K.sockWake || (kind >= K.sockListen && kind <= K.sockClose)) {
    let so = s.sockets.get(id);
    if (so === undefined) {
      so = newSocket(id, `#${id}`);
      s.sockets.set(id, so);
    }
    applySocketEvent(so, kind, tid, store.argsOf(seq));
  }
}

function applyVar(s: ObjectsSnapshot, a: Args, write: boolean, tid: number, seq: number): void {
  const name = typeof a.name === 'string' ? a.name : null;
  if (name === null) return;
  let v = s.vars.get(name);
  if (v === undefined) {
    v = { name, value: a.value, writes: 0, lastWriter: -1, lastSeq: seq };
    s.vars.set(name, v);
  }
  if (write) {
    v.value = a.value;
    v.writes++;
    v.lastWriter = tid;
    v.lastSeq = seq;
  }
}

export const CHECKPOINT = 4096;

/** Maintains checkpoints while events are appended; answers "state after seq". */
export class ObjectTracker {
  private readonly live = emptySnapshot();
  private readonly checkpoints: ObjectsSnapshot[] = [emptySnapshot()];

  constructor(private readonly store: EventStore) {}

  /** Folds the newly appended event `seq` (call in seq order). */
  append(seq: number): void {
    applyEvent(this.live, this.store, seq);
    if ((seq + 1) % CHECKPOINT === 0) this.checkpoints.push(cloneSnapshot(this.live));
  }

  /** The state after events 0..seq (seq = -1: before any event). A fresh copy. */
  at(seq: number): ObjectsSnapshot {
    seq = Math.min(seq, this.store.length - 1);
    if (seq === this.live.seq) return cloneSnapshot(this.live);
    const c = Math.min(this.checkpoints.length - 1, Math.floor((seq + 1) / CHECKPOINT));
    const s = cloneSnapshot(this.checkpoints[c]);
    for (let i = c * CHECKPOINT; i <= seq; i++) applyEvent(s, this.store, i);
    return s;
  }
}

export function isQueue(o: ObjState): boolean {
  return o.type.endsWith('Queue');
}

export function isLockLike(o: ObjState): boolean {
  return LOCKLIKE.has(o.type);
}
