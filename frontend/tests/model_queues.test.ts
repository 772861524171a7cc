import { describe, expect, it } from 'vitest';
import { describeActivity } from '../src/model/activity';
import { describeEvent, waitDetail } from '../src/model/describe';
import { applyEvent, emptySnapshot } from '../src/model/objects';
import { orderedItems, priorityKey } from '../src/model/queues';
import { S } from '../src/model/states';
import { TraceModel } from '../src/model/trace';
import type { End } from '../src/generated/events';
import { TraceBuilder } from './helpers';

function model(b: TraceBuilder): TraceModel {
  const m = new TraceModel();
  m.ingest(b.events);
  return m;
}

const put = (b: TraceBuilder, t: number, tid: number, q: number, id: number, item: string, size: number) =>
  b.add(t, tid, 'queue.put', q, { id, item, size });
const get = (b: TraceBuilder, t: number, tid: number, q: number, id: number | null, item: string, size: number) =>
  b.add(t, tid, 'queue.get', q, { id, item, size });

function reprs(m: TraceModel, seq: number, q: number): string[] {
  return orderedItems(m.tracker.at(seq).queues.get(q)!).map((i) => i.repr);
}

describe('queue contents at the playhead', () => {
  it('keeps a FIFO queue in put order and removes the item each get names', () => {
    const b = new TraceBuilder().obj(0, 1, 'Queue', 'q', 3);
    put(b, 1, 1, 1, 1, "'a'", 1);
    put(b, 2, 1, 1, 2, "'b'", 2);
    put(b, 3, 2, 1, 3, "'c'", 3);
    get(b, 4, 3, 1, 1, "'a'", 2);
    const m = model(b);
    expect(reprs(m, 3, 1)).toEqual(["'a'", "'b'", "'c'"]);
    expect(reprs(m, 4, 1)).toEqual(["'b'", "'c'"]);
    const q = m.tracker.at(3).queues.get(1)!;
    expect(q.items.map((i) => i.tid)).toEqual([1, 1, 2]);
    expect(q).toMatchObject({ maxsize: 3, size: 3, unfinished: 3, puts: 3, gets: 0 });
  });

  it('shows a LifoQueue top first and a PriorityQueue lowest first', () => {
    const b = new TraceBuilder().obj(0, 1, 'LifoQueue', 'lifo', 0).obj(0, 2, 'PriorityQueue', 'prio', 0);
    const items = ["(3, 'report')", "(1, 'outage')", "(4, 'lunch')", "(2, 'email')"];
    items.forEach((it, i) => {
      put(b, 1 + i, 0, 1, i + 1, it, i + 1);
      put(b, 1 + i, 0, 2, i + 1, it, i + 1);
    });
    const m = model(b);
    const last = b.events.length - 1;
    expect(reprs(m, last, 1)).toEqual(["(2, 'email')", "(4, 'lunch')", "(1, 'outage')", "(3, 'report')"]);
    expect(reprs(m, last, 2)).toEqual(["(1, 'outage')", "(2, 'email')", "(3, 'report')", "(4, 'lunch')"]);
  });

  it('takes the next item by the discipline when a get carries no id', () => {
    const b = new TraceBuilder().obj(0, 1, 'LifoQueue', 'lifo', 0).obj(0, 2, 'PriorityQueue', 'prio', 0).obj(0, 3, 'SimpleQueue', 's', null);
    for (const q of [1, 2, 3]) {
      put(b, 1, 0, q, 1, '5', 1);
      put(b, 2, 0, q, 2, '1', 2);
      put(b, 3, 0, q, 3, '9', 3);
      get(b, 4, 1, q, null, '?', 2);
    }
    const m = model(b);
    const last = b.events.length - 1;
    expect(reprs(m, last, 1)).toEqual(['1', '5']); // the top (9) went
    expect(reprs(m, last, 2)).toEqual(['5', '9']); // the lowest (1) went
    expect(reprs(m, last, 3)).toEqual(['1', '9']); // the oldest (5) went
  });

  it('orders priorities numerically, before non-numeric items', () => {
    expect(priorityKey('10')[1]).toBe(10);
    expect(priorityKey("(2.5, 'x')")[1]).toBe(2.5);
    expect(priorityKey("[-3, 'x']")[1]).toBe(-3);
    expect(priorityKey("'text'")[0]).toBe(1);
  });

  it('tracks getters and putters in request order, unfinished tasks and join waiters', () => {
    const b = new TraceBuilder().obj(0, 1, 'Queue', 'q', 1);
    b.add(1, 2, 'queue.block', 1, { op: 'get', timeout: null, file: 'q.py', line: 3 });
    b.add(2, 3, 'queue.block', 1, { op: 'get', timeout: null, file: 'q.py', line: 3 });
    put(b, 3, 1, 1, 1, 'x', 1);
    b.add(4, 1, 'queue.block', 1, { op: 'put', timeout: null, file: 'q.py', line: 4 });
    b.add(5, 2, 'queue.wake', 1, { op: 'get', ok: true });
    get(b, 6, 2, 1, 1, 'x', 0);
    b.add(7, 1, 'queue.wake', 1, { op: 'put', ok: true });
    put(b, 8, 1, 1, 2, 'y', 1);
    b.add(9, 0, 'queue.join', 1, { unfinished: 2, file: 'q.py', line: 9 });
    b.add(10, 2, 'queue.task_done', 1, { unfinished: 1 });
    b.add(11, 3, 'queue.wake', 1, { op: 'get', ok: true });
    get(b, 12, 3, 1, 2, 'y', 0);
    b.add(13, 3, 'queue.task_done', 1, { unfinished: 0 });
    b.add(14, 0, 'queue.joined', 1, {});
    const m = model(b);
    const at = (seq: number) => m.tracker.at(seq).queues.get(1)!;
    expect(at(2)).toMatchObject({ getters: [2, 3], putters: [] });
    expect(at(4)).toMatchObject({ getters: [2, 3], putters: [1], unfinished: 1 });
    expect(at(7)).toMatchObject({ getters: [3], putters: [] });
    expect(at(9)).toMatchObject({ joiners: [0], unfinished: 2 });
    expect(at(11)).toMatchObject({ unfinished: 1, getters: [] });
    expect(at(14)).toMatchObject({ joiners: [], unfinished: 0, items: [] });
    // Lanes: a queue wait is the queue state, a join too.
    expect(m.laneByTid.get(1)!.stateAt(4.5)).toBe(S.waitQueue);
    expect(m.laneByTid.get(0)!.stateAt(9.5)).toBe(S.waitQueue);
    expect(m.laneByTid.get(0)!.stateAt(14.5)).toBe(S.running);
    expect(waitDetail(m, m.laneByTid.get(1)!.seqs.data[m.laneByTid.get(1)!.spanAt(4.5)])).toBe('to put into q (full)');
  });

  it('folds the same state directly as through the tracker', () => {
    const b = new TraceBuilder().obj(0, 1, 'Queue', 'q', 0);
    for (let i = 1; i <= 5; i++) put(b, i, 1, 1, i, String(i), i);
    get(b, 6, 2, 1, 3, '3', 4);
    const m = model(b);
    const s = emptySnapshot();
    for (let i = 0; i < b.events.length; i++) applyEvent(s, m.store, i);
    expect(m.tracker.at(b.events.length - 1).queues.get(1)).toEqual(s.queues.get(1));
    expect(orderedItems(s.queues.get(1)!).map((i) => i.repr)).toEqual(['1', '2', '4', '5']);
  });
});

describe('put → get links', () => {
  it('links each get to the put of the same item id, per queue', () => {
    const b = new TraceBuilder().obj(0, 1, 'Queue', 'a', 0).obj(0, 2, 'Queue', 'b', 0);
    put(b, 10, 1, 1, 1, 'x', 1);
    put(b, 11, 1, 2, 1, 'other queue, same id', 1);
    put(b, 12, 1, 1, 2, 'y', 2);
    get(b, 20, 2, 1, 2, 'y', 1);
    get(b, 21, 3, 1, 1, 'x', 0);
    get(b, 22, 3, 2, null, '?', 0); // no id: no link
    const m = model(b);
    const l = m.queues;
    expect(l.length).toBe(2);
    expect([l.fromTid.get(0), l.fromT.get(0), l.toTid.get(0), l.toT.get(0), l.obj.get(0)]).toEqual([1, 12, 2, 20, 1]);
    expect([l.fromT.get(1), l.toTid.get(1), l.toT.get(1)]).toEqual([10, 3, 21]);
    expect(l.linkOfGet(5)).toBe(0);
    expect(l.linkOfGet(7)).toBe(-1);
    expect(describeEvent(m, 5)).toBe("got y from a, put by Thread 1 8 ns earlier (1 item left)");
  });

  it('counts who waited on a full and an empty queue for the banner', () => {
    const b = new TraceBuilder().obj(0, 1, 'Queue', 'q', 1).begin(0, 1, 'producer').begin(0, 2, 'consumer');
    for (let i = 0; i < 3; i++) {
      b.add(10 * i + 1, 1, 'queue.block', 1, { op: 'put', timeout: null, file: null, line: null });
      b.add(10 * i + 2, 1, 'queue.wake', 1, { op: 'put', ok: true });
    }
    b.add(40, 2, 'queue.block', 1, { op: 'get', timeout: null, file: null, line: null });
    const m = model(b);
    const end: End = {
      type: 'end', status: 'finished', exit_code: 0, duration_ns: 50, error: null,
      summary: { objects: { q: { kind: 'Queue', puts: 3, gets: 3, task_done: 0, max_items: 1, max_waiters: 1 } } },
    } as End;
    expect(describeActivity(end, m)).toEqual([
      'q: 3 items put, 3 got; producer waited 3 times on a full queue; consumer waited once on an empty queue; at most 1 item queued',
    ]);
  });
});
