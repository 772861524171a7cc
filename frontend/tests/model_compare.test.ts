// Compare: a trace reduced to lanes on a shared axis, the playhead count, the difference rows.
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../src/generated/events';
import { diffRows, eventsBefore, lanesOf } from '../src/model/compare';

const ev = (seq: number, t: number, tid: number, kind: string, args: Record<string, unknown> = {}): Envelope =>
  ({ seq, t, pid: 1, tid, kind, obj: null, args });

describe('lanesOf', () => {
  it('makes one lane per thread, named by its thread.begin, spanning its events', () => {
    const { lanes, end } = lanesOf([ev(0, 0, 1, 'thread.start'), ev(1, 5, 2, 'thread.begin', { name: 'worker-1' }), ev(2, 9, 2, 'lock.acquire'), ev(3, 12, 1, 'thread.joined'), ev(4, 20, 3, 'cpu')]);
    expect(end).toBe(12);
    expect(lanes.map((l) => [l.name, l.start, l.end, l.marks.length])).toEqual([['thread 1', 0, 12, 2], ['worker-1', 5, 9, 2]]);
  });
});

describe('eventsBefore', () => {
  it('counts the events at or before the playhead', () => {
    const events = [ev(0, 1, 1, 'a'), ev(1, 3, 1, 'b'), ev(2, 3, 1, 'c'), ev(3, 8, 1, 'd')];
    expect([0, 1, 3, 7, 8, 100].map((t) => eventsBefore(events, t))).toEqual([0, 1, 3, 3, 4, 4]);
  });
});

describe('diffRows', () => {
  it('flattens nested differences and signs the delta', () => {
    const rows = diffRows({ params: { gap: { a: 0, b: 0.001, delta: 0.001 } }, outcome: { status: { a: 'finished', b: 'deadlocked' }, lost_updates: { a: 3, b: 3, delta: 0 } } });
    expect(rows).toEqual([
      { key: 'params.gap', a: '0', b: '0.001', delta: '+0.001', differs: true },
      { key: 'outcome.status', a: 'finished', b: 'deadlocked', delta: '', differs: true },
      { key: 'outcome.lost_updates', a: '3', b: '3', delta: '0', differs: false },
    ]);
  });
});
