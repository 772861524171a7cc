// multiprocessing pools (Pool, ThreadPool): the arrows from a submission
// (apply_async/map/imap: pool.submit) to each worker that picked up one of its
// tasks (pool.task), and from a worker finishing a task (pool.done) to its
// result reaching the pool's process (pool.result); which task a worker runs
// at any time (the tooltip's "running task i of job J"); and what a pool has
// done at the playhead (a pure fold, run inside the object tracker's
// checkpointed fold, objects.ts). The worker's events carry no object: the
// job number links them. Jobs are numbered per submitting process; when two
// processes submit, the latest submission of a number wins.
import { Arrows } from './arrows';
import { GrowF64, GrowI32, upperBound } from './grow';
import { K } from './kinds';
import type { Args } from './store';

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function isPoolType(type: string): boolean {
  return type === 'Pool' || type === 'ThreadPool' || type === 'ProcessPoolExecutor' || type === 'ThreadPoolExecutor';
}

interface End { tid: number; t: number; seq: number }

/** A submission: who made it, where, and to which pool. */
export interface Submission extends End {
  pool: number;
  tasks: number | null;
  file: string | null;
  line: number | null;
}

/** The tasks one worker thread ran: [start, end) intervals (end NaN while running), ascending. */
class TaskSpans {
  readonly starts = new GrowF64();
  readonly ends = new GrowF64();
  readonly seqs = new GrowI32();
}

export class PoolIndex {
  /** pool.submit → each pool.task of that job. */
  readonly submits = new Arrows();
  /** pool.done → pool.result of the same task. */
  readonly results = new Arrows();
  /** Submissions by job. */
  readonly jobs = new Map<number, Submission>();
  /** Tasks read before their submission, by job. */
  private readonly early = new Map<number, End[]>();
  /** Finished tasks whose result has not arrived, by `job:i`; and results read before their done. */
  private readonly done = new Map<string, End>();
  private readonly earlyResults = new Map<string, End & { obj: number }>();
  private readonly spans = new Map<number, TaskSpans>();

  /** The trace has pool events (the legend shows the pool arrows). */
  get any(): boolean {
    return this.jobs.size > 0 || this.spans.size > 0;
  }

  /** Indexes event `seq` (call in seq order). */
  append(kind: number, t: number, tid: number, obj: number, seq: number, a: Args): void {
    const job = num(a.job);
    if (job === null) return;
    switch (kind) {
      case K.poolSubmit: {
        const file = typeof a.file === 'string' ? a.file : null;
        this.jobs.set(job, { tid, t, seq, pool: obj, tasks: num(a.tasks), file, line: num(a.line) });
        const waiting = this.early.get(job);
        if (waiting !== undefined) {
          this.early.delete(job);
          for (const w of waiting) this.submits.add(tid, t, w.tid, w.t, obj, w.seq, seq);
        }
        break;
      }
      case K.poolTask: {
        let sp = this.spans.get(tid);
        if (sp === undefined) {
          sp = new TaskSpans();
          this.spans.set(tid, sp);
        }
        sp.starts.push(t);
        sp.ends.push(Number.NaN);
        sp.seqs.push(seq);
        const sub = this.jobs.get(job);
        if (sub !== undefined) this.submits.add(sub.tid, sub.t, tid, t, sub.pool, seq, sub.seq);
        else {
          let list = this.early.get(job);
          if (list === undefined) {
            list = [];
            this.early.set(job, list);
          }
          list.push({ tid, t, seq });
        }
        break;
      }
      case K.poolDone: {
        const sp = this.spans.get(tid);
        if (sp !== undefined && sp.ends.length > 0 && Number.isNaN(sp.ends.last())) sp.ends.data[sp.ends.length - 1] = t;
        const key = `${job}:${num(a.i) ?? 0}`;
        const res = this.earlyResults.get(key);
        if (res !== undefined) {
          this.earlyResults.delete(key);
          this.results.add(tid, t, res.tid, res.t, res.obj, res.seq, seq);
        } else this.done.set(key, { tid, t, seq });
        break;
      }
      case K.poolResult: {
        const key = `${job}:${num(a.i) ?? 0}`;
        const d = this.done.get(key);
        if (d !== undefined) {
          this.done.delete(key);
          this.results.add(d.tid, d.t, tid, t, obj, seq, d.seq);
        } else this.earlyResults.set(key, { tid, t, seq, obj });
        break;
      }
      default:
        break;
    }
  }

  /** The pool.task event of the task thread `tid` is running at time t, or -1. */
  taskAt(tid: number, t: number): number {
    const sp = this.spans.get(tid);
    if (sp === undefined) return -1;
    const i = upperBound(sp.starts.data, t, 0, sp.starts.length) - 1;
    if (i < 0) return -1;
    const end = sp.ends.data[i];
    return Number.isNaN(end) || t < end ? sp.seqs.data[i] : -1;
  }
}

/** A pool at the playhead. */
export interface PoolState {
  id: number;
  type: string;
  name: string;
  /** Its worker processes (threads for a ThreadPool). */
  workers: number | null;
  /** Submissions (apply_async, map, imap...). */
  jobs: number;
  /** Tasks submitted, where known (imap does not say). */
  tasks: number;
  /** Jobs whose task count is not known (imap). */
  openJobs: number;
  /** Tasks a worker is running now. */
  running: number;
  /** Tasks finished (without raising) / that raised. */
  done: number;
  failed: number;
  /** Results back in the pool's process. */
  results: number;
  closed: boolean;
  terminated: boolean;
  /** Threads waiting in join(). */
  joiners: number[];
}

export function newPool(id: number, type: string, name: string, workers: number | null): PoolState {
  return {
    id, type, name, workers, jobs: 0, tasks: 0, openJobs: 0, running: 0, done: 0, failed: 0, results: 0,
    closed: false, terminated: false, joiners: [],
  };
}

export function clonePool(p: PoolState): PoolState {
  return { ...p, joiners: p.joiners.slice() };
}

/** The pools of a snapshot and which pool each job went to (the worker's events name only the job). */
export interface PoolsState {
  pools: Map<number, PoolState>;
  jobPool: Map<number, number>;
}

export function clonePools(s: PoolsState): PoolsState {
  const pools = new Map<number, PoolState>();
  for (const [k, p] of s.pools) pools.set(k, clonePool(p));
  return { pools, jobPool: new Map(s.jobPool) };
}

export function isPoolKind(kind: number): boolean {
  return kind >= K.poolSubmit && kind <= K.poolJoined;
}

/**
 * Folds one pool.* event into `s` (mutating it). `obj` is the pool (-1 for a
 * worker's pool.task/pool.done, found through the job). A pool first seen
 * without its obj.new is made with what is known.
 */
export function applyPoolEvent(s: PoolsState, kind: number, tid: number, obj: number, a: Args): void {
  const job = num(a.job);
  let id = obj;
  if (id < 0 && job !== null) id = s.jobPool.get(job) ?? -1;
  if (id < 0) return;
  let p = s.pools.get(id);
  if (p === undefined) {
    p = newPool(id, 'Pool', `#${id}`, null);
    s.pools.set(id, p);
  }
  switch (kind) {
    case K.poolSubmit:
      p.jobs++;
      if (num(a.tasks) === null) p.openJobs++;
      else p.tasks += num(a.tasks) ?? 0;
      if (job !== null) s.jobPool.set(job, id);
      break;
    case K.poolTask:
      p.running++;
      break;
    case K.poolDone:
      p.running = Math.max(0, p.running - 1);
      if (a.ok === false) p.failed++;
      else p.done++;
      break;
    case K.poolResult:
      p.results++;
      break;
    case K.poolClose:
      p.closed = true;
      break;
    case K.poolTerminate:
      p.terminated = true;
      p.running = 0;
      break;
    case K.poolJoin:
      if (!p.joiners.includes(tid)) p.joiners.push(tid);
      break;
    case K.poolJoined: {
      const i = p.joiners.indexOf(tid);
      if (i >= 0) p.joiners.splice(i, 1);
      break;
    }
    default:
      break;
  }
}
