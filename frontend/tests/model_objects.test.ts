import { describe, expect, it } from 'vitest';
import { TraceModel } from '../src/model/trace';
import { CHECKPOINT, applyEvent, emptySnapshot } from '../src/model/objects';
import { TraceBuilder } from './helpers';

function at(b: TraceBuilder, seq: number) {
  const m = new TraceModel();
  m.ingest(b.events);
  return m.tracker.at(seq);
}

describe('locks at the playhead', () => {
  it('shows the holder and the wait queue in request order', () => {
    const b = new TraceBuilder().obj(0, 1, 'Lock', 'L');
    b.add(1, 1, 'lock.acquire', 1, { depth: null });
    b.add(2, 3, 'lock.block', 1, { timeout: null, file: null, line: null });
    b.add(3, 2, 'lock.block', 1, { timeout: null, file: null, line: null });
    b.add(4, 4, 'lock.block', 1, { timeout: null, file: null, line: null });
    const s = at(b, 4).objs.get(1)!;
    expect(s.holders).toEqual([1]);
    expect(s.waiters).toEqual([3, 2, 4]);
    b.add(5, 1, 'lock.release', 1, { depth: null });
    b.add(6, 2, 'lock.acquire', 1, { depth: null });
    b.add(7, 4, 'lock.fail', 1, { blocking: true });
    const after = at(b, 7).objs.get(1)!;
    expect(after.holders).toEqual([2]);
    expect(after.waiters).toEqual([3]);
    expect(after.acquisitions).toBe(2);
  });

  it('counts RLock depth and clears the holder when it reaches zero', () => {
    const b = new TraceBuilder().obj(0, 1, 'RLock', 'R');
    b.add(1, 1, 'lock.acquire', 1, { depth: 1 });
    b.add(2, 1, 'lock.acquire', 1, { depth: 2 });
    b.add(3, 1, 'lock.release', 1, { depth: 1 });
    b.add(4, 1, 'lock.release', 1, { depth: 0 });
    expect(at(b, 2).objs.get(1)).toMatchObject({ holders: [1], depth: 2 });
    expect(at(b, 3).objs.get(1)).toMatchObject({ holders: [1], depth: 1 });
    expect(at(b, 4).objs.get(1)).toMatchObject({ holders: [], depth: 0 });
  });

  it('counts semaphore permits used as acquires minus releases, holders as a multiset', () => {
    const b = new TraceBuilder().obj(0, 1, 'Semaphore', 'S', 2);
    b.add(1, 1, 'lock.acquire', 1, { depth: null });
    b.add(2, 1, 'lock.acquire', 1, { depth: null });
    b.add(3, 2, 'lock.block', 1, { timeout: null, file: null, line: null });
    const s = at(b, 3).objs.get(1)!;
    expect([s.used, s.value, s.holders, s.waiters]).toEqual([2, 2, [1, 1], [2]]);
    b.add(4, 3, 'lock.release', 1, { depth: null }); // released by a thread that does not hold it
    b.add(5, 2, 'lock.acquire', 1, { depth: null });
    const s2 = at(b, 5).objs.get(1)!;
    expect([s2.used, s2.holders, s2.waiters]).toEqual([2, [1, 2], []]);
  });
});

describe('events, conditions, barriers, variables', () => {
  it('tracks an event flag and its waiters', () => {
    const b = new TraceBuilder().obj(0, 1, 'Event', 'go');
    b.add(1, 1, 'event.wait', 1, { timeout: null, file: null, line: null });
    b.add(2, 2, 'event.wait', 1, { timeout: null, file: null, line: null });
    expect(at(b, 2).objs.get(1)).toMatchObject({ flag: false, sleepers: [1, 2] });
    b.add(3, 0, 'event.set', 1).add(4, 2, 'event.wake', 1, { flag: true });
    expect(at(b, 4).objs.get(1)).toMatchObject({ flag: true, sleepers: [1] });
    b.add(5, 0, 'event.clear', 1);
    expect(at(b, 5).objs.get(1)!.flag).toBe(false);
  });

  it('tracks condition waiters and barrier arrivals', () => {
    const b = new TraceBuilder().obj(0, 1, 'Condition', 'c', null, 7).obj(0, 2, 'Barrier', 'bar', 3);
    b.add(1, 1, 'cond.wait', 1, { timeout: null, file: null, line: null });
    b.add(2, 1, 'barrier.wait', 2, { timeout: null, file: null, line: null });
    b.add(3, 2, 'barrier.wait', 2, { timeout: null, file: null, line: null });
    const s = at(b, 4);
    expect(s.objs.get(1)).toMatchObject({ sleepers: [1], lock: 7 });
    expect(s.objs.get(2)).toMatchObject({ sleepers: [1, 2], value: 3 });
    b.add(4, 2, 'barrier.broken', 2);
    expect(at(b, 5).objs.get(2)).toMatchObject({ sleepers: [1], broken: true });
  });

  it('shows a watched variable as its last written value', () => {
    const b = new TraceBuilder();
    b.add(1, 1, 'var.read', null, { name: 'num', value: 100, line: 5 });
    expect(at(b, 0).vars.get('num')).toMatchObject({ value: 100, writes: 0 });
    b.add(2, 1, 'var.write', null, { name: 'num', value: 99, line: 7 });
    expect(at(b, 1).vars.get('num')).toMatchObject({ value: 99, writes: 1, lastWriter: 1 });
  });

  it('gives the same state from a checkpoint as from folding every event', () => {
    const b = new TraceBuilder().obj(0, 1, 'Lock', 'L');
    const n = CHECKPOINT * 2 + 100;
    for (let i = 0; i < n; i++) {
      const tid = 1 + (i % 7);
      b.add(i + 1, tid, i % 3 === 0 ? 'lock.block' : i % 3 === 1 ? 'lock.acquire' : 'lock.release', 1, { depth: null });
    }
    const m = new TraceModel();
    m.ingest(b.events);
    for (const seq of [CHECKPOINT - 1, CHECKPOINT, CHECKPOINT * 2 + 50, n - 1]) {
      const direct = emptySnapshot();
      for (let i = 0; i <= seq; i++) applyEvent(direct, m.store, i);
      expect(m.tracker.at(seq)).toEqual(direct);
    }
  });
});

describe('queues', () => {
  it('shows a thread waiting on an empty queue and the item count', async () => {
    const { S } = await import('../src/model/states');
    const b = new TraceBuilder().obj(0, 1, 'Queue', 'q', 2).begin(1, 1);
    b.add(2, 1, 'queue.block', 1, { op: 'get', timeout: null, file: 'q.py', line: 5 });
    b.add(3, 0, 'queue.put', 1, { id: 1, item: 'x', size: 1 });
    b.add(4, 1, 'queue.wake', 1, { op: 'get', ok: true });
    b.add(5, 1, 'queue.get', 1, { id: 1, item: 'x', size: 0 });
    const m = new TraceModel();
    m.ingest(b.events);
    expect(m.laneByTid.get(1)!.stateAt(2.5)).toBe(S.waitQueue);
    expect(m.laneByTid.get(1)!.stateAt(4.5)).toBe(S.running);
    expect(m.tracker.at(3).objs.get(1)).toMatchObject({ type: 'Queue', size: 1, sleepers: [1], value: 2 });
    expect(m.tracker.at(5).objs.get(1)).toMatchObject({ size: 0, sleepers: [] });
  });
});
