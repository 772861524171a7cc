// One timeline lane per thread: its spans of constant state (built
// incrementally as events arrive), the seqs of its own events (for markers and
// hit tests) and of its events that carry a source location.
import { GrowF64, GrowI32, GrowU8, upperBound } from './grow';
import type { CpuSeries } from './cpu';
import type { Proc } from './processes';
import { MaxPyramid } from './pyramid';
import { S } from './states';

export type CoroKind = 'greenlet' | 'gevent' | 'asyncio' | 'generator';

/**
 * Actor ids (the actor rule, coroutines.ts): who holds and waits. A thread is
 * its tid (>= 0); a coroutine is -1 - its id, so that it is never a tid nor
 * the -1 that means "nobody" in many places.
 */
export function coroActor(id: number): number {
  return -1 - id;
}

/** The coroutine id behind an actor id, or -1 when the actor is a thread. */
export function actorCoro(actor: number): number {
  return actor < -1 ? -1 - actor : -1;
}

/** A wait that outlives the coroutine's switches: what its lane shows while it is switched out. */
export interface CoroWait {
  state: number;
  /** What it waits on (object id, or -1). */
  obj: number;
  /** The event that began the wait (lock.block...). */
  seq: number;
}

/** What a coroutine lane stands for. */
export interface CoroInfo {
  /** Its object id. */
  id: number;
  kind: CoroKind;
  /** The latest name the trace gave it (the lane's `name` is what is shown: the hub says it is the hub). */
  raw: string;
  file: string | null;
  line: number | null;
  /** The lane of the thread it was first seen on (its lane is nested under it). */
  thread: Lane;
  /** Its position among its thread's coroutines (its colour). */
  order: number;
  /** Switches into it. */
  switches: number;
  /** What it said it waits for as it suspended (coro.wait): seqs ascending, and the words. */
  waitSeqs: number[];
  waitTexts: string[];
  /** The wait it is in (blocked on a lock, waiting on an event...) until the event that ends it, or null. */
  wait: CoroWait | null;
}

export class Lane {
  /** Display row (by process, then main thread first, then by first appearance); see rows.ts. */
  index = 0;
  name: string;
  beginT: number;
  endT = Number.NaN;
  /** The span i covers [starts[i], starts[i+1]) (the last one: until the trace's end). */
  readonly starts = new GrowF64();
  readonly states = new GrowU8();
  /** What the state is about: lock/event/... object id, the joined tid or pid, or -1 (ids may exceed int32). */
  readonly objs = new GrowF64();
  /** The event that began the span. */
  readonly seqs = new GrowI32();
  /** Over `states` (its level 0). */
  readonly pyramid = new MaxPyramid(this.states);
  /** Seqs of this thread's events, ascending. */
  readonly events = new GrowI32();
  /** Seqs of this thread's events that say where it is (line, block, sleep, wait...). */
  readonly locs = new GrowI32();
  state: number = S.none;
  stateObj = -1;
  /** The process it belongs to (trace.ts sets it when the lane is made). */
  proc: Proc | null = null;
  /** Its CPU samples, once it has any. */
  cpu: CpuSeries | null = null;
  /** A coroutine's lane: what the coroutine is (null: a thread's lane; its `tid` is then its thread's). */
  coro: CoroInfo | null = null;
  /** A thread's coroutine lanes, in order of first appearance (the rows put them right under it). */
  readonly coros: Lane[] = [];
  /** A thread's coroutine switches: from coroStarts[i] on, coroutine coroIds[i] runs on it (made on the first switch). */
  coroRuns: { starts: GrowF64; ids: GrowF64 } | null = null;

  constructor(readonly tid: number, name: string, beginT: number) {
    this.name = name;
    this.beginT = beginT;
  }

  /** Who this lane stands for as a holder or waiter: its thread, or its coroutine (see coroActor). */
  get actor(): number {
    return this.coro === null ? this.tid : coroActor(this.coro.id);
  }

  /** Whether it is in wait `state` on object `obj` (a coroutine: even while switched out). */
  waitingOn(state: number, obj: number): boolean {
    const w = this.coro?.wait;
    if (w !== undefined && w !== null) return w.state === state && w.obj === obj;
    return this.state === state && this.stateObj === obj;
  }

  get spanCount(): number {
    return this.starts.length;
  }

  /** Enters `state` at time t (a no-op when nothing changes). */
  setState(t: number, state: number, obj: number, seq: number): void {
    if (state === this.state && obj === this.stateObj) return;
    this.state = state;
    this.stateObj = obj;
    this.starts.push(t);
    this.states.push(state);
    this.objs.push(obj);
    this.seqs.push(seq);
  }

  /** Index of the span covering time t, or -1 before the lane began. */
  spanAt(t: number): number {
    return upperBound(this.starts.data, t, 0, this.starts.length) - 1;
  }

  /** The id of the coroutine running on this thread at time t, or -1 (none known). */
  coroAt(t: number): number {
    const r = this.coroRuns;
    if (r === null) return -1;
    const i = upperBound(r.starts.data, t, 0, r.starts.length) - 1;
    return i < 0 ? -1 : r.ids.data[i];
  }

  stateAt(t: number): number {
    const i = this.spanAt(t);
    return i < 0 ? S.none : this.states.data[i];
  }
}
