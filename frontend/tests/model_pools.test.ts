import { describe, expect, it } from 'vitest';
import { describeEvent, poolTaskAt, waitDetail } from '../src/model/describe';
import { S } from '../src/model/states';
import { TraceModel } from '../src/model/trace';
import { TraceBuilder } from './helpers';

const ROOT = 1200;
const W1 = 1301;
const W2 = 1302;
/** A child's main thread: pid << 20, past int32. */
const main = (pid: number) => pid * 1048576;
const POOL = 1;

function model(b: TraceBuilder): TraceModel {
  const m = new TraceModel();
  m.ingest(b.events);
  return m;
}

/** The root makes a Pool(2) whose workers are processes W1 and W2; its result handler is thread 3. */
function pool(): TraceBuilder {
  const b = new TraceBuilder();
  b.inProcess(ROOT, 0, 0, 'process.begin', null, { pid: ROOT, ppid: 1100, name: 'MainProcess', method: 'root' });
  b.inProcess(ROOT, 1, 0, 'obj.new', POOL, { type: 'Pool', name: 'pool', value: 2, lock: null, file: '/x/demo.py', line: 5 });
  for (const [i, pid] of [W1, W2].entries()) {
    b.inProcess(ROOT, 2 + i, 0, 'process.start', null, { pid, name: `ForkPoolWorker-${i + 1}` });
    b.inProcess(pid, 4 + i, main(pid), 'process.begin', null, { pid, ppid: ROOT, name: null, method: 'fork' });
  }
  return b;
}

const submit = (b: TraceBuilder, t: number, job: number, tasks: number | null) =>
  b.inProcess(ROOT, t, 0, 'pool.submit', POOL, { job, tasks, file: '/x/demo.py', line: 7 });
const task = (b: TraceBuilder, pid: number, t: number, job: number, i: number) =>
  b.inProcess(pid, t, main(pid), 'pool.task', null, { job, i });
const done = (b: TraceBuilder, pid: number, t: number, job: number, i: number, ok = true) =>
  b.inProcess(pid, t, main(pid), 'pool.done', null, { job, i, ok });
const result = (b: TraceBuilder, t: number, job: number, i: number, ok = true) =>
  b.inProcess(ROOT, t, 3, 'pool.result', POOL, { job, i, ok });

describe('pool arrows', () => {
  it('links a submission to every worker that took one of its tasks, and each done to its result', () => {
    const b = pool();
    submit(b, 10, 0, 2); // seq 6
    task(b, W1, 11, 0, 0); // 7
    task(b, W2, 12, 0, 1); // 8
    done(b, W2, 20, 0, 1); // 9
    done(b, W1, 21, 0, 0, false); // 10
    result(b, 22, 0, 0, false); // 11
    result(b, 23, 0, 1); // 12
    const m = model(b);
    const s = m.pools.submits;
    expect(s.length).toBe(2);
    expect(Array.from(s.fromSeq.data.slice(0, 2))).toEqual([6, 6]);
    expect(Array.from(s.toSeq.data.slice(0, 2))).toEqual([7, 8]);
    expect(Array.from(s.toTid.data.slice(0, 2))).toEqual([main(W1), main(W2)]);
    expect(s.obj.data[0]).toBe(POOL);
    const r = m.pools.results;
    expect(r.length).toBe(2);
    // By (job, i): W1's task 0 → the first result, W2's task 1 → the second, although W2 finished first.
    expect(Array.from(r.fromSeq.data.slice(0, 2))).toEqual([10, 9]);
    expect(Array.from(r.toSeq.data.slice(0, 2))).toEqual([11, 12]);
    expect(Array.from(r.fromTid.data.slice(0, 2))).toEqual([main(W1), main(W2)]);
    expect(Array.from(r.toTid.data.slice(0, 2))).toEqual([3, 3]);
  });

  it('links a task or a result read before its other end (another process\'s batch came first)', () => {
    const b = pool();
    task(b, W1, 11, 4, 0); // 6: before its submission
    submit(b, 10, 4, 1); // 7
    result(b, 30, 4, 0); // 8: before its done
    done(b, W1, 29, 4, 0); // 9
    const m = model(b);
    expect(m.pools.submits.length).toBe(1);
    expect([m.pools.submits.fromSeq.data[0], m.pools.submits.toSeq.data[0]]).toEqual([7, 6]);
    expect(m.pools.results.length).toBe(1);
    expect([m.pools.results.fromSeq.data[0], m.pools.results.toSeq.data[0]]).toEqual([9, 8]);
  });

  it('links each task of the same job and does not confuse jobs', () => {
    const b = pool();
    submit(b, 10, 0, 1);
    submit(b, 11, 1, 3);
    task(b, W1, 12, 1, 0);
    task(b, W2, 13, 0, 0);
    task(b, W1, 14, 1, 1);
    const m = model(b);
    const s = m.pools.submits;
    const pairs = Array.from({ length: s.length }, (_, k) => [s.fromSeq.data[k], s.toSeq.data[k]]);
    expect(pairs).toEqual([[7, 8], [6, 9], [7, 10]]);
  });
});

describe('pool lanes', () => {
  it('knows which task a worker runs, and says who submitted it', () => {
    const b = pool();
    submit(b, 10, 0, 1);
    task(b, W1, 11, 0, 0);
    done(b, W1, 20, 0, 0);
    const m = model(b);
    expect(poolTaskAt(m, main(W1), 15)).toBe('task 0 of job 0 (submitted by MainThread at demo.py:7)');
    expect(poolTaskAt(m, main(W1), 10)).toBeNull();
    expect(poolTaskAt(m, main(W1), 20)).toBeNull();
    // The worker stays running through its task.
    expect(m.laneByTid.get(main(W1))!.stateAt(15)).toBe(S.running);
  });

  it('shows pool.join as joining a pool until pool.joined', () => {
    const b = pool();
    b.inProcess(ROOT, 30, 0, 'pool.close', POOL, {});
    b.inProcess(ROOT, 31, 0, 'pool.join', POOL, { file: '/x/demo.py', line: 9 });
    // join() joins the pool's workers: nested waits stay one "joining a pool" span.
    b.inProcess(ROOT, 32, 0, 'process.join', null, { pid: W1, timeout: null, file: '/x/demo.py', line: 9 });
    b.inProcess(ROOT, 33, 0, 'process.joined', null, { pid: W1, exit_code: 0 });
    b.inProcess(ROOT, 34, 0, 'thread.join', null, { thread: 3, timeout: null, file: '/x/demo.py', line: 9 });
    b.inProcess(ROOT, 36, 0, 'thread.joined', null, { thread: 3, alive: false });
    b.inProcess(ROOT, 40, 0, 'pool.joined', POOL, {});
    const m = model(b);
    const lane = m.laneByTid.get(0)!;
    for (const t of [31.5, 32.5, 33.5, 35, 39]) expect(lane.stateAt(t)).toBe(S.joiningPool);
    expect(lane.spanAt(32.5)).toBe(lane.spanAt(39));
    expect(lane.stateAt(41)).toBe(S.running);
    const i = lane.spanAt(35);
    expect(waitDetail(m, lane.seqs.data[i])).toBe('(pool.join())');
    expect(describeEvent(m, lane.seqs.data[i])).toBe("waits in join() for pool's workers to exit");
  });

  it('describes every pool event', () => {
    const b = pool();
    submit(b, 10, 0, 1); // 6
    submit(b, 10, 1, null); // 7
    task(b, W1, 11, 0, 0); // 8
    done(b, W1, 20, 0, 0, false); // 9
    result(b, 22, 0, 0, false); // 10
    b.inProcess(ROOT, 30, 0, 'pool.terminate', POOL, {}); // 11
    const m = model(b);
    expect(describeEvent(m, 6)).toBe('submitted job 0 to pool: 1 task');
    expect(m.tracker.at(7).pools.pools.get(POOL)).toMatchObject({ jobs: 2, tasks: 1, openJobs: 1 });
    expect(describeEvent(m, 7)).toBe('submitted job 1 to pool: tasks not known yet (imap)');
    expect(describeEvent(m, 8)).toBe('a worker took task 0 of job 0 (submitted by MainThread at demo.py:7)');
    expect(describeEvent(m, 9)).toBe('finished task 0 of job 0: it raised an exception');
    expect(describeEvent(m, 10)).toContain('the result of task 0 of job 0 reached pool from ForkPoolWorker-1');
    expect(describeEvent(m, 11)).toBe("terminate(): pool's workers are stopped at once");
  });
});

describe('pool state at the playhead', () => {
  it('counts jobs, tasks running, done and failed, results, close and joiners', () => {
    const b = pool();
    submit(b, 10, 0, 1); // 6
    submit(b, 11, 1, 3); // 7
    task(b, W1, 12, 0, 0); // 8
    task(b, W2, 13, 1, 0); // 9
    done(b, W1, 14, 0, 0); // 10
    done(b, W2, 15, 1, 0, false); // 11
    result(b, 16, 0, 0); // 12
    b.inProcess(ROOT, 17, 0, 'pool.close', POOL, {}); // 13
    b.inProcess(ROOT, 18, 0, 'pool.join', POOL, { file: null, line: null }); // 14
    b.inProcess(ROOT, 19, 0, 'pool.joined', POOL, {}); // 15
    const m = model(b);
    expect(m.tracker.at(5).pools.pools.get(POOL)).toMatchObject({ type: 'Pool', name: 'pool', workers: 2, jobs: 0 });
    expect(m.tracker.at(9).pools.pools.get(POOL)).toMatchObject({ jobs: 2, tasks: 4, running: 2, done: 0, failed: 0 });
    expect(m.tracker.at(11).pools.pools.get(POOL)).toMatchObject({ running: 0, done: 1, failed: 1, results: 0 });
    expect(m.tracker.at(14).pools.pools.get(POOL)).toMatchObject({ results: 1, closed: true, joiners: [0] });
    expect(m.tracker.at(15).pools.pools.get(POOL)).toMatchObject({ joiners: [], terminated: false });
    // Snapshots are copies: a later fold does not change an earlier answer.
    const early = m.tracker.at(9);
    m.tracker.at(15);
    expect(early.pools.pools.get(POOL)!.done).toBe(0);
  });

  it('counts a ThreadPool\'s tasks done in the same process', () => {
    const b = new TraceBuilder().add(0, 0, 'obj.new', 7, { type: 'ThreadPool', name: 'tp', value: 2, lock: null, file: null, line: null });
    b.add(1, 0, 'pool.submit', 7, { job: 0, tasks: 2, file: null, line: null });
    b.add(2, 4, 'pool.task', null, { job: 0, i: 0 });
    b.add(3, 4, 'pool.done', null, { job: 0, i: 0, ok: true });
    b.add(4, 5, 'pool.task', null, { job: 0, i: 1 });
    b.add(5, 5, 'pool.done', null, { job: 0, i: 1, ok: true });
    const m = model(b);
    expect(m.tracker.at(5).pools.pools.get(7)).toMatchObject({ type: 'ThreadPool', workers: 2, jobs: 1, tasks: 2, done: 2 });
    expect(m.pools.submits.length).toBe(2);
  });
});
