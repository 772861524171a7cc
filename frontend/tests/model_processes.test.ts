import { describe, expect, it } from 'vitest';
import { describeActivity, processLines, processSummaries } from '../src/model/activity';
import { CpuSeries, cpuAt, cpuColumns } from '../src/model/cpu';
import { describeEvent, waitDetail } from '../src/model/describe';
import { Lane } from '../src/model/lane';
import { exitText, Proc } from '../src/model/processes';
import { tracksTasks } from '../src/model/queues';
import { S } from '../src/model/states';
import { TraceModel, type Row } from '../src/model/trace';
import type { End } from '../src/generated/events';
import { TraceBuilder } from './helpers';

const ROOT = 1200;
/** A child's main thread: pid << 20, past int32. */
const main = (pid: number) => pid * 1048576;

function model(b: TraceBuilder): TraceModel {
  const m = new TraceModel();
  m.ingest(b.events);
  return m;
}

/** The root (tid 0) starts children `pids` (fork) at t = 10, 20, ...; each begins 3 ns after its start. */
function family(pids: number[], b = new TraceBuilder()): TraceBuilder {
  b.inProcess(ROOT, 0, 0, 'process.begin', null, { pid: ROOT, ppid: 1100, name: 'MainProcess', method: 'root' });
  pids.forEach((pid, i) => {
    const t = 10 * (i + 1);
    b.inProcess(ROOT, t, 0, 'process.start', null, { pid, name: `Process-${i + 1}` });
    b.inProcess(pid, t + 3, main(pid), 'process.begin', null, { pid, ppid: ROOT, name: null, method: 'fork' });
  });
  return b;
}

function rowNames(m: TraceModel): string[] {
  return m.rows.map((r: Row) => (r instanceof Lane ? r.name : `[${r.label}]`));
}

function end(summary: Record<string, unknown>): End {
  return { type: 'end', status: 'finished', exit_code: 0, duration_ns: 1000, summary };
}

describe('process grouping', () => {
  it('shows the program first, then the children in the order they began, each under a header', () => {
    const b = family([1301, 1302]);
    // A thread of the root begins after the children: it still goes with the root.
    b.inProcess(ROOT, 40, 1, 'thread.begin', null, { thread: 1, name: 'feeder', daemon: true, ident: 7 });
    b.inProcess(1302, 41, main(1302) + 1, 'thread.begin', null, { thread: main(1302) + 1, name: 'helper', daemon: false, ident: 8 });
    const m = model(b);
    expect(rowNames(m)).toEqual([
      '[MainProcess]', 'MainThread', 'feeder', '[Process-1]', 'MainThread', '[Process-2]', 'MainThread', 'helper',
    ]);
    // A lane's index is its row, so arrows and highlights land on it.
    for (const [i, r] of m.rows.entries()) if (r instanceof Lane) expect(r.index).toBe(i);
    expect(m.rowOf(main(1302) + 1)).toBe(7);
    expect(m.processes.list.map((p) => p.pid)).toEqual([ROOT, 1301, 1302]);
  });

  it('adds no header to a single-process trace, with or without its own process.begin', () => {
    const plain = model(new TraceBuilder().begin(1, 1, 'A').begin(2, 2, 'B'));
    expect(plain.rows).toBe(plain.lanes);
    expect(rowNames(plain)).toEqual(['MainThread', 'A', 'B']);
    const rooted = model(family([]).inProcess(ROOT, 5, 1, 'thread.begin', null, { thread: 1, name: 'A', daemon: false, ident: 1 }));
    expect(rowNames(rooted)).toEqual(['MainThread', 'A']);
    expect(rooted.processes.multi).toBe(false);
  });

  it('keeps thread ids past int32 exactly, in the event store and in lanes', () => {
    const m = model(family([4000]));
    const tid = main(4000);
    expect(tid).toBeGreaterThan(2 ** 31);
    expect(m.laneByTid.get(tid)?.name).toBe('MainThread');
    expect(m.store.tid.data[m.laneByTid.get(tid)!.events.data[0]]).toBe(tid);
  });

  it('names a child thread by its process in sentences, and its main thread by the process', () => {
    const b = family([1301]);
    b.inProcess(1301, 20, main(1301) + 1, 'thread.begin', null, { thread: main(1301) + 1, name: 'Thread-1', daemon: false, ident: 9 });
    const m = model(b);
    expect(m.threadName(0)).toBe('MainThread');
    expect(m.threadName(main(1301))).toBe('Process-1');
    expect(m.threadName(main(1301) + 1)).toBe('Thread-1 (Process-1)');
  });
});

describe('process headers', () => {
  it('calls a process "pid N" until it has a name, then by its name', () => {
    const b = new TraceBuilder().inProcess(ROOT, 0, 0, 'process.begin', null, { pid: ROOT, ppid: 1, name: null, method: 'root' });
    b.inProcess(77, 5, main(77), 'process.begin', null, { pid: 77, ppid: ROOT, name: null, method: 'spawn' });
    const m = model(b);
    const child = m.processes.get(77)!;
    expect(child.label).toBe('pid 77');
    expect(child.title()).toBe('pid 77 · parent 1200 · spawn');
    m.ingest([{ seq: 2, t: 6, pid: 77, tid: main(77), kind: 'process.name', obj: null, args: { name: 'SyncManager-1' } }]);
    expect(child.label).toBe('SyncManager-1');
    expect(child.title()).toBe('SyncManager-1 · pid 77 · parent 1200 · spawn');
  });

  it('takes the name from the parent\'s start() when the child has not said it', () => {
    const m = model(family([1301]));
    expect(m.processes.get(1301)!.title()).toBe('Process-1 · pid 1301 · parent 1200');
  });

  it('shows the exit code from process.exit, else from the parent\'s join(); negative is a signal', () => {
    const b = family([1301, 1302]);
    b.inProcess(1301, 50, main(1301), 'process.exit', null, { exit_code: 3 });
    b.inProcess(ROOT, 60, 0, 'process.terminate', null, { pid: 1302 });
    b.inProcess(ROOT, 61, 0, 'process.join', null, { pid: 1302, timeout: null, file: 'a.py', line: 9 });
    b.inProcess(1302, 62, main(1302), 'process.end', null, { pid: 1302 });
    b.inProcess(ROOT, 63, 0, 'process.joined', null, { pid: 1302, exit_code: -15 });
    const m = model(b);
    expect(m.processes.get(1301)!.exit).toBe(3);
    expect(m.processes.get(1301)!.detail()).toBe('pid 1301 · parent 1200 · exit 3');
    expect(m.processes.get(1302)!.exit).toBe(-15);
    expect(m.processes.get(1302)!.detail()).toBe('pid 1302 · parent 1200 · killed by SIGTERM (15)');
    expect(exitText(-9)).toBe('killed by SIGKILL (9)');
    expect(exitText(0)).toBe('exit 0');
  });

  it('fills names and exit codes the trace did not give from the end summary', () => {
    const m = model(new TraceBuilder()
      .inProcess(ROOT, 0, 0, 'process.begin', null, { pid: ROOT, ppid: 1, name: null, method: 'root' })
      .inProcess(9, 5, main(9), 'process.begin', null, { pid: 9, ppid: ROOT, name: null, method: 'fork' }));
    m.setEnd(end({ processes: { 9: { name: 'ForkPoolWorker-1', parent: ROOT, exit_code: 0, threads: 1, cpu_s: 0.5 } } }));
    expect(m.processes.get(9)!.title()).toBe('ForkPoolWorker-1 · pid 9 · parent 1200 · exit 0');
  });
});

describe('process lifetimes and joins', () => {
  it('finishes every lane of a process at its process.end', () => {
    const b = family([1301]);
    const helper = main(1301) + 1;
    b.inProcess(1301, 20, helper, 'thread.begin', null, { thread: helper, name: 'helper', daemon: true, ident: 3 });
    b.inProcess(1301, 30, helper, 'sleep.begin', null, { seconds: 5, file: 'a.py', line: 3 });
    b.inProcess(1301, 40, main(1301), 'process.end', null, { pid: 1301 });
    const m = model(b);
    for (const tid of [main(1301), helper]) {
      const lane = m.laneByTid.get(tid)!;
      expect(lane.endT).toBe(40);
      expect(lane.stateAt(39)).not.toBe(S.finished);
      expect(lane.stateAt(41)).toBe(S.finished);
    }
    expect(m.laneByTid.get(0)!.stateAt(41)).toBe(S.running);
    expect(m.processes.get(1301)!.ended).toBe(true);
  });

  it('puts a thread in join() on a process into its own state until process.joined', () => {
    const b = family([1301]);
    b.inProcess(ROOT, 30, 0, 'process.join', null, { pid: 1301, timeout: null, file: 'a.py', line: 7 });
    b.inProcess(ROOT, 50, 0, 'process.joined', null, { pid: 1301, exit_code: 0 });
    const m = model(b);
    const lane = m.laneByTid.get(0)!;
    expect(lane.stateAt(40)).toBe(S.joiningProcess);
    expect(lane.objs.data[lane.spanAt(40)]).toBe(1301);
    expect(lane.stateAt(51)).toBe(S.running);
    expect(waitDetail(m, lane.seqs.data[lane.spanAt(40)])).toBe('Process-1 (pid 1301)');
  });
});

describe('arrows between processes', () => {
  it('links a parent\'s start() to the child\'s process.begin, in either order', () => {
    const m = model(family([1301]));
    const a = m.processes.starts;
    expect(a.length).toBe(1);
    expect([a.fromTid.get(0), a.fromT.get(0), a.toTid.get(0), a.toT.get(0)]).toEqual([0, 10, main(1301), 13]);
    // The child's stream was read first: its begin precedes the parent's start in seq order.
    const b = new TraceBuilder().inProcess(ROOT, 0, 0, 'process.begin', null, { pid: ROOT, ppid: 1, name: null, method: 'root' });
    b.inProcess(7, 12, main(7), 'process.begin', null, { pid: 7, ppid: ROOT, name: null, method: 'fork' });
    b.inProcess(ROOT, 12, 0, 'process.start', null, { pid: 7, name: 'Process-1' });
    const late = model(b).processes.starts;
    expect([late.fromTid.get(0), late.toTid.get(0), late.toSeq.get(0), late.fromSeq.get(0)]).toEqual([0, main(7), 1, 2]);
  });

  it('links each pipe send to the recv on the other end with the same id', () => {
    const b = family([1301]).inProcess(ROOT, 11, 0, 'obj.new', 5, { type: 'Pipe', name: 'conn', value: null, lock: null, file: 'a.py', line: 2 });
    const child = main(1301);
    b.inProcess(ROOT, 20, 0, 'pipe.send', 5, { end: 0, id: 1, item: "'hi'", bytes: 20 });
    b.inProcess(1301, 21, child, 'pipe.block', 5, { end: 1, file: 'a.py', line: 5 });
    b.inProcess(1301, 22, child, 'pipe.send', 5, { end: 1, id: 1, item: "'back'", bytes: 22 });
    b.inProcess(1301, 25, child, 'pipe.wake', 5, { end: 1 });
    b.inProcess(1301, 26, child, 'pipe.recv', 5, { end: 1, id: 1, item: "'hi'", bytes: 20 });
    b.inProcess(ROOT, 30, 0, 'pipe.recv', 5, { end: 0, id: 1, item: "'back'", bytes: 22 });
    const m = model(b);
    const p = m.pipes;
    expect(p.length).toBe(2);
    expect([p.fromTid.get(0), p.fromT.get(0), p.toTid.get(0), p.toT.get(0), p.obj.get(0)]).toEqual([0, 20, child, 26, 5]);
    expect([p.fromTid.get(1), p.fromT.get(1), p.toTid.get(1), p.toT.get(1)]).toEqual([child, 22, 0, 30]);
    expect(m.laneByTid.get(child)!.stateAt(23)).toBe(S.waitIO);
    expect(m.laneByTid.get(child)!.stateAt(25.5)).toBe(S.running);
    const recv = b.events.findIndex((e) => e.kind === 'pipe.recv');
    expect(describeEvent(m, recv)).toBe("recv() got 'hi' (20 bytes) from conn, end 1, sent by MainThread 6 ns earlier");
  });

  it('links a recv read before its send and keeps the arrows in time order', () => {
    const b = family([1301]);
    const child = main(1301);
    b.inProcess(1301, 30, child, 'pipe.recv', 5, { end: 1, id: 1, item: 'x', bytes: 1 });
    b.inProcess(ROOT, 30, 0, 'pipe.send', 5, { end: 0, id: 2, item: 'y', bytes: 1 });
    b.inProcess(ROOT, 31, 0, 'pipe.send', 5, { end: 0, id: 1, item: 'x', bytes: 1 });
    b.inProcess(1301, 32, child, 'pipe.recv', 5, { end: 1, id: 2, item: 'y', bytes: 1 });
    const p = model(b).pipes;
    expect(p.toT.toArray()).toEqual([30, 32]);
    expect(p.fromT.toArray()).toEqual([31, 30]);
  });

  it('links a multiprocessing queue\'s put and get across processes, whichever is read first', () => {
    const b = family([1301]).inProcess(ROOT, 11, 0, 'obj.new', 3, { type: 'JoinableQueue', name: 'jobs', value: 0, lock: null, file: 'a.py', line: 2 });
    const child = main(1301);
    b.inProcess(1301, 40, child, 'queue.get', 3, { id: 1, item: '1', size: 0 });
    b.inProcess(ROOT, 40, 0, 'queue.put', 3, { id: 1, item: '1', size: 1 });
    const m = model(b);
    expect([m.queues.fromTid.get(0), m.queues.toTid.get(0)]).toEqual([0, child]);
    const q = m.tracker.at(b.events.length - 1).queues.get(3)!;
    expect(q.crossProcess).toBe(true);
    expect(tracksTasks('JoinableQueue', q.crossProcess)).toBe(true);
    expect(tracksTasks('Queue', true)).toBe(false);
    expect(tracksTasks('Queue', false)).toBe(true);
  });
});

describe('CPU samples', () => {
  const ms = 1_000_000;

  it('gives a lane its samples, not as events, and the mean over any range', () => {
    const b = new TraceBuilder().begin(0, 1);
    b.add(10 * ms, 1, 'cpu', null, { on: 10 * ms, wait: 0, dt: 10 * ms });
    b.add(20 * ms, 1, 'cpu', null, { on: 5 * ms, wait: 5 * ms, dt: 10 * ms });
    // no sample for 20..30 ms: nothing ran
    b.add(40 * ms, 1, 'cpu', null, { on: 2 * ms, wait: 0, dt: 10 * ms });
    const m = model(b);
    const lane = m.laneByTid.get(1)!;
    expect(lane.events.length).toBe(1);
    expect(m.hasCpu).toBe(true);
    const s = lane.cpu!;
    expect(s.length).toBe(3);
    expect(s.mean(0, 10 * ms)).toEqual({ on: 1, wait: 0 });
    expect(s.mean(10 * ms, 20 * ms)).toEqual({ on: 0.5, wait: 0.5 });
    expect(s.mean(20 * ms, 30 * ms)).toEqual({ on: 0, wait: 0 });
    expect(s.mean(0, 40 * ms).on).toBeCloseTo(17 / 40);
    expect(s.mean(5 * ms, 15 * ms).on).toBeCloseTo(0.75);
    expect(s.totalOn).toBe(17 * ms);
  });

  it('aggregates per pixel column as the mean a brute-force sum gives, zoomed in or out', () => {
    const s = new CpuSeries();
    let x = 11;
    let t = 3 * ms;
    const samples: [number, number, number, number][] = [];
    for (let i = 0; i < 300; i++) {
      x = (x * 69069 + 1) % 4294967296;
      const dt = 10 * ms;
      t += x % 5 === 0 ? 30 * ms : dt; // gaps: intervals with no sample
      const on = (x >>> 8) % dt;
      const wait = Math.min(dt - on, (x >>> 4) % (dt / 2));
      s.add(t, on, wait, dt, i);
      samples.push([t - dt, t, on, wait]);
    }
    for (const nsPerPx of [0.37 * ms, 4 * ms, 55 * ms]) {
      const width = 120;
      const t0 = 17 * ms;
      const on = new Float32Array(width);
      const wait = new Float32Array(width);
      cpuColumns(s, t0, nsPerPx, width, t, on, wait);
      for (let c = 0; c < width; c++) {
        const a = t0 + c * nsPerPx;
        const b = Math.min(a + nsPerPx, t);
        let wantOn = 0;
        let wantWait = 0;
        if (b > a) {
          for (const [s0, s1, o, w] of samples) {
            const overlap = Math.max(0, Math.min(s1, b) - Math.max(s0, a));
            wantOn += (o * overlap) / (s1 - s0);
            wantWait += (w * overlap) / (s1 - s0);
          }
          wantOn /= b - a;
          wantWait /= b - a;
        }
        expect(on[c], `on, column ${c} at ${nsPerPx} ns/px`).toBeCloseTo(wantOn, 4);
        expect(wait[c], `wait, column ${c} at ${nsPerPx} ns/px`).toBeCloseTo(wantWait, 4);
      }
    }
  });

  it('sums a process\'s threads into cores in use', () => {
    const b = family([1301]);
    const child = main(1301);
    b.inProcess(1301, 5 * ms, child + 1, 'thread.begin', null, { thread: child + 1, name: 'T', daemon: false, ident: 2 });
    b.inProcess(1301, 20 * ms, child, 'cpu', null, { on: 10 * ms, wait: 0, dt: 10 * ms });
    b.inProcess(1301, 20 * ms, child + 1, 'cpu', null, { on: 8 * ms, wait: 2 * ms, dt: 10 * ms });
    b.inProcess(ROOT, 20 * ms, 0, 'cpu', null, { on: 1 * ms, wait: 0, dt: 10 * ms });
    const m = model(b);
    const p = m.processes.get(1301)!;
    const series = p.lanes.map((l) => l.cpu!);
    const at = cpuAt(series, 15 * ms, 1000);
    expect(at.on).toBeCloseTo(1.8);
    expect(at.wait).toBeCloseTo(0.2);
    // Zoomed out, a pixel of 20 ms around 15 ms holds half of the sample.
    expect(cpuAt(series, 15 * ms, 20 * ms).on).toBeCloseTo(0.9);
    const on = new Float32Array(4);
    const wait = new Float32Array(4);
    for (const s of series) cpuColumns(s, 0, 5 * ms, 4, 20 * ms, on, wait);
    expect(Array.from(on).map((v) => +v.toFixed(3))).toEqual([0, 0, 1.8, 1.8]);
    expect(p.cpuNs()).toBe(18 * ms);
    expect(m.processes.root.cpuNs()).toBe(1 * ms);
  });

  it('clips a sample overlapping the one before it and ignores empty ones', () => {
    const s = new CpuSeries();
    s.add(10, 10, 0, 10, 0);
    s.add(18, 4, 0, 10, 1); // would start at 8: starts at 10
    s.add(25, 3, 0, 0, 2);
    expect(s.start.toArray()).toEqual([0, 10]);
    expect(s.mean(10, 18).on).toBeCloseTo(0.5);
  });

  it('starts a thread\'s first sample where the thread began, and caps what one thread cannot do', () => {
    const b = new TraceBuilder().begin(15 * ms, 1);
    b.add(20 * ms, 1, 'cpu', null, { on: 4 * ms, wait: 0, dt: 10 * ms });
    b.add(30 * ms, 1, 'cpu', null, { on: 11 * ms, wait: 1 * ms, dt: 10 * ms });
    const s = model(b).laneByTid.get(1)!.cpu!;
    expect(s.start.toArray()).toEqual([15 * ms, 20 * ms]);
    expect(s.mean(10 * ms, 15 * ms).on).toBe(0);
    expect(s.mean(15 * ms, 20 * ms).on).toBeCloseTo(0.8);
    // Kept as measured (the totals agree with the summary's), shown capped at one core.
    expect(s.mean(20 * ms, 30 * ms)).toEqual({ on: 1.1, wait: 0.1 });
    expect(s.totalOn).toBe(15 * ms);
    expect(cpuAt([s], 25 * ms, 1000)).toEqual({ on: 1, wait: 0, window: 10 * ms });
    expect(cpuAt([s], 25 * ms, 10 * ms + 1)).toMatchObject({ on: 1, wait: 0 });
    const on = new Float32Array(2);
    const wait = new Float32Array(2);
    cpuColumns(s, 20 * ms, 5 * ms, 2, 30 * ms, on, wait);
    expect(Array.from(on)).toEqual([1, 1]);
    expect(Array.from(wait)).toEqual([0, 0]);
  });
});

describe('process sentences and summary', () => {
  it('describes process events in words', () => {
    const b = family([1301]);
    b.inProcess(1301, 20, main(1301), 'process.name', null, { name: 'Process-1' });
    b.inProcess(ROOT, 30, 0, 'process.kill', null, { pid: 1301 });
    b.inProcess(ROOT, 31, 0, 'process.joined', null, { pid: 1301, exit_code: -9 });
    b.inProcess(ROOT, 32, 0, 'process.joined', null, { pid: 1301, exit_code: null });
    const m = model(b);
    const say = (kind: string, nth = 0) => describeEvent(m, b.events.filter((e) => e.kind === kind)[nth].seq);
    expect(say('process.start')).toBe('start() launched process Process-1 (pid 1301)');
    expect(say('process.begin', 1)).toBe('process Process-1 (pid 1301) began: a copy of its parent (fork), parent pid 1200');
    expect(say('process.begin', 0)).toBe('process MainProcess (pid 1200) began: the program itself');
    expect(say('process.kill')).toBe('kill() sent SIGKILL to Process-1 (pid 1301)');
    expect(say('process.joined')).toBe('join() on Process-1 (pid 1301) returned: the process was killed by SIGKILL (9)');
    expect(say('process.joined', 1)).toBe('join() on Process-1 (pid 1301) returned: timed out: the process is still running');
  });

  it('adds one line per process to the banner for multi-process runs only', () => {
    const m = model(family([1301]));
    const e = end({
      processes: {
        [ROOT]: { name: 'MainProcess', parent: 1100, exit_code: 0, threads: 2, cpu_s: 0.25 },
        1301: { name: 'Process-1', parent: ROOT, exit_code: -15, threads: 1, cpu_s: 1.5 },
      },
    });
    expect(processLines(e, m)).toEqual([
      'MainProcess (pid 1200): 2 threads, 250 ms on a CPU, exit 0',
      'Process-1 (pid 1301): 1 thread, 1.5 s on a CPU, killed by SIGTERM (15)',
    ]);
    // A grandchild names its parent.
    const grand = end({ processes: { [ROOT]: { name: 'MainProcess', parent: 1100, exit_code: 0, threads: 1, cpu_s: 0 }, 1301: { name: 'Process-1', parent: ROOT, exit_code: 0, threads: 1, cpu_s: 0 }, 1400: { name: 'Process-1:1', parent: 1301, exit_code: 0, threads: 1, cpu_s: 0 } } });
    expect(processLines(grand, m)[2]).toBe('Process-1:1 (pid 1400, parent 1301): 1 thread, 0 s on a CPU, exit 0');
    // The banner shows them as chips, not among the activity lines.
    expect(describeActivity(e, m)).toEqual([]);
    expect(processSummaries(e, m).map((r) => [r.pid, r.exit, r.cpuS])).toEqual([[ROOT, 0, 0.25], [1301, -15, 1.5]]);
    const single = model(new TraceBuilder().begin(1, 1));
    expect(processLines(end({ processes: { 1: { name: 'MainProcess', parent: 0, exit_code: 0, threads: 2, cpu_s: 1 } } }), single)).toEqual([]);
  });

  it('lists the processes in the trace\'s order, and from the trace when the summary has none', () => {
    const m = model(family([1302, 1301]));
    const e = end({ processes: { 1301: { name: 'B', parent: ROOT, exit_code: 0, threads: 1, cpu_s: 0 }, 1302: { name: 'A', parent: ROOT, exit_code: 0, threads: 1, cpu_s: 0 }, [ROOT]: { name: 'MainProcess', parent: 1, exit_code: 0, threads: 1, cpu_s: 0 } } });
    expect(processSummaries(e, m).map((r) => r.name)).toEqual(['MainProcess', 'A', 'B']);
    expect(processLines(end({}), m)).toEqual([
      'MainProcess (pid 1200): 1 thread',
      'Process-1 (pid 1302): 1 thread',
      'Process-2 (pid 1301): 1 thread',
    ]);
  });

  it('sums the processes past the first few into one line', () => {
    const pids = [1, 2, 3, 4, 5, 6, 7, 8];
    const m = model(family(pids));
    const processes = Object.fromEntries([ROOT, ...pids].map((p) => [p, { name: `P${p}`, parent: ROOT, exit_code: p === 8 ? 1 : 0, threads: 1, cpu_s: 0.1 }]));
    const lines = processLines(end({ processes }), m);
    expect(lines.length).toBe(6);
    expect(lines[5]).toBe('and 4 more processes: 4 threads, 400 ms on a CPU, 1 did not exit 0');
  });
});

describe('Proc', () => {
  it('is the program when first, and says so in its label until named', () => {
    const root = new Proc(10, 0);
    expect(root.isRoot).toBe(true);
    expect(root.label).toBe('MainProcess');
    expect(root.detail()).toBe('pid 10');
  });
});
