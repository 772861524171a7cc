// The trace model: everything the views need, built incrementally as events
// arrive (from a live WebSocket, a trace file or a synthetic generator). Each
// ingest bumps `version`, which the renderer compares to decide what is dirty.
import type { End, Envelope, Header } from '../generated/events';
import { GrowF64, GrowI32 } from './grow';
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
export class Handoffs {
  readonly fromTid = new GrowI32();
  readonly fromT = new GrowF64();
  readonly toTid = new GrowI32();
  /** Ascending (hand-offs are recorded in event order). */
  readonly toT = new GrowF64();
  readonly obj = new GrowI32();
  readonly toSeq = new GrowI32();

  get length(): number {
    return this.toT.length;
  }
}

const WAIT_STATE: Record<number, number> = {
  [K.sleepBegin]: S.sleeping,
  [K.lockBlock]: S.blocked,
  [K.eventWait]: S.waitEvent,
  [K.condWait]: S.waitCond,
  [K.barrierWait]: S.waitBarrier,
  [K.threadJoin]: S.joining,
  [K.queueBlock]: S.waitQueue,
  [K.queueJoin]: S.waitQueue,
  [K.sockBlock]: S.waitIO,
  [K.selectBegin]: S.waitIO,
};

/** Kinds that end a wait: the thread runs again. */
const RESUME = new Set<number>([
  K.sleepEnd, K.lockAcquire, K.lockFail, K.eventWake, K.condWake, K.barrierPass, K.barrierBroken,
  K.threadJoined, K.queueWake, K.queueFail, K.queueJoined, K.sockWake, K.selectEnd,
]);

/** Kinds whose args carry file/line: where a thread is. */
const LOCATED = new Set<number>([
  K.line, K.lockBlock, K.sleepBegin, K.eventWait, K.condWait, K.barrierWait, K.threadJoin,
  K.queueBlock, K.queueJoin, K.sockBlock, K.selectBegin,
]);

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
  /** Per lock: the last release (tid, time), for hand-off arrows. */
  private readonly lastRelease = new Map<number, { tid: number; t: number }>();

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
    for (const e of envs) {
      if (e.seq < this.store.length) continue;
      if (e.seq > this.store.length) {
        this.early.set(e.seq, e);
        continue;
      }
      this.ingestEnvelope(e);
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
    const a = args ?? {};
    let lane = this.laneByTid.get(tid);
    if (lane === undefined) {
      lane = this.lane(tid, t);
    }
    lane.events.push(seq);
    if (LOCATED.has(kind) && args !== null && (typeof a.line === 'number')) lane.locs.push(seq);

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
        if (obj >= 0) this.lastRelease.set(obj, { tid, t });
        break;
      case K.lockAcquire:
        if (lane.state === S.blocked && lane.stateObj === obj) {
          const rel = this.lastRelease.get(obj);
          if (rel !== undefined && rel.tid !== tid) {
            const h = this.handoffs;
            h.fromTid.push(rel.tid);
            h.fromT.push(rel.t);
            h.toTid.push(tid);
            h.toT.push(t);
            h.obj.push(obj);
            h.toSeq.push(seq);
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
    if (wait !== undefined) {
      const about = kind === K.threadJoin ? (typeof a.thread === 'number' ? a.thread : -1) : obj;
      lane.setState(t, wait, about, seq);
    } else if (RESUME.has(kind) && lane.state !== S.finished) {
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
    return lane;
  }

  objectName(id: number): string {
    return this.objects.get(id)?.name ?? `#${id}`;
  }

  threadName(tid: number): string {
    return this.laneByTid.get(tid)?.name ?? `thread ${tid}`;
  }
}
