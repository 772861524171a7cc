import { describe, expect, it } from 'vitest';
import type { End } from '../src/generated/events';
import { embedUrl, iframeSnippet } from '../src/model/embed';
import {
  describeAnchor, nameMatches, parseDuration, parseTour, resolveStop, stopHere, stopView, TourFormatError, type TourStop,
} from '../src/model/tour';
import { TraceModel } from '../src/model/trace';
import { formatRoute, parseRoute, type Route } from '../src/model/url';
import { formatViewOptions, noOptions, parseTimeRef, parseViewOptions, timeOf } from '../src/model/view_options';
import { TraceBuilder } from './helpers';

/** Two workers contending for LockA, one lock.block; worker 2 is "Thread-2 (worker)". */
function lockRun(end = true): TraceModel {
  const b = new TraceBuilder().obj(0, 1, 'Lock', 'LockA').obj(1, 2, 'Lock', 'LockB');
  b.begin(10, 1, 'Thread-1').begin(12, 2, 'Thread-2 (worker)');
  b.add(20, 1, 'lock.acquire', 1, { depth: null });
  b.add(30, 2, 'lock.block', 1, { timeout: null, file: 'demo.py', line: 9 });
  b.add(40, 1, 'lock.release', 1, { depth: null });
  b.add(41, 2, 'lock.acquire', 1, { depth: null });
  b.add(50, 2, 'lock.acquire', 2, { depth: null });
  b.add(60, 2, 'lock.release', 1, { depth: null });
  const m = new TraceModel();
  m.ingest(b.events);
  if (end) m.setEnd({ type: 'end', status: 'finished', exit_code: 0, duration_ns: 100, summary: {} });
  return m;
}

function ok(m: TraceModel, stop: TourStop) {
  const r = resolveStop(m, stop);
  if (!r.ok) throw new Error(`expected the stop to resolve, got: ${r.reason}`);
  return r;
}

describe('tour stops anchor to what happened', () => {
  it('finds the n-th event of a kind, counting from the end with a negative n', () => {
    const m = lockRun();
    expect(ok(m, { at: { kind: 'lock.acquire', nth: 1 }, note: '' }).at.t).toBe(20);
    expect(ok(m, { at: { kind: 'lock.acquire', nth: 2 }, note: '' }).at.t).toBe(41);
    expect(ok(m, { at: { kind: 'lock.acquire', nth: -1 }, note: '' }).at.t).toBe(50);
    expect(ok(m, { at: { kind: 'lock.acquire' }, note: '' }).at.t).toBe(20);
  });

  it('narrows to a thread (by name or its prefix) and to an object', () => {
    const m = lockRun();
    expect(ok(m, { at: { kind: 'lock.acquire', thread: 'Thread-2' }, note: '' }).at.t).toBe(41);
    expect(ok(m, { at: { kind: 'lock.acquire', thread: 'Thread-2 (worker)', object: 'LockB' }, note: '' }).at.t).toBe(50);
    expect(ok(m, { at: { kind: 'lock.release', object: 'LockA', nth: -1 }, note: '' }).at.t).toBe(60);
  });

  it('says why a stop has no place in this run', () => {
    const m = lockRun();
    const r = resolveStop(m, { at: { kind: 'lock.block', nth: 3 }, note: 'n' });
    expect(r).toEqual({ ok: false, reason: 'this run has no 3rd lock.block event (it has 1)', note: 'n' });
    const none = resolveStop(m, { at: { kind: 'event.set' }, note: 'n' });
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.reason).toBe('this run has no event.set event');
    const late = resolveStop(m, { at: { t: 5000 }, note: 'n' });
    expect(late.ok).toBe(false);
  });

  it('places fractions of the run and of its busy part', () => {
    const m = lockRun();
    expect(ok(m, { at: { fraction: 0.5 }, note: '' }).at.t).toBe(50);
    const [f0, f1] = m.focusRange();
    expect(ok(m, { at: { focus: 0 }, note: '' }).at.t).toBe(Math.round(f0));
    expect(ok(m, { at: { focus: 1 }, note: '' }).at.t).toBe(Math.round(f1));
  });

  it('reads lost updates from the end summary once the run has ended', () => {
    const b = new TraceBuilder().begin(1, 1, 'Thread-1').begin(2, 2, 'Thread-2');
    b.add(10, 1, 'var.read', null, { name: 'num', value: 100, line: 3 });
    b.add(11, 2, 'var.read', null, { name: 'num', value: 100, line: 3 });
    b.add(20, 1, 'var.write', null, { name: 'num', value: 99, line: 4 });
    b.add(21, 2, 'var.write', null, { name: 'num', value: 99, line: 4 });
    const m = new TraceModel();
    m.ingest(b.events);
    const stop: TourStop = { at: { lost_update: 1, step: 'read' }, to: { lost_update: 1, step: 'overwritten' }, note: '{thread} read {value}; {to.thread} wrote {to.value}' };
    expect(resolveStop(m, stop)).toMatchObject({ ok: false, reason: 'lost updates are known once the run has ended' });
    const end: End = {
      type: 'end', status: 'finished', exit_code: 0, duration_ns: 30,
      summary: { lost_updates: [{ name: 'num', thread: 2, read_seq: 3, read_value: 100, write_seq: 5, write_value: 99, overwrote: { thread: 1, seq: 4, value: 99 } }] },
    };
    m.setEnd(end);
    const r = ok(m, stop);
    expect([r.at.t, r.to?.t]).toEqual([11, 20]);
    expect(r.note).toBe('Thread-2 read 100; Thread-1 wrote 99');
    expect(r.actors.sort()).toEqual([1, 2]);
    expect(resolveStop(m, { at: { lost_update: 2 }, note: '' })).toMatchObject({ ok: false, reason: 'this run has no 2nd lost update (it has 1)' });
  });

  it('highlights the anchors’ threads by default, named lanes and the deadlock cycle on request', () => {
    const m = lockRun(false);
    expect(ok(m, { at: { kind: 'lock.block' }, note: '' }).actors).toEqual([2]);
    expect(ok(m, { at: { kind: 'lock.block' }, lanes: [], note: '' }).actors).toEqual([]);
    expect(ok(m, { at: { fraction: 0 }, lanes: ['Thread-1', 'Thread-2'], note: '' }).actors.sort()).toEqual([1, 2]);
    m.setEnd({
      type: 'end', status: 'deadlocked', exit_code: 3, duration_ns: 100,
      summary: { deadlock: { cycle: [{ thread: 1, name: 'Thread-1', holds: ['LockB'], waits_for: 'LockA' }, { thread: 2, name: 'Thread-2', holds: ['LockA'], waits_for: 'LockB' }] } },
    });
    expect(ok(m, { at: { fraction: 1 }, lanes: ['$cycle'], note: '' }).actors.sort()).toEqual([1, 2]);
  });

  it('fills the note’s placeholders from the anchor events', () => {
    const m = lockRun();
    const r = ok(m, { at: { kind: 'lock.block' }, to: { kind: 'lock.release', nth: 1 }, note: '{thread} waits for {object}, which {to.thread} holds' });
    expect(r.note).toBe('Thread-2 (worker) waits for LockA, which Thread-1 holds');
    expect(ok(m, { at: { fraction: 0 }, note: 'no {thread} here' }).note).toBe('no {thread} here');
  });

  it('shows a range with room around it, a moment in its window, or keeps the zoom', () => {
    const m = lockRun();
    expect(stopView(ok(m, { at: { t: 60 }, to: { t: 20 }, note: '' }))).toEqual([0, 1060]);
    const big = new TraceModel();
    big.ingest(new TraceBuilder().begin(1, 1).add(3_000_000, 1, 'print', null, { text: 'x', stream: 'stdout' }).events);
    expect(stopView(ok(big, { at: { t: 1_000_000 }, to: { t: 2_000_000 }, note: '' }))).toEqual([850_000, 2_150_000]);
    expect(stopView(ok(big, { at: { t: 1_000_000 }, window: '1ms', note: '' }))).toEqual([500_000, 1_500_000]);
    expect(stopView(ok(big, { at: { t: 1_000_000 }, note: '' }))).toBeNull();
  });
});

describe('the tour format in the page', () => {
  it('parses durations with units, or whole nanoseconds', () => {
    expect(parseDuration('2ms')).toBe(2_000_000);
    expect(parseDuration('1.5 s')).toBe(1_500_000_000);
    expect(parseDuration('250us')).toBe(250_000);
    expect(parseDuration(1234)).toBe(1234);
    expect(parseDuration('2 minutes')).toBeNull();
    expect(parseDuration(-1)).toBeNull();
  });

  it('accepts a well-formed tour and names the field of a malformed one', () => {
    const t = parseTour({ version: 1, title: 'T', stops: [{ at: { kind: 'lock.block', nth: -1 }, note: 'n', lanes: ['$at'], window: '3ms' }] });
    expect(t.stops[0]).toEqual({ at: { kind: 'lock.block', nth: -1, thread: undefined, object: undefined }, note: 'n', lanes: ['$at'], window: '3ms' });
    expect(() => parseTour({ stops: [{ at: { kind: 'x' } }] })).toThrow(new TourFormatError('tour.stops[0].note: expected text'));
    expect(() => parseTour({ stops: [{ at: { when: 1 }, note: '' }] })).toThrow(/tour\.stops\[0\]\.at: expected one of/);
    expect(() => parseTour([])).toThrow(TourFormatError);
  });

  it('matches a lane by its name or the name before its target', () => {
    expect(nameMatches('Thread-3 (worker)', 'Thread-3')).toBe(true);
    expect(nameMatches('Thread-3 (worker)', 'Thread-3 (worker)')).toBe(true);
    expect(nameMatches('Thread-30', 'Thread-3')).toBe(false);
  });

  it('makes stops at the playhead that come back at the same zoom', () => {
    expect(stopHere(1500.4, [1000, 3000], false, ['Thread-1'], 'look')).toEqual({ at: { t: 1500 }, window: 2000, lanes: ['Thread-1'], note: 'look' });
    expect(stopHere(1500, [-50, 3000.7], true, [], 'all')).toEqual({ at: { t: 0 }, to: { t: 3001 }, note: 'all' });
    expect(describeAnchor({ kind: 'lock.block', nth: -1, object: 'LockB' })).toBe('last lock.block on LockB');
    expect(describeAnchor({ kind: 'queue.put', nth: 2 })).toBe('2nd queue.put');
    expect(describeAnchor({ fraction: 0.25 })).toBe('25% of the run');
  });
});

describe('view options and embed links', () => {
  it('reads every option and reports the ones it ignored', () => {
    const { options, problems } = parseViewOptions('?panels=banner,source&range=10ms..25ms&at=40%25&zoom=4&follow=Thread-1,boss&autoplay=1&speed=2&theme=dark&font=1.5&presenter=1&stop=3&tour=0');
    expect(problems).toEqual([]);
    expect(options).toEqual({
      panels: ['banner', 'source'], range: [{ ns: 10_000_000 }, { ns: 25_000_000 }], at: { fraction: 0.4 }, zoom: 4,
      follow: ['Thread-1', 'boss'], autoplay: true, speed: 2, theme: 'dark', fontScale: 1.5, presenter: true, stop: 3, tour: false,
    });
    const bad = parseViewOptions('?theme=neon&speed=fast&range=1..2&panels=banner,nope');
    expect(bad.problems).toEqual([
      'ignored panels=banner,nope: expected names among banner, controls, legend, source, objects, io, output, tour (or none)',
      'ignored range=1..2: expected START..END like 10ms..25ms or 20%..60%',
      'ignored speed=fast: expected a number between 0.01 and 100',
      'ignored theme=neon: expected light or dark',
    ]);
    expect(bad.options.panels).toEqual(['banner']);
  });

  it('writes options back so that they read the same', () => {
    const o = { ...noOptions(), panels: [], presenter: true, range: [{ ns: 1_500_000 }, { fraction: 0.5 }] as [{ ns: number }, { fraction: number }], stop: 2 };
    const q = new URLSearchParams(formatViewOptions(o)).toString();
    expect(parseViewOptions(`?${q}`).options).toEqual(o);
    expect(parseTimeRef('300us')).toEqual({ ns: 300_000 });
    expect(parseTimeRef('150%')).toBeNull();
    expect(timeOf({ fraction: 0.25 }, 400)).toBe(100);
  });

  it('keeps view options out of the scenario parameters and routes embeds', () => {
    expect(parseRoute('/embed/', '?scenario=race&threads=5&presenter=1&zoom=3')).toEqual({ view: 'embed-scenario', scenario: 'race', params: { threads: 5 } });
    expect(parseRoute('/embed/runs/ab12', '?stop=2')).toEqual({ view: 'embed-run', id: 'ab12' });
    expect(parseRoute('/', '?scenario=race&speed=2')).toEqual({ view: 'scenario', scenario: 'race', params: {} });
    const routes: Route[] = [{ view: 'embed-run', id: 'ab12' }, { view: 'embed-scenario', scenario: 'race', params: { gap: 0.001 } }];
    for (const r of routes) {
      const url = new URL(formatRoute(r), 'http://x');
      expect(parseRoute(url.pathname, url.search)).toEqual(r);
    }
  });

  it('builds an iframe snippet with escaped attributes', () => {
    const o = { ...noOptions(), panels: ['banner' as const, 'controls' as const], presenter: true };
    const url = embedUrl('http://127.0.0.1:8000', { scenario: 'race', params: { threads: 10 } }, o);
    expect(url).toBe('http://127.0.0.1:8000/embed/?scenario=race&threads=10&panels=banner,controls&presenter=1');
    expect(embedUrl('http://h', { run: 'ab12' }, noOptions())).toBe('http://h/embed/runs/ab12');
    expect(iframeSnippet('http://h/embed/runs/a?x=1&y=2', 960, 540, 'concviz: "race" <b>'))
      .toBe('<iframe src="http://h/embed/runs/a?x=1&amp;y=2" width="960" height="540" title="concviz: &quot;race&quot; &lt;b&gt;" style="border:0" loading="lazy"></iframe>');
  });
});
