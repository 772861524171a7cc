import { describe, expect, it } from 'vitest';
import { describeEvent } from '../src/model/describe';
import { waitBefore } from '../src/model/coroutines';
import { Lane } from '../src/model/lane';
import { S } from '../src/model/states';
import { TraceModel } from '../src/model/trace';
import { TraceBuilder } from './helpers';

function model(b: TraceBuilder): TraceModel {
  const m = new TraceModel();
  m.ingest(b.events);
  return m;
}

function names(m: TraceModel): string[] {
  return m.rows.map((r) => (r instanceof Lane ? r.name : `[${r.label}]`));
}

function coroNew(b: TraceBuilder, t: number, tid: number, id: number, name: string, kind = 'greenlet'): TraceBuilder {
  return b.add(t, tid, 'coro.new', id, { name, kind, file: null, line: null });
}

function sw(b: TraceBuilder, t: number, tid: number, to: number, origin: number | null): TraceBuilder {
  return b.add(t, tid, 'coro.switch', to, { origin, throw: false });
}

/** The greenlet ping-pong of gr.py: main → gr1 → gr2 → gr1 → main, gr1 ends. */
function pingPong(): TraceBuilder {
  const b = new TraceBuilder();
  b.begin(1, 1, 'Worker');
  coroNew(b, 10, 0, 101, 'main greenlet');
  coroNew(b, 11, 0, 102, 'greenlet');
  sw(b, 12, 0, 102, 101);
  coroNew(b, 13, 0, 103, 'greenlet');
  b.add(14, 0, 'coro.name', 102, { name: 'gr1', file: '/tmp/gr.py', line: 3 });
  sw(b, 15, 0, 103, 102);
  b.add(16, 0, 'coro.name', 103, { name: 'gr2', file: '/tmp/gr.py', line: 8 });
  sw(b, 17, 0, 102, 103);
  sw(b, 18, 0, 101, 102);
  b.add(19, 0, 'coro.end', 102);
  return b;
}

function spans(l: Lane): [number, number][] {
  return Array.from(l.starts.toArray(), (t, i) => [t, l.states.data[i]]);
}

describe('coroutine lanes', () => {
  it('leaves a trace without coroutines as it was: one row per thread', () => {
    const m = model(new TraceBuilder().begin(1, 1, 'A'));
    expect(m.rows).toBe(m.lanes);
    expect(m.coros.count).toBe(0);
    expect(m.processRows).toBe(0);
  });

  it('nests each coroutine right under the thread it was first seen on, in order of appearance', () => {
    const m = model(pingPong());
    expect(names(m)).toEqual(['MainThread', 'main greenlet', 'gr1', 'gr2', 'Worker']);
    expect(m.rows.map((r) => (r as Lane).index)).toEqual([0, 1, 2, 3, 4]);
    expect(m.coroRowOf(103)).toBe(3);
    expect(m.rowOf(1)).toBe(4);
    // Threads stay threads: the lane list and per-process lanes hold no coroutines.
    expect(m.lanes.length).toBe(2);
    expect(m.lanes[0].coros.map((c) => c.coro?.id)).toEqual([101, 102, 103]);
    expect(m.coros.lanes.get(102)?.coro?.thread).toBe(m.lanes[0]);
  });

  it('folds running and suspended spans from the switches, and finishes at coro.end', () => {
    const m = model(pingPong());
    const [main, gr1, gr2] = [101, 102, 103].map((id) => m.coros.lanes.get(id)!);
    // The main greenlet was running when first seen.
    expect(spans(main)).toEqual([[10, S.running], [12, S.suspended], [18, S.running]]);
    expect(spans(gr1)).toEqual([[11, S.suspended], [12, S.running], [15, S.suspended], [17, S.running], [18, S.suspended], [19, S.finished]]);
    expect(spans(gr2)).toEqual([[13, S.suspended], [15, S.running], [17, S.suspended]]);
    expect(gr1.endT).toBe(19);
    expect(gr1.stateAt(16)).toBe(S.suspended);
    expect(gr1.coro?.switches).toBe(2);
  });

  it('says which coroutine runs on the thread when', () => {
    const m = model(pingPong());
    const t = m.lanes[0];
    expect([9, 10, 12, 15.5, 17, 18.5].map((x) => t.coroAt(x))).toEqual([-1, 101, 102, 103, 102, 101]);
    expect(m.lanes[1].coroAt(15)).toBe(-1);
  });

  it('renames a coroutine from the latest coro.name and names the gevent hub', () => {
    const b = pingPong();
    b.add(20, 0, 'coro.name', 103, { name: 'pong', file: '/tmp/gr.py', line: 9 });
    coroNew(b, 21, 0, 104, 'Hub', 'gevent');
    const m = model(b);
    expect(m.coros.lanes.get(103)?.name).toBe('pong');
    expect(m.coros.lanes.get(103)?.coro?.line).toBe(9);
    expect(m.objectName(103)).toBe('pong');
    expect(m.coros.lanes.get(104)?.name).toBe("Hub (gevent's event loop)");
    expect(m.coros.lanes.get(104)?.coro?.kind).toBe('gevent');
  });

  it('draws one switch arrow per switch, from the origin coroutine to the target', () => {
    const m = model(pingPong());
    const a = m.coros.switches;
    expect(a.length).toBe(4);
    expect(a.fromTid.toArray()).toEqual([101, 102, 103, 102]);
    expect(a.toTid.toArray()).toEqual([102, 103, 102, 101]);
    expect(a.fromT.toArray()).toEqual([12, 15, 17, 18]);
    expect(a.toT.toArray()).toEqual([12, 15, 17, 18]);
    // Lock hand-offs are a different set of arrows.
    expect(m.handoffs.length).toBe(0);
  });

  it('gives a coroutine switched to before it was announced a lane, and finishes coroutines with their thread', () => {
    const b = new TraceBuilder().begin(1, 1, 'T');
    coroNew(b, 2, 1, 7, 'main greenlet');
    sw(b, 3, 1, 8, 7);
    b.add(4, 1, 'thread.end', null, {});
    const m = model(b);
    expect(names(m)).toEqual(['MainThread', 'T', 'main greenlet', 'coroutine #8']);
    expect(m.coros.lanes.get(8)?.stateAt(3.5)).toBe(S.running);
    expect(m.coros.lanes.get(7)?.stateAt(5)).toBe(S.finished);
    expect(m.coros.lanes.get(8)?.endT).toBe(4);
  });

  it('groups coroutines under their thread inside a process group', () => {
    const b = new TraceBuilder();
    b.inProcess(1, 1, 0, 'process.begin', null, { pid: 1, ppid: 0, name: 'MainProcess', method: 'root' });
    b.inProcess(1, 2, 0, 'coro.new', 5, { name: 'main greenlet', kind: 'greenlet', file: null, line: null });
    b.inProcess(2, 3, 2 << 20, 'process.begin', null, { pid: 2, ppid: 1, name: 'Process-1', method: 'spawn' });
    const m = model(b);
    expect(names(m)).toEqual(['[MainProcess]', 'MainThread', 'main greenlet', '[Process-1]', 'MainThread']);
    expect(m.processRows).toBe(2);
  });

  it('describes coroutine events in words', () => {
    const m = model(pingPong());
    const seqOf = (kind: string, obj: number): number => m.store.kind.toArray().findIndex((k, i) => m.store.kindName(i) === kind && m.store.obj.data[i] === obj && k >= 0);
    expect(describeEvent(m, seqOf('coro.switch', 103))).toBe('MainThread switched from gr1 to gr2: gr1 is suspended, gr2 runs');
    expect(describeEvent(m, seqOf('coro.end', 102))).toBe('coroutine gr1 finished');
    expect(describeEvent(m, seqOf('coro.new', 101))).toContain('new greenlet main greenlet');
    expect(describeEvent(m, seqOf('coro.name', 102))).toBe('this coroutine is called gr1 (gr.py:3)');
  });
});

describe('coroutine waits and switches back to the thread', () => {
  it('says what a suspended task waits for, and a generator returning to its caller is suspended', () => {
    const b = new TraceBuilder();
    coroNew(b, 1, 0, 5, 'loop', 'asyncio');
    coroNew(b, 2, 0, 6, 'report', 'asyncio');
    sw(b, 3, 0, 6, 5);
    b.add(4, 0, 'coro.wait', 6, { what: 'task', target: 5, detail: 'download-2' });
    sw(b, 5, 0, 5, 6);
    coroNew(b, 6, 0, 7, 'c', 'generator');
    sw(b, 7, 0, 7, null);
    b.add(8, 0, 'coro.switch', null, { origin: 7, throw: false });
    const m = model(b);
    const report = m.coros.lanes.get(6)!;
    expect(report.stateAt(5.5)).toBe(S.suspended);
    const i = report.spanAt(5.5);
    expect(waitBefore(report.coro!, report.seqs.data[i], report.seqs.data[i - 1])).toBe('waiting for task loop');
    const gen = m.coros.lanes.get(7)!;
    expect(gen.stateAt(7.5)).toBe(S.running);
    expect(gen.stateAt(8.5)).toBe(S.suspended);
  });
});
