import { describe, expect, it } from 'vitest';
import { KindTable } from '../src/model/kinds';
import { TraceModel } from '../src/model/trace';
import { S } from '../src/model/states';
import { threadPlaceAt, outputAt, matchSource } from '../src/model/playhead';
import { TraceBuilder } from './helpers';

function model(b: TraceBuilder): TraceModel {
  const m = new TraceModel();
  m.ingest(b.events);
  return m;
}

describe('thread lanes', () => {
  it('puts the main thread first and the others in begin order', () => {
    const m = model(new TraceBuilder().begin(10, 2, 'B').begin(20, 1, 'A').add(30, 0, 'print', null, { text: 'x', stream: 'stdout' }));
    expect(m.lanes.map((l) => l.name)).toEqual(['MainThread', 'B', 'A']);
    expect(m.lanes.map((l) => l.index)).toEqual([0, 1, 2]);
  });

  it('names a thread from thread.new before it begins, and from the summary at the end', () => {
    const b = new TraceBuilder().add(1, 0, 'thread.new', null, { thread: 3, name: 'worker', daemon: false, target: 'f' });
    b.add(2, 3, 'sleep.begin', null, { seconds: 1, file: 'a.py', line: 2 });
    const m = model(b);
    expect(m.threadName(3)).toBe('worker');
    m.setEnd({ type: 'end', status: 'finished', exit_code: 0, duration_ns: 10, summary: { names: { '3': 'Thread-3 (worker)' } } });
    expect(m.threadName(3)).toBe('Thread-3 (worker)');
  });

  it('folds thread states: running, sleeping, blocked, waiting, joining, finished', () => {
    const b = new TraceBuilder().obj(0, 1, 'Lock', 'L').obj(0, 2, 'Event', 'E').begin(5, 1);
    b.add(10, 1, 'sleep.begin', null, { seconds: 0.1, file: 'a.py', line: 5 });
    b.add(20, 1, 'sleep.end');
    b.add(30, 1, 'lock.block', 1, { timeout: null, file: 'a.py', line: 7 });
    b.add(40, 1, 'lock.acquire', 1, { depth: null });
    b.add(50, 1, 'event.wait', 2, { timeout: null, file: 'a.py', line: 9 });
    b.add(60, 1, 'event.wake', 2, { flag: true });
    b.add(70, 0, 'thread.join', null, { thread: 1, timeout: null, file: 'a.py', line: 12 });
    b.add(80, 1, 'thread.end', null, { thread: 1, error: null });
    b.add(81, 0, 'thread.joined', null, { thread: 1, alive: false });
    const m = model(b);
    const w = m.laneByTid.get(1)!;
    const at = (t: number) => w.stateAt(t);
    expect([at(4), at(5), at(15), at(35), at(45), at(55), at(65), at(85)]).toEqual([
      S.none, S.running, S.sleeping, S.blocked, S.running, S.waitEvent, S.running, S.finished,
    ]);
    const main = m.laneByTid.get(0)!;
    expect(main.stateAt(75)).toBe(S.joining);
    expect(main.objs.data[main.spanAt(75)]).toBe(1);
    expect(main.stateAt(90)).toBe(S.running);
  });

  it('ignores event kinds it does not know without losing the ones after', () => {
    const b = new TraceBuilder().begin(1, 1);
    b.add(2, 1, 'queue.put', 9, { item: 1 });
    b.add(3, 1, 'socket.recv', null, {});
    b.add(4, 1, 'sleep.begin', null, { seconds: 1, file: 'a.py', line: 1 });
    const m = model(b);
    expect(m.eventCount).toBe(4);
    expect(m.laneByTid.get(1)!.stateAt(5)).toBe(S.sleeping);
    expect(m.store.kindName(1)).toBe('queue.put');
  });
});

describe('ingest', () => {
  it('drops duplicate seqs replayed after a reconnect', () => {
    const b = new TraceBuilder().begin(1, 1).add(2, 1, 'sleep.begin', null, { seconds: 1, file: null, line: null });
    const m = new TraceModel();
    expect(m.ingest(b.events)).toBe(2);
    expect(m.ingest(b.events)).toBe(0);
    expect(m.eventCount).toBe(2);
  });

  it('holds an event that arrives ahead of a gap until the gap fills', () => {
    const b = new TraceBuilder().begin(1, 1).add(2, 1, 'sleep.begin', null, { seconds: 1, file: null, line: null }).add(3, 1, 'sleep.end');
    const m = new TraceModel();
    m.ingest([b.events[0], b.events[2]]);
    expect(m.eventCount).toBe(1);
    m.ingest([b.events[1]]);
    expect(m.eventCount).toBe(3);
    expect(m.laneByTid.get(1)!.stateAt(4)).toBe(S.running);
  });

  it('builds the same spans whether events arrive in one batch or one by one', () => {
    const b = new TraceBuilder().obj(0, 1, 'Lock', 'L');
    for (let i = 1; i <= 5; i++) b.begin(i, i);
    for (let k = 0; k < 40; k++) {
      const tid = 1 + (k % 5);
      const t = 10 + k * 3;
      if (k % 2 === 0) b.add(t, tid, 'lock.block', 1, { timeout: null, file: 'a.py', line: 4 });
      else b.add(t, tid, 'lock.acquire', 1, { depth: null });
    }
    const batch = model(b);
    const inc = new TraceModel();
    for (const e of b.events) inc.ingest([e]);
    for (const lane of batch.lanes) {
      const other = inc.laneByTid.get(lane.tid)!;
      expect(other.starts.toArray()).toEqual(lane.starts.toArray());
      expect(other.states.toArray()).toEqual(lane.states.toArray());
      expect(other.objs.toArray()).toEqual(lane.objs.toArray());
    }
    expect(inc.version).toBeGreaterThan(batch.version);
  });
});

describe('hand-offs', () => {
  it('records an arrow only when the acquirer was blocked on the released lock', () => {
    const b = new TraceBuilder().obj(0, 1, 'Lock', 'L').begin(1, 1).begin(2, 2).begin(3, 3);
    b.add(10, 1, 'lock.acquire', 1, { depth: null });
    b.add(11, 2, 'lock.block', 1, { timeout: null, file: 'a.py', line: 4 });
    b.add(20, 1, 'lock.release', 1, { depth: null });
    b.add(21, 2, 'lock.acquire', 1, { depth: null });
    b.add(30, 2, 'lock.release', 1, { depth: null });
    b.add(40, 3, 'lock.acquire', 1, { depth: null }); // never blocked: no arrow
    const m = model(b);
    expect(m.handoffs.length).toBe(1);
    expect([m.handoffs.fromTid.get(0), m.handoffs.fromT.get(0), m.handoffs.toTid.get(0), m.handoffs.toT.get(0)]).toEqual([1, 20, 2, 21]);
  });
});

describe('playhead views', () => {
  it('places each thread at its last recorded line at the playhead', () => {
    const b = new TraceBuilder().begin(1, 1);
    b.add(2, 1, 'line', null, { file: '/x/race.py', line: 10 });
    b.add(5, 1, 'sleep.begin', null, { seconds: 1, file: '/x/race.py', line: 11 });
    const m = model(b);
    const lane = m.laneByTid.get(1)!;
    expect(threadPlaceAt(m, lane, 1).line).toBeNull();
    expect(threadPlaceAt(m, lane, 3)).toMatchObject({ file: '/x/race.py', line: 10, state: S.running });
    expect(threadPlaceAt(m, lane, 6)).toMatchObject({ line: 11, state: S.sleeping });
  });

  it('shows the output printed up to the playhead, in order', () => {
    const b = new TraceBuilder().begin(1, 1);
    b.add(2, 1, 'print', null, { text: 'a\n', stream: 'stdout' });
    b.add(4, 0, 'print', null, { text: 'b\n', stream: 'stderr' });
    const m = model(b);
    expect(outputAt(m, 3).map((o) => o.text)).toEqual(['a\n']);
    expect(outputAt(m, 10).map((o) => [o.text, o.tid, o.stderr])).toEqual([['a\n', 1, false], ['b\n', 0, true]]);
  });

  it('matches a recorded path to the source map by exact path, then by file name', () => {
    expect(matchSource('/abs/scenarios/race.py', ['scenarios/race.py'])).toBe('scenarios/race.py');
    expect(matchSource('race.py', ['race.py', 'other.py'])).toBe('race.py');
    expect(matchSource('zzz.py', ['race.py'])).toBeNull();
  });
});

describe('initial view', () => {
  it('focuses on where threads other than main ran, not on start-up and shut-down', () => {
    const b = new TraceBuilder().begin(1000, 1).add(2000, 1, 'sleep.begin', null, { seconds: 1, file: null, line: null });
    b.add(3000, 1, 'sleep.end').add(3000, 1, 'thread.end', null, { thread: 1, error: null });
    const m = new TraceModel();
    m.ingest(b.events);
    m.setEnd({ type: 'end', status: 'finished', exit_code: 0, duration_ns: 100_000, summary: {} });
    const [a, z] = m.focusRange();
    expect(a).toBeGreaterThan(800);
    expect(a).toBeLessThan(1000);
    expect(z).toBeGreaterThan(3000);
    expect(z).toBeLessThan(3300);
    expect(new TraceModel().focusRange()).toEqual([0, 0]);
  });
});

describe('ingest fast paths', () => {
  it('finds lanes of small and very large thread ids alike', () => {
    const b = new TraceBuilder().begin(1, 3, 'small').begin(2, 1_000_000, 'large');
    b.add(3, 1_000_000, 'sleep.begin', null, { seconds: 1, file: 'a.py', line: 2 });
    b.add(4, 3, 'sleep.begin', null, { seconds: 1, file: 'a.py', line: 3 });
    const m = model(b);
    expect(m.lanes.map((l) => l.name)).toEqual(['MainThread', 'small', 'large']);
    expect(m.laneByTid.get(1_000_000)!.events.toArray()).toEqual([1, 2]);
    expect(m.laneByTid.get(3)!.events.toArray()).toEqual([0, 3]);
  });

  it('gives known kinds their fixed codes and an unknown kind a new one, even when it looks like a known one', () => {
    const k = new KindTable();
    const known = k.code('lock.acquire');
    expect(k.name(known)).toBe('lock.acquire');
    // Same length and last character as lock.acquire: a neighbour in the quick index, not the same kind.
    const odd = k.code('lock.xcquire');
    expect(odd).not.toBe(known);
    expect(k.name(odd)).toBe('lock.xcquire');
    expect(k.code('lock.xcquire')).toBe(odd);
    expect(k.code('')).toBe(k.code(''));
    expect(k.code(`lock.acquir${'e'}`)).toBe(known);
  });
});
