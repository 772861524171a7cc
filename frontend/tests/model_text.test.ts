import { describe, expect, it } from 'vitest';
import { formatDuration, formatTick, niceTicks } from '../src/model/time';
import { clampScroll, fitAll, panBy, visibleLanes, zoomAt, xToTime } from '../src/model/viewport';
import { formatNumber, formatRoute, parseRoute, type Route } from '../src/model/url';
import { parseJsonl, TraceFormatError } from '../src/model/jsonl';
import { diagnose, watchedLine } from '../src/model/diagnosis';
import { fieldErrors } from '../src/model/api_types';

describe('time formatting', () => {
  it('shows durations in the largest unit that fits', () => {
    expect(formatDuration(1_500_000)).toBe('1.5 ms');
    expect(formatDuration(2_000_000_000)).toBe('2 s');
    expect(formatDuration(350_000)).toBe('350 µs');
    expect(formatDuration(12)).toBe('12 ns');
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(1_234_567)).toBe('1.23 ms');
  });

  it('places ticks on round values with labels in the step unit', () => {
    const ticks = niceTicks(0, 10_000_000, 5);
    expect(ticks.step).toBe(2_000_000);
    expect(ticks.times).toEqual([0, 2e6, 4e6, 6e6, 8e6, 1e7]);
    expect(ticks.times.map((t) => formatTick(t, ticks))).toEqual(['0 ms', '2 ms', '4 ms', '6 ms', '8 ms', '10 ms']);
    const fine = niceTicks(1_000_000, 1_001_000, 4);
    expect(formatTick(fine.times[1], fine)).toBe('1.0005 ms');
    const sub = niceTicks(0, 1_000_000_000, 10);
    expect(formatTick(sub.times[1], sub)).toBe('0.1 s');
  });
});

describe('viewport', () => {
  const v = { t0: 0, nsPerPx: 10, width: 100, scrollY: 0 };

  it('zooms around the pointer, keeping the time under it fixed', () => {
    const z = zoomAt(v, 40, 2, 1e12);
    expect(z.nsPerPx).toBe(5);
    expect(xToTime(z, 40)).toBe(xToTime(v, 40));
  });

  it('pans by pixels and fits the whole trace', () => {
    expect(panBy(v, 10).t0).toBe(100);
    const f = fitAll(1_000_000, 1000);
    expect(f.t0).toBeLessThan(0);
    expect(f.t0 + 1000 * f.nsPerPx).toBeGreaterThan(1_000_000);
  });

  it('draws only the lanes inside the box', () => {
    expect(visibleLanes(0, 16, 160, 1000)).toEqual([0, 10]);
    expect(visibleLanes(20, 16, 160, 1000)).toEqual([1, 12]);
    expect(visibleLanes(0, 16, 160, 3)).toEqual([0, 3]);
    expect(clampScroll(99999, 16, 160, 100)).toBe(1440);
    expect(clampScroll(-5, 16, 160, 100)).toBe(0);
  });
});

describe('URL state', () => {
  it('round-trips scenario parameters and run ids', () => {
    const routes: Route[] = [
      { view: 'home' },
      { view: 'scenario', scenario: 'race', params: { gap: 0.001, threads: 100 } },
      { view: 'scenario', scenario: 'race', params: { gap: 1e-7 } },
      { view: 'run', id: 'abc-123' },
      { view: 'bench', bench: 'frames', params: { lanes: 1000 } },
    ];
    for (const r of routes) {
      const url = new URL(formatRoute(r), 'http://x');
      expect(parseRoute(url.pathname, url.search)).toEqual(r);
    }
    expect(formatRoute(routes[1])).toBe('/?scenario=race&gap=0.001&threads=100');
  });

  it('ignores parameters that are not numbers', () => {
    expect(parseRoute('/', '?scenario=race&gap=abc&threads=5')).toEqual({ view: 'scenario', scenario: 'race', params: { threads: 5 } });
    expect(formatNumber(1e-7)).toBe('0.0000001');
  });
});

describe('trace files', () => {
  const header = { type: 'header', format: 'concviz-trace', version: 1, run_id: 'r', target: 'race', argv: [], params: {}, watch: [], lines: false, started_at: 0, python: '3.11', source: {} };

  it('reads header, events and end, and skips a truncated last line', () => {
    const text = [JSON.stringify(header), JSON.stringify({ seq: 0, t: 1, pid: 1, tid: 0, kind: 'print', obj: null, args: { text: 'hi', stream: 'stdout' } }), JSON.stringify({ type: 'end', status: 'finished', exit_code: 0, duration_ns: 5, summary: {} }), '{"seq": 1, "t"'].join('\n');
    const p = parseJsonl(text);
    expect(p.header?.target).toBe('race');
    expect(p.events.length).toBe(1);
    expect(p.end?.status).toBe('finished');
    expect(p.bad).toEqual([4]);
  });

  it('rejects a file that is not a concviz trace, saying what it expected', () => {
    expect(() => parseJsonl('hello\nworld')).toThrow(TraceFormatError);
    expect(() => parseJsonl(JSON.stringify({ ...header, format: 'other' }))).toThrow(/expected a concviz-trace header/);
  });
});

describe('diagnosis banner', () => {
  const end = (status: string, summary: Record<string, unknown>, error: string | null = null) =>
    ({ type: 'end', status, exit_code: status === 'crashed' ? 1 : 0, duration_ns: 1, summary, error }) as Parameters<typeof diagnose>[0];

  it('reports lost updates of a watched variable', () => {
    const d = diagnose(end('finished', { watched: { num: { initial: 100, final: 89, writes: 100, lost_updates: 89 } }, lost_updates: [] }));
    expect(d.tone).toBe('bad');
    expect(d.headline).toBe('Race condition: 89 updates lost');
    expect(watchedLine(d.watched[0])).toBe('num: 100 → 89 after 100 writes; 89 updates lost');
  });

  it('reports the deadlock cycle', () => {
    const cycle = [{ thread: 1, name: 'T1', holds: ['A'], waits_for: 'B', file: 'd.py', line: 9 }, { thread: 2, name: 'T2', holds: ['B'], waits_for: 'A', file: 'd.py', line: 14 }];
    const d = diagnose(end('deadlocked', { deadlock: { cycle } }));
    expect(d.headline).toBe('Deadlock: 2 threads wait for each other in a cycle');
    expect(d.cycle).toEqual(cycle);
  });

  it('says why a run ended early', () => {
    expect(diagnose(end('crashed', {}, 'ZeroDivisionError: division by zero'))).toMatchObject({ tone: 'bad', headline: 'The program crashed (exit code 1)', detail: 'ZeroDivisionError: division by zero' });
    expect(diagnose(end('timed_out', {})).headline).toBe('Stopped: the run hit its time limit');
    expect(diagnose(end('finished', { watched: { n: { initial: 0, final: 10, writes: 10, lost_updates: 0 } } })).tone).toBe('ok');
  });

  it('reads field errors of a 422 answer', () => {
    expect(fieldErrors({ detail: [{ loc: ['body', 'params', 'gap'], msg: "expected a number between 0 and 1 for 'gap', got 'NaN'" }] }))
      .toEqual([{ field: 'gap', message: "expected a number between 0 and 1 for 'gap', got 'NaN'" }]);
    expect(fieldErrors({ detail: 'too many runs' })).toEqual([{ field: null, message: 'too many runs' }]);
  });
});

describe('parameter form', () => {
  const gap = { name: 'gap', type: 'float' as const, default: 0.001, min: 0, max: 1, scale: 'log' as const, unit: 's', help: '' };
  const threads = { name: 'threads', type: 'int' as const, default: 100, min: 1, max: 500, scale: 'linear' as const, unit: null, help: '' };

  it('maps the log slider from exactly 0 up to the maximum', async () => {
    const { sliderToValue, valueToSlider, SLIDER_STEPS } = await import('../src/model/params');
    expect(sliderToValue(gap, 0)).toBe(0);
    expect(sliderToValue(gap, SLIDER_STEPS)).toBe(1);
    expect(sliderToValue(gap, 1)).toBeCloseTo(1e-4);
    for (const v of [0.001, 0.01, 0.5]) expect(sliderToValue(gap, valueToSlider(gap, v)) / v).toBeCloseTo(1, 1);
    expect(valueToSlider(gap, 0)).toBe(0);
  });

  it('rejects out-of-range and non-integer values with a precise message', async () => {
    const { validateParam } = await import('../src/model/params');
    expect(validateParam(gap, 'NaN').error).toBe("expected a number between 0 and 1 for 'gap', got 'NaN'");
    expect(validateParam(threads, '2.5').error).toBe("expected a whole number between 1 and 500 for 'threads', got '2.5'");
    expect(validateParam(threads, ' 42 ')).toEqual({ value: 42, error: null });
  });
});
