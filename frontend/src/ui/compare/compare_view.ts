// The Compare page (/?compare=1&a=RUN&b=RUN): two runs side by side on one
// shared time axis with one playhead — scrub either timeline (or the slider)
// and both follow — and the difference of their summaries from GET /api/compare.
// Without b (from a run's "Compare with…"), it first asks which run to compare with.
import '../sweep/sweep.css';
import { api } from '../../net/api';
import { sweeps } from '../../net/sweeps';
import { parseJsonl } from '../../model/jsonl';
import { diffRows, eventsBefore, lanesOf, type CompareLane } from '../../model/compare';
import { formatPageRoute } from '../../model/sweep';
import type { Envelope } from '../../generated/events';
import { clear, h } from '../dom';

const NS = 'http://www.w3.org/2000/svg';
const LANE_H = 30;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function markClass(kind: string): string {
  if (kind.endsWith('.block') || kind.startsWith('cond.wait') || kind === 'event.wait') return 'mk-wait';
  if (kind === 'lock.acquire') return 'mk-hold';
  if (kind.startsWith('var.')) return 'mk-var';
  return 'mk-other';
}

interface Side { id: string; events: Envelope[]; lanes: CompareLane[]; svg: SVGSVGElement; head: SVGLineElement; info: HTMLElement }

export class CompareView {
  readonly el = h('div.sweep-page.compare-page');
  private readonly body = h('main.sweep-main');
  private sides: Side[] = [];
  private end = 1;
  private readonly slider = h('input#compare-scrub', { type: 'range', min: 0, max: 1000, value: 0, 'aria-label': 'Playhead (both runs)' });
  private readonly timeText = h('span.compare-time');

  constructor(root: HTMLElement) {
    this.el.append(h('header.topbar', null, h('a.brand', { href: '/' }, 'concviz'), h('span.title', null, 'Compare runs'),
      h('span.spacer'), h('a.btn', { href: formatPageRoute({ view: 'sweeps' }) }, 'Sweeps'), h('a.btn', { href: '/' }, 'Scenarios')), this.body);
    root.append(this.el);
    this.slider.addEventListener('input', () => this.setTime((Number(this.slider.value) / 1000) * this.end));
  }

  async show(a: string, b: string): Promise<void> {
    if (a === '' || b === '') {
      await this.pick(a);
      return;
    }
    let diff: Record<string, unknown>;
    let texts: string[];
    try {
      [diff, ...texts] = await Promise.all([sweeps.compare(a, b), sweeps.trace(a), sweeps.trace(b)]) as [Record<string, unknown>, string, string];
    } catch (e) {
      clear(this.body, h('p.sweep-error', { role: 'alert' }, e instanceof Error ? e.message : String(e)));
      return;
    }
    const parsed = texts.map((t) => parseJsonl(t).events);
    this.end = Math.max(1, ...parsed.map((ev) => lanesOf(ev).end));
    this.sides = [a, b].map((id, i) => this.side(id, parsed[i], i === 0 ? 'A' : 'B', (diff[i === 0 ? 'a' : 'b'] ?? {}) as Record<string, unknown>));
    const rows = diffRows({ params: diff.params, outcome: diff.outcome, summary: diff.summary });
    const table = h('table.compare-diff', null,
      h('thead', null, h('tr', null, h('th', null, 'what'), h('th', null, 'A'), h('th', null, 'B'), h('th', null, 'B − A'))),
      h('tbody', null, rows.length === 0 ? h('tr', null, h('td', { colSpan: 4 }, 'The two runs do not differ.')) : rows.map((r) =>
        h(r.differs ? 'tr.differs' : 'tr', null, h('td', null, r.key), h('td', null, r.a), h('td', null, r.b), h('td', null, r.delta)))));
    clear(this.body,
      h('div.compare-scrub', null, h('span', null, 'Playhead (shared)'), this.slider, this.timeText),
      h('div.compare-sides', null, this.sides.map((s) => s.svg.parentElement)),
      h('section', null, h('h2', null, 'What differs'), table));
    this.setTime(this.end);
  }

  private side(id: string, events: Envelope[], letter: string, rec: Record<string, unknown>): Side {
    const { lanes } = lanesOf(events);
    const W = 760, left = 140, H = Math.max(2, lanes.length) * LANE_H + 30;
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'compare-timeline', 'data-run': id });
    const X = (t: number): number => left + (t / this.end) * (W - left - 10);
    lanes.forEach((lane, i) => {
      const y = i * LANE_H + 8;
      root.append(svg('text', { x: left - 8, y: y + LANE_H / 2 + 2, class: 'lane-name', 'text-anchor': 'end' }, lane.name.replace(/ \(.*\)$/, '').slice(0, 18)));
      root.append(svg('rect', { x: X(lane.start), y: y + 4, width: Math.max(1, X(lane.end) - X(lane.start)), height: LANE_H - 10, class: 'lane-life' }));
      const step = Math.max(1, Math.floor(lane.marks.length / 400));
      for (let k = 0; k < lane.marks.length; k += step) {
        const m = lane.marks[k];
        root.append(svg('rect', { x: X(m.t), y: y + 4, width: 1.5, height: LANE_H - 10, class: markClass(m.kind) }));
      }
    });
    const axisY = H - 16;
    root.append(svg('line', { x1: left, y1: axisY, x2: W - 10, y2: axisY, class: 'axis' }));
    for (const f of [0, 0.5, 1]) root.append(svg('text', { x: X(f * this.end), y: H - 2, class: 'tick', 'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle' }, `${((f * this.end) / 1e6).toFixed(1)} ms`));
    const head = svg('line', { x1: left, y1: 0, x2: left, y2: axisY, class: 'playhead' });
    root.append(head);
    const scrub = (e: PointerEvent): void => {
      const r = root.getBoundingClientRect();
      const x = ((e.clientX - r.left) / r.width) * W;
      this.setTime(Math.min(this.end, Math.max(0, ((x - left) / (W - left - 10)) * this.end)));
    };
    root.addEventListener('pointerdown', (e) => { root.setPointerCapture(e.pointerId); scrub(e); });
    root.addEventListener('pointermove', (e) => { if (root.hasPointerCapture(e.pointerId)) scrub(e); });
    const info = h('span.compare-info');
    const outcome = (rec.outcome ?? {}) as Record<string, unknown>;
    h('div.compare-side', { 'data-side': letter },
      h('h2', null, `${letter}: `, h('a', { href: `/runs/${encodeURIComponent(id)}` }, `${String(rec.scenario ?? '')} ${JSON.stringify(rec.params ?? {})}`)),
      h('p.hint', null, `${String(rec.status ?? '')} · lost updates ${String(outcome.lost_updates ?? '—')} · result ${String(outcome.result ?? '—')}`),
      root, info);
    return { id, events, lanes, svg: root, head, info };
  }

  setTime(t: number): void {
    this.slider.value = String(Math.round((t / this.end) * 1000));
    this.timeText.textContent = `${(t / 1e6).toFixed(2)} ms`;
    for (const s of this.sides) {
      const W = 760, left = 140;
      const x = left + (t / this.end) * (W - left - 10);
      s.head.setAttribute('x1', String(x));
      s.head.setAttribute('x2', String(x));
      s.head.setAttribute('data-t', String(Math.round(t)));
      s.info.textContent = `${eventsBefore(s.events, t)} of ${s.events.length} events by the playhead`;
    }
  }

  private async pick(a: string): Promise<void> {
    const runs = await api.runs().catch(() => []);
    const choose = (id: string): void => {
      const route = formatPageRoute({ view: 'compare', a: a === '' ? id : a, b: a === '' ? '' : id });
      history.pushState(null, '', route);
      const p = new URLSearchParams(route.slice(1));
      void this.show(p.get('a') ?? '', p.get('b') ?? '');
    };
    clear(this.body, h('h1', null, a === '' ? 'Compare: pick run A' : `Compare run ${a} with…`),
      runs.length === 0 ? h('p.hint', null, 'No stored runs.') : h('ul.compare-pick', null, runs.filter((r) => r.id !== a).map((r) =>
        h('li', null, h('button.btn', { onclick: () => choose(r.id), 'data-run': r.id }, `${r.scenario} ${JSON.stringify(r.params)} · ${r.status}`)))));
  }
}
