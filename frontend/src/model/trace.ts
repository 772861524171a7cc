// The trace model: everything the views need, built incrementally as events
// arrive (from a live WebSocket, a trace file or a synthetic generator). Each
// ingest bumps `version`, which the renderer compares to decide what is dirty.
import type { End, Envelope, Header } from '../generated/events';
import { Arrows } from './arrows';
import { GrowI32 } from './grow';
import { K } from './kinds';
import { Lane } from './lane';
import { ObjectTracker } from './objects';
import { QueueIndex } from './queues';
import { SelectCalls } from './select_calls';
import { S } from './states';
import { EventStore, type Args } from './store';

export interface ObjInfo {
  id: number;
  type: string;
  name: string;
}

/** A lock passed from the thread that released it to one that was blocked on it. */
export class Handoffs extends Arrows {}

// Per-kind tables indexed by kind code (codes are bytes): one array read per
// event instead of a Set or object lookup.

/** The state a kind puts its thread in (a wait), or -1. */
const WAIT_STATE = new Int8Array(256).fill(-1);
WAIT_STATE[K.sleepBegin] = S.sleeping;
WAIT_STATE[K.lockBlock] = S.blocked;
WAIT_STATE[K.eventWait] = S.waitEvent;
WAIT_STATE[K.condWait] = S.waitCond;
WAIT_STATE[K.barrierWait] = S.waitBarrier;
WAIT_STATE[K.threadJoin] = S.joining;
WAIT_STATE[K.queueBlock] = S.waitQueue;
WAIT_STATE[K.queueJoin] = S.waitQueue;
WAIT_STATE[K.sockBlock] = S.waitIO;
WAIT_STATE[K.selectBegin] = S.waitIO;

function kindFlags(kinds: readonly number[]): Uint8Array {
  const f = new Uint8Array(256);
  for (const k of kinds) f[k] = 1;
  return f;
}

/** Kinds that end a wait: the thread runs again. */
const RESUME = kindFlags([
  K.sleepEnd, K.lockAcquire, K.lockFail, K.eventWake, K.condWake, K.barrierPass, K.barrierBroken,
  K.threadJoined, K.queueWake, K.queueFail, K.queueJoined, K.sockWake, K.selectEnd,
]);

/** Kinds whose args carry file/line: where a thread is. */
const LOCATED = kindFlags([
  K.line, K.lockBlock, K.sleepBegin, K.eventWait, K.condWait, K.barrierWait, K.threadJoin,
  K.queueBlock, K.queueJoin, K.sockBlock, K.selectBegin,
]);

const NO_ARGS: Args = Object.freeze({});

/** Tids below this are looked up in an array (the recorder numbers threads 0, 1, 2...); others in the Map. */
const DENSE_TIDS = 1 << 16;

function isDense(tid: number): boolean {
  return (tid | 0) === tid && tid >= 0 && tid < DENSE_TIDS;
}

export class TraceModel {
  header: Header | null = null;
  end: End | null = null;
  readonly store = new EventStore();
  readonly lanes: Lane[] = [];
  readonly laneByTid = new Map<number, Lane>();
  readonly objects = new Map<number, ObjInfo>();
  readonly handoffs = new Handoffs();
  /** Queue put → get links and wait counts. */
  readonly queues = new QueueIndex();
  /** Every select()/selector call. */
  readonly selects = new SelectCalls();
  /** Seqs of print events. */
  readonly prints = new GrowI32();
  readonly tracker = new ObjectTracker(this.store);
  /** Bumped by every change: views redraw when it moves. */
  version = 0;
  /** Events that arrived ahead of a gap, waiting for it to fill. */
  private readonly early = new Map<number, Envelope>();
  /** Per lock: the last release (tid, time), for hand-off arrows; one record per lock, updated in place. */
  private readonly lastRelease = new Map<number, { tid: number; t: number }>();
  /** laneByTid for small tids, as an array (one indexed read per event). */
  private readonly denseLanes: (Lane | undefined)[] = [];

  constructor() {
    this.lane(0, 0);
  }

  get eventCount(): number {
    return this.store.length;
  }

  /** The time of the last event, or the run's duration once it ended. */
  get endTime(): number {
    const last = this.store.length > 0 ? this.store.t.last() : 0;
    return this.end !== null ? Math.max(this.end.duration_ns, last) : last;
  }

  /**
   * The part of the run worth showing first: from the first thread other than
   * the main one beginning to the last thing any such thread did, with a
   * margin (the interpreter's start-up and shut-down are long and empty).
   * The whole run when there is no other thread.
   */
  focusRange(): [number, number] {
    const end = this.endTime;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const lane of this.lanes) {
      if (lane.tid === 0 || lane.events.length === 0) continue;
      first = Math.min(first, lane.beginT);
      const lastEv = this.store.t.data[lane.events.data[lane.events.length - 1]];
      last = Math.max(last, Number.isNaN(lane.endT) ? (this.end === null ? end : lastEv) : lane.endT);
    }
    if (!Number.isFinite(first) || last <= first) return [0, end];
    const pad = (last - first) * 0.08;
    return [Math.max(0, first - pad), Math.min(end, last + pad)];
  }

  get live(): boolean {
    return this.end === null;
  }

  setHeader(h: Header): void {
    this.header = h;
    this.version++;
  }

  setEnd(e: End): void {
    this.end = e;
    const names = (e.summary as { names?: Record<string, string> }).names;
    if (names !== undefined && names !== null) {
      for (const [tid, name] of Object.entries(names)) {
        const lane = this.laneByTid.get(Number(tid));
        if (lane !== undefined && typeof name === 'string') lane.name = name;
      }
    }
    this.version++;
  }

  /**
   * Appends envelopes in seq order. Duplicates (a reconnect replays history)
   * are dropped; an envelope ahead of a gap waits until the gap fills.
   * Returns how many events were appended.
   */
  ingest(envs: readonly Envelope[]): number {
    const before = this.store.length;
    const kinds = this.store.kinds;
    for (let i = 0; i < envs.length; i++) {
      const e = envs[i];
      const n = this.store.length;
      if (e.seq < n) continue;
      if (e.seq > n) {
        this.early.set(e.seq, e);
        continue;
      }
      this.append(e.t, e.tid, kinds.code(e.kind), e.obj ?? -1, e.args ?? null);
      if (this.early.size === 0) continue;
      let next = this.early.get(this.store.length);
      while (next !== undefined) {
        this.early.delete(next.seq);
        this.ingestEnvelope(next);
        next = this.early.get(this.store.length);
      }
    }
    const added = this.store.length - before;
    if (added > 0) this.version++;
    return added;
  }

  private ingestEnvelope(e: Envelope): void {
    this.append(e.t, e.tid, this.store.kinds.code(e.kind), e.obj ?? -1, e.args ?? null);
  }

  /** Appends one event (seq = the current count). Also used by synthetic generators. */
  append(t: number, tid: number, kind: number, obj: number, args: Args | null): number {
    const store = this.store;
    const seq = store.push(t, tid, kind, obj, args);
    const a = args ?? NO_ARGS;
    let lane = isDense(tid) ? this.denseLanes[tid] : this.laneByTid.get(tid);
    if (lane === undefined) {
      lane = this.lane(tid, t);
    }
    lane.events.push(seq);
    if (LOCATED[kind] === 1 && args !== null && (typeof a.line === 'number')) lane.locs.push(seq);

    switch (kind) {
      case K.threadNew:
        if (typeof a.thread === 'number' && typeof a.name === 'string') {
          const other = this.laneByTid.get(a.thread);
          if (other !== undefined) other.name = a.name;
          else this.pendingNames.set(a.thread, a.name);
        }
        break;
      case K.threadBegin:
        if (typeof a.name === 'string') lane.name = a.name;
        break;
      case K.threadEnd:
        lane.endT = t;
        lane.setState(t, S.finished, -1, seq);
        break;
      case K.objNew:
        if (obj >= 0) {
          this.objects.set(obj, { id: obj, type: String(a.type ?? 'Lock'), name: String(a.name ?? `#${obj}`) });
        }
        break;
      case K.print:
        this.prints.push(seq);
        break;
      case K.lockRelease:
        if (obj >= 0) {
          const rel = this.lastRelease.get(obj);
          if (rel === undefined) this.lastRelease.set(obj, { tid, t });
          else {
            rel.tid = tid;
            rel.t = t;
          }
        }
        break;
      case K.lockAcquire:
        if (lane.state === S.blocked && lane.stateObj === obj) {
          const rel = this.lastRelease.get(obj);
          if (rel !== undefined && rel.tid !== tid) {
            this.handoffs.add(rel.tid, rel.t, tid, t, obj, seq);
          }
        }
        break;
      default:
        break;
    }

    if (kind >= K.queuePut) {
      this.queues.append(kind, t, tid, obj, seq, a);
      this.selects.append(kind, tid, obj, seq, a);
    }

    const wait = WAIT_STATE[kind];
    if (wait >= 0) {
      const about = kind === K.threadJoin ? (typeof a.thread === 'number' ? a.thread : -1) : obj;
      lane.setState(t, wait, about, seq);
    } else if (RESUME[kind] === 1 && lane.state !== S.finished) {
      lane.setState(t, S.running, -1, seq);
    }
    this.tracker.append(seq);
    return seq;
  }

  private readonly pendingNames = new Map<number, string>();

  private lane(tid: number, t: number): Lane {
    const name = this.pendingNames.get(tid) ?? (tid === 0 ? 'MainThread' : `Thread ${tid}`);
    const lane = new Lane(tid, name, tid === 0 ? 0 : t);
    lane.index = this.lanes.length;
    lane.setState(lane.beginT, S.running, -1, -1);
    this.lanes.push(lane);
    this.laneByTid.set(tid, lane);
    if (isDense(tid)) this.denseLanes[tid] = lane;
    return lane;
  }

  objectName(id: number): string {
    return this.objects.get(id)?.name ?? `#${id}`;
  }

  threadName(tid: number): string {
    return this.laneByTid.get(tid)?.name ?? `thread ${tid}`;
  }
}
