// Coroutines (greenlets, gevent Greenlets and hub, asyncio Tasks, generators):
// a lane each, nested under the thread it was first seen on. A coroutine runs
// from a coro.switch into it to the next switch out of it, and is suspended in
// between; coro.end finishes it. Each thread's lane keeps which coroutine runs
// on it when (Lane.coroRuns), and every switch is an arrow from the origin's
// lane to the target's. Fed by trace.ts while ingesting; all O(1) per event.
//
// The actor rule (as in the backend's analysis/fold_coroutines.py): an event's
// tid is the OS thread; the actor of a synchronisation event (lock.*, event.*,
// cond.*, queue.*, sleeps, joins) is the coroutine running on that thread at
// that moment, else the thread. So an asyncio task holds and waits for an
// asyncio.Lock, and its lane (not its thread's) shows "blocked on a lock"
// until the acquire, switched out or not. Actor ids: lane.ts (coroActor).
import { Arrows } from './arrows';
import { GrowF64 } from './grow';
import { K } from './kinds';
import { Lane, type CoroKind } from './lane';
import { S } from './states';
import type { Args } from './store';

const KINDS: readonly string[] = ['greenlet', 'gevent', 'asyncio', 'generator'];

/** Switches between coroutines: fromTid/toTid hold coroutine ids (not thread ids). */
export class CoroSwitches extends Arrows {}

/** What is shown for a coroutine: its name, and for gevent's hub what it is. */
export function coroLabel(raw: string, kind: CoroKind): string {
  return kind === 'gevent' && raw === 'Hub' ? "Hub (gevent's event loop)" : raw;
}

/** "greenlet", "gevent Greenlet", "gevent hub", "asyncio Task", "generator". */
export function coroKindText(kind: CoroKind, raw: string): string {
  switch (kind) {
    case 'gevent':
      return raw === 'Hub' ? "gevent hub (the event loop)" : 'gevent Greenlet';
    case 'asyncio':
      return 'asyncio Task';
    default:
      return kind;
  }
}

/** What a coro.wait says the coroutine waits for, in words. */
export function waitText(a: Args, nameOf: (id: number) => string | null): string {
  const target = typeof a.target === 'number' ? nameOf(a.target) : null;
  const detail = typeof a.detail === 'string' && a.detail !== '' ? a.detail : null;
  switch (a.what) {
    case 'task': return `waiting for task ${target ?? detail ?? '?'}`;
    case 'gather': return `waiting in gather() for ${detail ?? 'its tasks'}`;
    case 'sleep': return `sleeping ${detail ?? ''}`.trim();
    case 'lock': return `waiting for lock ${target ?? '?'}`;
    case 'event': return `waiting for event ${target ?? '?'}`;
    case 'cond': return `waiting on condition ${target ?? '?'}`;
    case 'queue': return `waiting on queue ${target ?? '?'}`;
    case 'join': return `waiting for ${target ?? detail ?? '?'} to finish (join)`;
    default: return 'waiting for a future';
  }
}

function kindFlags(kinds: readonly number[]): Uint8Array {
  const f = new Uint8Array(256);
  for (const k of kinds) f[k] = 1;
  return f;
}

/** Synchronisation kinds: their actor is the coroutine running on the thread (the others are the thread's). */
export const ACTED = kindFlags([
  K.threadJoin, K.threadJoined, K.lockBlock, K.lockAcquire, K.lockFail, K.lockRelease, K.eventSet, K.eventClear,
  K.eventWait, K.eventWake, K.condWait, K.condWake, K.condNotify, K.barrierWait, K.barrierPass, K.barrierBroken,
  K.sleepBegin, K.sleepEnd, K.queuePut, K.queueGet, K.queueBlock, K.queueWake, K.queueFail, K.queueJoin,
  K.queueJoined, K.queueTaskDone,
]);

/** The wait a suspended coroutine said last, at or before seq (and after `after`), or null. */
export function waitBefore(info: { waitSeqs: number[]; waitTexts: string[] }, seq: number, after: number): string | null {
  let lo = 0;
  let hi = info.waitSeqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (info.waitSeqs[mid] <= seq) lo = mid + 1; else hi = mid;
  }
  const i = lo - 1;
  return i >= 0 && info.waitSeqs[i] > after ? info.waitTexts[i] : null;
}

export class CoroIndex {
  /** Coroutine lanes by coroutine id. */
  readonly lanes = new Map<number, Lane>();
  readonly switches = new CoroSwitches();
  /** Bumped when a coroutine is added or renamed (the label column is measured again). */
  namesVersion = 0;
  /** Per thread id: the coroutine running on it. */
  private readonly current = new Map<number, number>();

  /** `objectName`: names a coro.wait's target (a lock, a queue...) when its words are made. */
  constructor(private readonly objectName: (id: number) => string | null = () => null) {}

  get count(): number {
    return this.lanes.size;
  }

  /** The coroutine `id`'s lane (a coroutine never announced gets one on the thread that switched to it). */
  private laneOf(id: number, thread: Lane, t: number, seq: number, name?: string, kind?: CoroKind, state: number = S.suspended): Lane {
    const known = this.lanes.get(id);
    if (known !== undefined && name === undefined) return known;
    const k = kind ?? 'greenlet';
    const raw = name ?? `coroutine #${id}`;
    const lane = new Lane(thread.tid, coroLabel(raw, k), t);
    lane.proc = thread.proc;
    lane.coro = { id, kind: k, raw, file: null, line: null, thread, order: thread.coros.length, switches: 0,
      waitSeqs: [], waitTexts: [], wait: null };
    lane.setState(t, state, -1, seq);
    thread.coros.push(lane);
    this.lanes.set(id, lane);
    this.namesVersion++;
    return lane;
  }

  /** Indexes a coro.* event of thread `thread` (call in seq order). */
  append(kind: number, t: number, thread: Lane, obj: number, seq: number, a: Args): void {
    // A switch to no coroutine is back to the thread's own code (a generator returning to its caller).
    if (obj < 0 && kind !== K.coroSwitch) return;
    switch (kind) {
      case K.coroNew: {
        const k = (KINDS.includes(String(a.kind)) ? a.kind : 'greenlet') as CoroKind;
        const name = typeof a.name === 'string' ? a.name : `coroutine #${obj}`;
        // A thread's main greenlet is what was running all along: it runs until the first switch away.
        const main = name === 'main greenlet' && !this.current.has(thread.tid);
        const lane = this.laneOf(obj, thread, t, seq, name, k, main ? S.running : S.suspended);
        const info = lane.coro!;
        info.file = typeof a.file === 'string' ? a.file : null;
        info.line = typeof a.line === 'number' ? a.line : null;
        lane.events.push(seq);
        if (main) this.run(thread, obj, t);
        break;
      }
      case K.coroName: {
        const lane = this.lanes.get(obj) ?? this.laneOf(obj, thread, t, seq);
        const info = lane.coro!;
        if (typeof a.name === 'string') {
          info.raw = a.name;
          lane.name = coroLabel(a.name, info.kind);
        }
        if (typeof a.file === 'string') info.file = a.file;
        if (typeof a.line === 'number') info.line = a.line;
        lane.events.push(seq);
        this.namesVersion++;
        break;
      }
      case K.coroSwitch: {
        const origin = typeof a.origin === 'number' ? a.origin : -1;
        const from = origin >= 0 ? this.lanes.get(origin) : undefined;
        if (from !== undefined) {
          // Switched out in the middle of a wait (an asyncio task awaiting a lock): the lane keeps showing the wait.
          const w = from.coro!.wait;
          if (from.state !== S.finished) {
            if (w !== null) from.setState(t, w.state, w.obj, w.seq);
            else from.setState(t, S.suspended, obj, seq);
          }
          from.events.push(seq);
        }
        if (obj < 0) {
          this.run(thread, -1, t);
          break;
        }
        const to = this.laneOf(obj, thread, t, seq);
        if (to.state !== S.finished) to.setState(t, S.running, origin, seq);
        to.coro!.switches++;
        if (to !== from) to.events.push(seq);
        if (from !== undefined && from !== to) this.switches.add(origin, t, obj, t, obj, seq, seq);
        this.run(thread, obj, t);
        break;
      }
      case K.coroWait: {
        const lane = this.lanes.get(obj);
        if (lane === undefined) break;
        lane.events.push(seq);
        lane.coro!.waitSeqs.push(seq);
        lane.coro!.waitTexts.push(waitText(a, (id) => this.name(id) ?? this.objectName(id)));
        break;
      }
      case K.coroEnd: {
        const lane = this.lanes.get(obj);
        if (lane === undefined) break;
        lane.events.push(seq);
        lane.endT = t;
        lane.coro!.wait = null;
        lane.setState(t, S.finished, -1, seq);
        if (this.current.get(thread.tid) === obj) this.run(thread, -1, t);
        break;
      }
      default:
        break;
    }
  }

  /** Records that coroutine `id` (-1: none) runs on `thread` from t. */
  private run(thread: Lane, id: number, t: number): void {
    this.current.set(thread.tid, id);
    const r = thread.coroRuns ??= { starts: new GrowF64(), ids: new GrowF64() };
    if (r.starts.length > 0 && r.ids.last() === id) return;
    r.starts.push(t);
    r.ids.push(id);
  }

  /** The thread ended: so did its coroutines that had not. */
  threadEnded(thread: Lane, t: number, seq: number): void {
    if (thread.coros.length === 0) return;
    for (const c of thread.coros) {
      if (!Number.isNaN(c.endT)) continue;
      c.endT = t;
      c.coro!.wait = null;
      c.setState(t, S.finished, -1, seq);
    }
    this.run(thread, -1, t);
  }

  /**
   * The actor of a synchronisation event (kind in ACTED) recorded by `thread`:
   * the lane of the coroutine running on it, else the thread's own lane.
   * Callers check `count` first, so that programs without coroutines never get here.
   */
  actingLane(thread: Lane): Lane {
    const id = this.current.get(thread.tid);
    return id === undefined || id < 0 ? thread : this.lanes.get(id) ?? thread;
  }

  /** The coroutine of `lane` enters a wait (`state` on `obj`), kept across its switches until leaveWait. */
  enterWait(lane: Lane, t: number, state: number, obj: number, seq: number): void {
    lane.coro!.wait = { state, obj, seq };
    if (lane.state !== S.finished) lane.setState(t, state, obj, seq);
  }

  /** The coroutine of `lane` got what it waited for (it is running: it recorded that). */
  leaveWait(lane: Lane, t: number, seq: number): void {
    lane.coro!.wait = null;
    // Switched in already: keep that running span (it says whom from).
    if (lane.state !== S.finished && lane.state !== S.running) lane.setState(t, S.running, -1, seq);
  }

  /** The name shown for coroutine `id`, or null if it is not one. */
  name(id: number): string | null {
    return this.lanes.get(id)?.name ?? null;
  }
}
