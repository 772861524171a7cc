// The actor rule in the front end's fold: a lock/event/queue event recorded by
// a thread while a coroutine runs on it is the coroutine's (holders, waiters,
// lane states, hand-offs, the deadlock cycle).
import { describe, expect, it } from 'vitest';
import type { End } from '../src/generated/events';
import { coroWaitText } from '../src/model/describe';
import { cycleActors, diagnose } from '../src/model/diagnosis';
import { coroActor, type Lane } from '../src/model/lane';
import { applyEvent, CHECKPOINT, emptySnapshot } from '../src/model/objects';
import { S } from '../src/model/states';
import { TraceModel } from '../src/model/trace';
import { TraceBuilder } from './helpers';

const LOOP = 10;

function model(b: TraceBuilder): TraceModel {
  const m = new TraceModel();
  m.ingest(b.events);
  return m;
}

/** An asyncio program on the main thread: its event loop and tasks (ids from 11). */
function tasks(b: TraceBuilder, names: string[]): TraceBuilder {
  b.add(1, 0, 'coro.new', LOOP, { name: 'event loop', kind: 'asyncio', file: null, line: null });
  names.forEach((name, i) => b.add(2 + i * 0.1, 0, 'coro.new', 11 + i, { name, kind: 'asyncio', file: 'demo.py', line: 5 }));
  return b;
}

/** One step of task `id` at time t: the loop switches to it, `body` runs, it says what it waits for, back to the loop. */
function step(b: TraceBuilder, t: number, id: number, body: (b: TraceBuilder) => void, wait?: Record<string, unknown>): TraceBuilder {
  b.add(t, 0, 'coro.switch', id, { origin: LOOP, throw: false });
  body(b);
  if (wait !== undefined) b.add(t + 0.5, 0, 'coro.wait', id, { detail: null, target: null, ...wait });
  return b.add(t + 0.9, 0, 'coro.switch', LOOP, { origin: id, throw: false });
}

function lock(b: TraceBuilder, t: number, kind: string, obj: number): TraceBuilder {
  return b.add(t, 0, kind, obj, kind === 'lock.block' ? { timeout: null, file: 'demo.py', line: 9 } : {});
}

/** worker-0 takes counter_lock and sleeps; worker-1 finds it taken and waits; worker-0 releases; worker-1 gets it. */
function contention(): TraceBuilder {
  const b = new TraceBuilder().obj(0.5, 1, 'Lock', 'counter_lock');
  tasks(b, ['worker-0', 'worker-1']);
  step(b, 10, 11, (x) => lock(x, 10.2, 'lock.acquire', 1), { what: 'sleep', detail: '0.01 s' });
  step(b, 20, 12, (x) => lock(x, 20.2, 'lock.block', 1), { what: 'lock', target: 1 });
  step(b, 30, 11, (x) => lock(x, 30.2, 'lock.release', 1), { what: 'sleep', detail: '0.01 s' });
  step(b, 40, 12, (x) => lock(x, 40.2, 'lock.acquire', 1));
  return b;
}

function seqOf(m: TraceModel, kind: string, t: number): number {
  for (let i = 0; i < m.store.length; i++) if (m.store.kindName(i) === kind && m.store.t.data[i] === t) return i;
  throw new Error(`no ${kind} at ${t}`);
}

function coroLane(m: TraceModel, id: number): Lane {
  return m.coros.lanes.get(id)!;
}

describe('the actor rule: two tasks on one thread contend for a lock', () => {
  it('names the task as holder and waiter, not the thread', () => {
    const m = model(contention());
    const held = m.tracker.at(seqOf(m, 'lock.acquire', 10.2)).objs.get(1)!;
    expect(held.holders).toEqual([coroActor(11)]);
    expect(held.holders.map((a) => m.threadName(a))).toEqual(['worker-0']);
    const queued = m.tracker.at(seqOf(m, 'lock.block', 20.2)).objs.get(1)!;
    expect(queued.waiters.map((a) => m.threadName(a))).toEqual(['worker-1']);
    const passed = m.tracker.at(m.eventCount - 1).objs.get(1)!;
    expect(passed.holders.map((a) => m.threadName(a))).toEqual(['worker-1']);
    expect(passed.waiters).toEqual([]);
    // An actor finds its lane and row (the objects panel's chips follow it).
    expect(m.actorLane(coroActor(12))).toBe(coroLane(m, 12));
    expect(m.rowOf(coroActor(12))).toBe(m.coroRowOf(12));
    expect(m.rowOf(-1)).toBe(-1);
  });

  it('colours the waiting task blocked on the lock across its switches, and keeps the thread running', () => {
    const m = model(contention());
    const w1 = coroLane(m, 12);
    expect([20.1, 20.3, 25, 39.9, 40.1, 40.5].map((t) => w1.stateAt(t)))
      .toEqual([S.running, S.blocked, S.blocked, S.blocked, S.running, S.running]);
    expect(w1.objs.data[w1.spanAt(25)]).toBe(1);
    expect(w1.seqs.data[w1.spanAt(25)]).toBe(seqOf(m, 'lock.block', 20.2));
    // A task that only sleeps is suspended, as before.
    expect(coroLane(m, 11).stateAt(25)).toBe(S.suspended);
    // The host thread never blocked: it ran the loop, and says which coroutine ran.
    const main = m.lanes[0];
    expect([20.3, 25, 39.9].map((t) => main.stateAt(t))).toEqual([S.running, S.running, S.running]);
    expect(main.coroAt(20.3)).toBe(12);
    expect(main.coroAt(25)).toBe(LOOP);
    // The lock events are marked on the task's lane too.
    expect(w1.events.toArray()).toContain(seqOf(m, 'lock.block', 20.2));
  });

  it('says in the tooltip what the task waits for and who holds it', () => {
    const m = model(contention());
    const blockSeq = seqOf(m, 'lock.block', 20.2);
    expect(coroWaitText(m, S.blocked, 1, blockSeq, 25)).toBe('waiting for counter_lock (held by worker-0)');
    expect(coroWaitText(m, S.blocked, 1, blockSeq, 35)).toBe('waiting for counter_lock');
  });

  it('draws the hand-off from the releasing task to the one that got the lock', () => {
    const m = model(contention());
    expect(m.handoffs.length).toBe(1);
    expect(m.handoffs.fromTid.data[0]).toBe(coroActor(11));
    expect(m.handoffs.toTid.data[0]).toBe(coroActor(12));
    expect([m.handoffs.fromT.data[0], m.handoffs.toT.data[0]]).toEqual([30.2, 40.2]);
  });

  it('keeps the running coroutines across checkpoints: a fold from scratch agrees', () => {
    // worker-0 starts running, then a checkpoint passes, then it takes the lock: the checkpoint must remember who runs.
    const b = new TraceBuilder().obj(0.5, 1, 'Lock', 'counter_lock');
    tasks(b, ['worker-0', 'worker-1']);
    b.add(9, 0, 'coro.switch', 11, { origin: LOOP, throw: false });
    for (let i = 0; i < CHECKPOINT; i++) b.add(9 + i / (CHECKPOINT * 2), 0, 'line', null, { file: 'demo.py', line: 7 });
    lock(b, 9.6, 'lock.acquire', 1);
    b.add(9.7, 0, 'line', null, { file: 'demo.py', line: 8 });
    const m = model(b);
    const acquired = seqOf(m, 'lock.acquire', 9.6);
    expect(acquired).toBeGreaterThan(CHECKPOINT);
    const direct = emptySnapshot();
    for (let i = 0; i <= acquired; i++) applyEvent(direct, m.store, i);
    expect(direct.objs.get(1)!.holders).toEqual([coroActor(11)]);
    expect(m.tracker.at(acquired).objs.get(1)!.holders).toEqual([coroActor(11)]);
  });

  it('puts a task waiting on an event in the event colour, its waiter list naming it', () => {
    const b = new TraceBuilder().obj(0.5, 2, 'Event', 'ready');
    tasks(b, ['consumer']);
    step(b, 10, 11, (x) => x.add(10.2, 0, 'event.wait', 2, { timeout: null, file: 'demo.py', line: 4 }), { what: 'event', target: 2 });
    b.add(15, 0, 'event.set', 2);
    step(b, 20, 11, (x) => x.add(20.2, 0, 'event.wake', 2, { flag: true }));
    const m = model(b);
    const lane = coroLane(m, 11);
    expect([12, 19].map((t) => lane.stateAt(t))).toEqual([S.waitEvent, S.waitEvent]);
    expect(lane.stateAt(20.5)).toBe(S.running);
    expect(m.tracker.at(seqOf(m, 'event.wait', 10.2)).objs.get(2)!.sleepers.map((a) => m.threadName(a))).toEqual(['consumer']);
    expect(coroWaitText(m, S.waitEvent, 2, seqOf(m, 'event.wait', 10.2), 12)).toBe('waiting for event ready to be set');
  });

  it('leaves threads alone: no coroutine, no running map, holders are tids', () => {
    const b = new TraceBuilder().obj(0.5, 1, 'Lock', 'L').begin(1, 1, 'A');
    lock(b, 2, 'lock.acquire', 1).add(3, 0, 'lock.block', 1, { timeout: null });
    const m = model(b);
    const s = m.tracker.at(m.eventCount - 1);
    expect(s.running.size).toBe(0);
    expect(s.objs.get(1)!.holders).toEqual([0]);
    expect(m.lanes[0].stateAt(3.5)).toBe(S.blocked);
  });
});

describe('the actor rule: a deadlock between two tasks', () => {
  function deadlock(): { m: TraceModel; end: End } {
    const b = new TraceBuilder().obj(0.5, 1, 'Lock', 'lock_a').obj(0.6, 2, 'Lock', 'lock_b');
    tasks(b, ['transfer-ab', 'transfer-ba']);
    step(b, 10, 11, (x) => lock(x, 10.2, 'lock.acquire', 1), { what: 'sleep', detail: '0.01 s' });
    step(b, 11, 12, (x) => lock(x, 11.2, 'lock.acquire', 2), { what: 'sleep', detail: '0.01 s' });
    step(b, 20, 11, (x) => lock(x, 20.2, 'lock.block', 2), { what: 'lock', target: 2 });
    step(b, 21, 12, (x) => lock(x, 21.2, 'lock.block', 1), { what: 'lock', target: 1 });
    const m = model(b);
    const cycle = [
      { thread: 0, coroutine: 11, name: 'transfer-ab', holds: ['lock_a'], waits_for: 'lock_b', file: 'demo.py', line: 9 },
      { thread: 0, coroutine: 12, name: 'transfer-ba', holds: ['lock_b'], waits_for: 'lock_a', file: 'demo.py', line: 9 },
    ];
    const end = { type: 'end', status: 'deadlocked', exit_code: 3, duration_ns: 30, summary: { deadlock: { cycle } } } as End;
    m.setEnd(end);
    return { m, end };
  }

  it('holds and waits per task', () => {
    const { m } = deadlock();
    const s = m.tracker.at(m.eventCount - 1);
    const who = (ids: number[]) => ids.map((a) => m.threadName(a));
    expect(who(s.objs.get(1)!.holders)).toEqual(['transfer-ab']);
    expect(who(s.objs.get(1)!.waiters)).toEqual(['transfer-ba']);
    expect(who(s.objs.get(2)!.holders)).toEqual(['transfer-ba']);
    expect(who(s.objs.get(2)!.waiters)).toEqual(['transfer-ab']);
  });

  it('shows both task lanes blocked to the end, each on the lock the other holds', () => {
    const { m } = deadlock();
    const [ab, ba] = [coroLane(m, 11), coroLane(m, 12)];
    expect([ab.stateAt(29), ba.stateAt(29)]).toEqual([S.blocked, S.blocked]);
    expect(m.lanes[0].stateAt(29)).toBe(S.running);
    const abSpan = ab.spanAt(29);
    expect(coroWaitText(m, S.blocked, ab.objs.data[abSpan], ab.seqs.data[abSpan], 29)).toBe('waiting for lock_b (held by transfer-ba)');
  });

  it('puts the task lanes in the banner and the alarm set', () => {
    const { m, end } = deadlock();
    const d = diagnose(end);
    expect(d.headline).toBe('Deadlock: 2 tasks wait for each other in a cycle');
    expect(d.detail).toContain('No task in the cycle');
    const actors = cycleActors(end);
    expect([...actors].sort()).toEqual([coroActor(11), coroActor(12)].sort());
    expect([...actors].map((a) => m.actorLane(a)?.name).sort()).toEqual(['transfer-ab', 'transfer-ba']);
    // A thread deadlock keeps its thread ids.
    const threads = { ...end, summary: { deadlock: { cycle: [{ thread: 1, name: 'A', holds: [], waits_for: 'L', file: null, line: null }] } } } as End;
    expect([...cycleActors(threads)]).toEqual([1]);
    expect(diagnose(threads).headline).toBe('Deadlock: 1 threads wait for each other in a cycle');
  });
});
