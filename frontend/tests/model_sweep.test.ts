// Sweeps in the page: value text (lists, ranges, log ranges), the ?sweep= / ?compare= addresses, the curve across values.
import { describe, expect, it } from 'vitest';
import { barLabel, curve, formatEta, formatPageRoute, logAxis, metricNames, parsePageRoute, parseValues, type TableRow } from '../src/model/sweep';

describe('parseValues', () => {
  it('reads a list', () => expect(parseValues('1, 2,4')).toEqual([1, 2, 4]));
  it('reads every integer of a range', () => expect(parseValues('2..5')).toEqual([2, 3, 4, 5]));
  it('reads N evenly spaced values', () => expect(parseValues('0..0.01:5')).toEqual([0, 0.0025, 0.005, 0.0075, 0.01]));
  it('reads N log-spaced values with 6 significant digits', () => expect(parseValues('1e-4..1e-2:log3')).toEqual([0.0001, 0.001, 0.01]));
  it('reads a decimal low bound in a range', () => expect(parseValues('0.5..2:4')).toEqual([0.5, 1, 1.5, 2]));
  it('says what it expected for a word', () => expect(() => parseValues('1,two')).toThrow("expected a number, got 'two'"));
  it('refuses a reversed range', () => expect(() => parseValues('5..2')).toThrow('low ≤ high'));
  it('refuses a log range from zero', () => expect(() => parseValues('0..1:log3')).toThrow('positive low bound'));
  it('refuses nothing', () => expect(() => parseValues('  ')).toThrow('got nothing'));
});

describe('page routes', () => {
  it('round-trips a sweep', () => expect(parsePageRoute(formatPageRoute({ view: 'sweep', id: 'ab12' }).slice(1))).toEqual({ view: 'sweep', id: 'ab12' }));
  it('round-trips the new-sweep form', () => expect(parsePageRoute(formatPageRoute({ view: 'sweeps' }).slice(1))).toEqual({ view: 'sweeps' }));
  it('round-trips a comparison', () =>
    expect(parsePageRoute(formatPageRoute({ view: 'compare', a: 'x1', b: 'y2' }).slice(1))).toEqual({ view: 'compare', a: 'x1', b: 'y2' }));
  it('leaves other pages to the run view', () => expect(parsePageRoute('?scenario=race&threads=3')).toBeNull());
});

const metric = (median: number, p10: number, p90: number) => ({ n: 3, median, p10, p90, min: p10, max: p90, histogram: [] });
const row = (gap: number, m: ReturnType<typeof metric> | null): TableRow => ({
  params: { gap }, runs: 3, done: 3, statuses: { finished: 3 }, deadlocked_share: 0, metrics: { lost_updates: m, result: null },
});

describe('curve across values', () => {
  it('sorts points by x and skips values with no metric', () => {
    const t = [row(0.01, metric(9, 5, 12)), row(0.0001, metric(0, 0, 1)), row(0.001, null)];
    expect(curve(t, 'gap', 'lost_updates')).toEqual([
      { x: 0.0001, median: 0, p10: 0, p90: 1 }, { x: 0.01, median: 9, p10: 5, p90: 12 },
    ]);
  });
  it('puts the main metric first and leaves out the empty ones', () =>
    expect(metricNames([row(1, metric(1, 1, 1))], 'result')).toEqual(['lost_updates']));
  it('uses a log axis over more than a decade of positive values', () => {
    expect(logAxis([1e-4, 1e-3, 1e-2])).toBe(true);
    expect(logAxis([0, 1, 2])).toBe(false);
    expect(logAxis([2, 4, 8])).toBe(false);
  });
});

describe('labels', () => {
  it('labels a one-value bar by its value and a bin by its range', () => {
    expect(barLabel({ low: 3, high: 3, count: 1, runs: ['a'] })).toBe('3');
    expect(barLabel({ low: 0.1234, high: 0.25, count: 1, runs: ['a'] })).toBe('0.123–0.25');
  });
  it('says the time left in seconds or minutes', () => {
    expect(formatEta(4.4)).toBe('about 4 s left');
    expect(formatEta(150)).toBe('about 3 min left');
    expect(formatEta(null)).toBe('');
  });
});
