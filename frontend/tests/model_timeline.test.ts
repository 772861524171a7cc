import { describe, expect, it } from 'vitest';
import { MaxPyramid } from '../src/model/pyramid';
import { aggregateLane } from '../src/model/aggregate';
import { Lane } from '../src/model/lane';
import { nearestEvent, spanAt } from '../src/model/hittest';
import { S } from '../src/model/states';
import { TraceModel } from '../src/model/trace';
import { K, kindsMissingFromSchema } from '../src/model/kinds';
import { TraceBuilder } from './helpers';

function lane(spans: [number, number][]): Lane {
  const l = new Lane(1, 'T', spans[0][0]);
  spans.forEach(([t, s], i) => l.setState(t, s, -1, i));
  return l;
}

describe('max pyramid', () => {
  it('answers the maximum of any range like a scan does', () => {
    const p = new MaxPyramid();
    const vals: number[] = [];
    let x = 7;
    for (let i = 0; i < 300; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const v = x % 9;
      vals.push(v);
      p.push(v);
      for (const [a, b] of [[0, i + 1], [i >> 1, i + 1], [Math.max(0, i - 5), i], [i, i + 1]]) {
        const want = vals.slice(a, b).reduce((m, y) => Math.max(m, y), 0);
        expect(p.max(a, b)).toBe(want);
      }
    }
  });
});

describe('lane pyramid', () => {
  it('stays the maximum of the lane\'s states while spans keep arriving between queries', () => {
    const states = [S.running, S.sleeping, S.blocked, S.running, S.waitEvent, S.running, S.sleeping];
    const l = new Lane(1, 'T', 0);
    const seen: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = states[(i * 5) % states.length];
      l.setState(i, s, i, i);
      seen.push(s);
      if (i % 7 === 0) {
        const a = i >> 2;
        expect(l.pyramid.max(a, i + 1)).toBe(Math.max(...seen.slice(a, i + 1)));
      }
    }
    expect(l.pyramid.length).toBe(l.spanCount);
    expect(l.pyramid.max(0, l.spanCount)).toBe(S.blocked);
  });
});

describe('per-pixel aggregation', () => {
  it('gives each column the state of the span that covers it when zoomed in', () => {
    const l = lane([[0, S.running], [10, S.sleeping], [20, S.running]]);
    const out = new Uint8Array(6);
    aggregateLane(l, 0, 5, 6, 30, out);
    expect(Array.from(out)).toEqual([S.running, S.running, S.sleeping, S.sleeping, S.running, S.running]);
  });

  it('keeps a short block visible when many spans share one column', () => {
    const spans: [number, number][] = [];
    for (let i = 0; i < 1000; i++) spans.push([i, i === 503 ? S.blocked : i % 2 ? S.sleeping : S.running]);
    const out = new Uint8Array(10);
    aggregateLane(lane(spans), 0, 100, 10, 1000, out);
    expect(Array.from(out)).toEqual([S.sleeping, S.sleeping, S.sleeping, S.sleeping, S.sleeping, S.blocked, S.sleeping, S.sleeping, S.sleeping, S.sleeping]);
  });

  it('leaves columns before the lane began and after the trace end empty', () => {
    const l = lane([[50, S.running], [60, S.finished]]);
    const out = new Uint8Array(10);
    aggregateLane(l, 0, 10, 10, 80, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, S.running, S.finished, S.finished, 0, 0]);
  });

  it('agrees with a brute-force maximum over spans for every column', () => {
    const spans: [number, number][] = [];
    let t = 0;
    let x = 3;
    for (let i = 0; i < 500; i++) {
      x = (x * 69069 + 1) % 4294967296;
      spans.push([t, 1 + (x % 8)]);
      t += (x >>> 8) % 50;
    }
    const l = lane(spans);
    const width = 97;
    const nsPerPx = t / 80;
    const out = new Uint8Array(width);
    aggregateLane(l, -7, nsPerPx, width, t, out);
    for (let c = 0; c < width; c++) {
      const c0 = -7 + c * nsPerPx;
      const c1 = Math.min(c0 + nsPerPx, t);
      let want = 0;
      if (c0 < t) {
        for (let i = 0; i < spans.length; i++) {
          const s0 = spans[i][0];
          const s1 = i + 1 < spans.length ? spans[i + 1][0] : t;
          const covers = (s0 <= c0 && s1 > c0) || (s0 > c0 && s0 < c1);
          if (covers) want = Math.max(want, spans[i][1]);
        }
      }
      expect(out[c], `column ${c}`).toBe(want);
    }
  });
});

describe('hit tests', () => {
  it('finds the span under a time by binary search', () => {
    const l = lane([[0, S.running], [10, S.blocked], [20, S.running]]);
    expect(spanAt(l, 15, 30)).toMatchObject({ state: S.blocked, start: 10, end: 20, index: 1 });
    expect(spanAt(l, 25, 30)).toMatchObject({ state: S.running, start: 20, end: 30 });
    expect(spanAt(l, -1, 30)).toBeNull();
    expect(spanAt(l, 31, 30)).toBeNull();
  });

  it('finds the nearest accepted event within the tolerance', () => {
    const b = new TraceBuilder().begin(0, 1);
    b.add(100, 1, 'lock.acquire', 1).add(110, 1, 'print', null, { text: 'x', stream: 'stdout' }).add(200, 1, 'lock.release', 1);
    const m = new TraceModel();
    m.ingest(b.events);
    const l = m.laneByTid.get(1)!;
    const any = () => true;
    expect(nearestEvent(l, m.store, 104, 10, any)).toBe(1);
    expect(nearestEvent(l, m.store, 107, 10, any)).toBe(2);
    expect(nearestEvent(l, m.store, 150, 10, any)).toBe(-1);
    expect(nearestEvent(l, m.store, 107, 10, (s) => m.store.kind.data[s] === K.lockAcquire)).toBe(1);
  });
});

describe('kinds', () => {
  it('gives fixed codes only to kinds the generated schema defines', () => {
    expect(kindsMissingFromSchema()).toEqual([]);
  });
});
