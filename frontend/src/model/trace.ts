// The trace model: everything the views need, built incrementally as events
// arrive (from a live WebSocket, a trace file or a synthetic generator). Each
// ingest bumps `version`, which the renderer compares to decide what is dirty.
import type { End, Envelope, Header } from '../generated/events';
import { Arrows } from './arrows';
import { ACTED, CoroIndex } from './coroutines';
import { CpuSeries } from './cpu';
import { GrowI32 } from './grow';
import { K } from './kinds';
import { actorCoro, Lane } from './lane';
import { ObjectTracker } from './objects';
import { PipeIndex } from './pipes';
import { PoolIndex } from './pools';
import { ProcessIndex, type Proc } from './processes';
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

/** A row of the timeline: a thread's lane, or the header of a process (multi-process runs only). */
export type Row = Lane | Proc;

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
WAIT_STATE[K.processJoin] = S.joiningProcess;
WAIT_STATE[K.poolJoin] = S.joiningPool;
WAIT_STATE[K.pipeBlock] = S.waitIO;
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
  K.threadJoined, K.queueWake, K.queueFail, K.queueJoined, K.sockWake, K.selectEnd, K.processJoined, K.pipeWake,
  K.poolJoined,
]);

/** Kinds whose args carry file/line: where a thread is. */
const LOCATED = kindFlags([
  K.line, K.lockBlock, K.sleepBegin, K.eventWait, K.condWait, K.barrierWait, K.threadJoin,
  K.queueBlock, K.queueJoin, K.sockBlock, K.selectBegin, K.processJoin, K.pipeBlock, K.poolJoin,
]);

const NO_ARGS: Args = Object.freeze({});

/** A child process numbers its threads (and objects) from pid << 20 (never `<<` here: past int32). */
const CHILD_TID_STRIDE = 1 << 20;

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
  /** The processes, their lanes and the start() → child arrows. */
  readonly processes = new ProcessIndex();
  /** Pipe send → recv links. */
  readonly pipes = new PipeIndex();
  /** Pool submit → task and done → result links, and the task each worker runs. */
  readonly pools = new PoolIndex();
  /** Coroutine lanes (nested under their threads' lanes) and the switches between them. */
  readonly coros = new CoroIndex((id) => this.objects.get(id)?.name ?? null);
  /** How many `cpu` samples arrived (0: the strips are not drawn). */
  cpuSamples = 0;
  /** Seqs of print events. */
  readonly prints = new GrowI32();
  readonly tracker = new ObjectTracker(this.store);
  /** Bumped by every change: views redraw when it moves. */
  version = 0;
  /** Events that arrived ahead of a gap, waiting for it to fill. */
  private readonly early = new Map<number, Envelope>();
  /** Per lock: the last release (actor, time), for hand-off arrows; one record per lock, updated in place. */
  private readonly lastRelease = new Map<number, { tid: number; t: number }>();
  /** laneByTid for small tids, as an array (one indexed read per event). */
  private readonly denseLanes: (Lane | undefined)[] = [];
  private rowList: Row[] = [];
  /** Lane, process and coroutine counts rowList was built for. */
  private rowsBuilt = [-1, -1, -1];
  /** How many rows are process headers. */
  private headerRows = 0;

  constructor() {
    this.lane(0, 0, -1);
  }

  /**
   * The timeline's rows, top to bottom. One process: its lanes (main thread
   * first, then by first appearance). Several: per process (the program's
   * first, then in the order they began) a header row and its lanes. Sets
   * every lane's `index` to its row.
   */
  get rows(): readonly Row[] {
    const procs = this.processes;
    const b = this.rowsBuilt;
    if (b[0] === this.lanes.length && b[1] === procs.list.length && b[2] === this.coros.count) return this.rowList;
    this.rowsBuilt = [this.lanes.length, procs.list.length, this.coros.count];
    this.headerRows = 0;
    if (!procs.multi && this.coros.count === 0) {
      this.lanes.forEach((l, i) => { l.index = i; });
      this.rowList = this.lanes;
      return this.rowList;
    }
    // A thread's coroutines come right after its lane.
    const rows: Row[] = [];
    const push = (l: Lane): void => {
      l.index = rows.length;
      rows.push(l);
      for (const c of l.coros) {
        c.index = rows.length;
        rows.push(c);
      }
    };
    if (!procs.multi) {
      for (const l of this.lanes) push(l);
    } else {
      for (const p of procs.list) {
        if (p.lanes.length === 0) continue;
        rows.push(p);
        this.headerRows++;
        for (const l of p.lanes) push(l);
      }
    }
    this.rowList = rows;
    return rows;
  }

  /** How many rows are process headers (0 unless the run has several processes). */
  get processRows(): number {
    void this.rows;
    return this.headerRows;
  }

  /** The row of coroutine `id`'s lane, or -1. */
  coroRowOf(id: number): number {
    const lane = this.coros.lanes.get(id);
    if (lane === undefined) return -1;
    void this.rows;
    return lane.index;
  }

  /** The row of thread `tid`'s lane (or of a coroutine's, given its actor id: lane.ts), or -1. */
  rowOf(tid: number): number {
    const lane = this.actorLane(tid);
    if (lane === undefined) return -1;
    void this.rows;
    return lane.index;
  }

  get hasCpu(): boolean {
    return this.cpuSamples > 0;
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
    this.processes.applySummary((e.summary as { processes?: unknown }).processes);
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
      this.append(e.t, e.tid, kinds.code(e.kind), e.obj ?? -1, e.args ?? null, e.pid ?? -1);
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
    this.append(e.t, e.tid, this.store.kinds.code(e.kind), e.obj ?? -1, e.args ?? null, e.pid ?? -1);
  }

  /**
   * Appends one event (seq = the current count) of thread `tid` in process
   * `pid` (-1: the program's own). Also used by synthetic generators.
   */
  append(t: number, tid: number, kind: number, obj: number, args: Args | null, pid = -1): number {
    const store = this.store;
    const seq = store.push(t, tid, kind, obj, args);
    const a = args ?? NO_ARGS;
    let lane = isDense(tid) ? this.denseLanes[tid] : this.laneByTid.get(tid);
    if (lane === undefined) {
      lane = this.lane(tid, t, pid);
    } else if (seq === 0 && pid >= 0) {
      // The first event names the program's own process (lane 0 was made before it).
      this.processes.of(pid);
    }
    if (kind === K.cpu) {
      // A sample, not something the thread did: no marker, no hover target.
      if (lane.cpu === null) lane.cpu = new CpuSeries();
      // The first sample of a thread covers the 10 ms before it, some of them before the thread began.
      lane.cpu.add(t, Number(a.on ?? 0), Number(a.wait ?? 0), Number(a.dt ?? 0), seq, lane.beginT);
      this.cpuSamples++;
      this.tracker.append(seq);
      return seq;
    }
    lane.events.push(seq);
    if (LOCATED[kind] === 1 && args !== null && (typeof a.line === 'number')) lane.locs.push(seq);
    // The actor rule (coroutines.ts): a synchronisation event of a thread running a coroutine is the
    // coroutine's: its lane gets the event and the wait; `actor` is who holds and waits (lane.ts).
    // Threaded programs have no coroutine lanes and never look further.
    let acting = lane;
    if (this.coros.count > 0 && ACTED[kind] === 1) {
      acting = this.coros.actingLane(lane);
      if (acting !== lane) acting.events.push(seq);
    }
    const actor = acting === lane ? tid : acting.actor;

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
        this.coros.threadEnded(lane, t, seq);
        break;
      case K.coroNew:
      case K.coroName:
      case K.coroSwitch:
      case K.coroWait:
      case K.coroEnd:
        this.coros.append(kind, t, lane, obj, seq, a);
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
          if (rel === undefined) this.lastRelease.set(obj, { tid: actor, t });
          else {
            rel.tid = actor;
            rel.t = t;
          }
        }
        break;
      case K.lockAcquire:
        if (acting.waitingOn(S.blocked, obj)) {
          const rel = this.lastRelease.get(obj);
          if (rel !== undefined && rel.tid !== actor) {
            this.handoffs.add(rel.tid, rel.t, actor, t, obj, seq);
          }
        }
        break;
      case K.processBegin:
      case K.processName:
      case K.processStart:
      case K.processJoined:
      case K.processTerminate:
      case K.processKill:
      case K.processExit:
      case K.processEnd: {
        const gone = this.processes.append(kind, t, tid, pid, seq, a);
        // Threads that did not say goodbye (a terminated process, os._exit) are finished from here.
        if (gone !== null) {
          for (const l of gone.lanes) {
            if (!Number.isNaN(l.endT)) continue;
            l.endT = t;
            l.setState(t, S.finished, -1, seq);
            this.coros.threadEnded(l, t, seq);
          }
        }
        break;
      }
      case K.pipeSend:
      case K.pipeRecv:
        this.pipes.append(kind, t, tid, obj, seq, a);
        break;
      case K.poolSubmit:
      case K.poolTask:
      case K.poolDone:
      case K.poolResult:
        this.pools.append(kind, t, tid, obj, seq, a);
        break;
      default:
        break;
    }

    if (kind >= K.queuePut) {
      this.queues.append(kind, t, actor, obj, seq, a);
      this.selects.append(kind, tid, obj, seq, a);
    }

    const wait = WAIT_STATE[kind];
    const pj = this.poolJoins.size === 0 ? undefined : this.poolJoins.get(tid);
    if (acting !== lane) {
      // A coroutine's wait: its lane shows it, its thread's lane goes on showing which coroutine runs.
      if (wait >= 0) this.coros.enterWait(acting, t, wait, kind === K.threadJoin ? (typeof a.thread === 'number' ? a.thread : -1) : obj, seq);
      else if (RESUME[kind] === 1) this.coros.leaveWait(acting, t, seq);
    } else if (pj !== undefined) {
      // Pool.join() joins the pool's threads and worker processes: one wait, "joining a pool", until it returns.
      if (kind === K.poolJoined || kind === K.threadEnd) {
        this.poolJoins.delete(tid);
        if (lane.state !== S.finished) lane.setState(t, S.running, -1, seq);
      } else if (lane.state !== S.finished && (wait >= 0 || RESUME[kind] === 1)) lane.setState(t, S.joiningPool, pj.obj, pj.seq);
    } else if (wait >= 0) {
      if (kind === K.poolJoin) this.poolJoins.set(tid, { obj, seq });
      const about = kind === K.threadJoin ? (typeof a.thread === 'number' ? a.thread : -1)
        : kind === K.processJoin ? (typeof a.pid === 'number' ? a.pid : -1) : obj;
      lane.setState(t, wait, about, seq);
    } else if (RESUME[kind] === 1 && lane.state !== S.finished) {
      lane.setState(t, S.running, -1, seq);
    }
    this.tracker.append(seq);
    return seq;
  }

  private readonly pendingNames = new Map<number, string>();
  /** Threads inside Pool.join(): the pool and the pool.join event. */
  private readonly poolJoins = new Map<number, { obj: number; seq: number }>();

  private lane(tid: number, t: number, pid: number): Lane {
    const proc = this.processes.of(pid);
    // A child process's main thread is tid pid << 20 (its process.begin, whose handler runs after this).
    const main = tid === 0 || tid === proc.mainTid || (pid > 0 && tid === pid * CHILD_TID_STRIDE);
    const name = this.pendingNames.get(tid) ?? (main ? 'MainThread' : `Thread ${tid % CHILD_TID_STRIDE}`);
    const lane = new Lane(tid, name, tid === 0 ? 0 : t);
    lane.index = this.lanes.length;
    lane.proc = proc;
    proc.lanes.push(lane);
    lane.setState(lane.beginT, S.running, -1, -1);
    this.lanes.push(lane);
    this.laneByTid.set(tid, lane);
    if (isDense(tid)) this.denseLanes[tid] = lane;
    return lane;
  }

  /** The lane of an actor: a thread's (its tid) or a coroutine's (coroActor(id)). */
  actorLane(actor: number): Lane | undefined {
    return actor >= 0 ? this.laneByTid.get(actor) : this.coros.lanes.get(actorCoro(actor));
  }

  objectName(id: number): string {
    return this.objects.get(id)?.name ?? this.coros.name(id) ?? `#${id}`;
  }

  /**
   * A thread's name; in a multi-process run a child's threads say whose they
   * are: "Process-1" for its main thread, "Thread-2 (Process-1)" for others.
   */
  threadName(tid: number): string {
    // An actor that is a coroutine (holders, waiters: the actor rule) goes by the coroutine's name.
    if (tid < -1) return this.coros.name(actorCoro(tid)) ?? `coroutine #${actorCoro(tid)}`;
    const lane = this.laneByTid.get(tid);
    if (lane === undefined) return `thread ${tid}`;
    const p = lane.proc;
    if (p === null || p.isRoot || !this.processes.multi) return lane.name;
    return tid === p.mainTid || (p.mainTid < 0 && p.lanes[0] === lane) ? p.label : `${lane.name} (${p.label})`;
  }

  /** The process `pid`'s name ("Process-1", or "pid 1234" until it has one). */
  processName(pid: number): string {
    return this.processes.label(pid);
  }
}
