// SVG charts of a sweep, drawn by hand: one histogram per value (a click on a
// bar opens one of its runs) and the curve across values (median with its
// p10–p90 band). Sizes are in CSS pixels; text takes the theme's font sizes.
import { barLabel, logAxis, type Bar, type CurvePoint } from '../../model/sweep';

const NS = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function fmt(x: number): string {
  if (x === 0) return '0';
  if (Math.abs(x) >= 1000 || Math.abs(x) < 0.01) return x.toExponential(1);
  return String(Number(x.toPrecision(3)));
}

export function histogram(bars: Bar[], open: (runId: string, bar: Bar) => void): SVGSVGElement {
  const W = 360, H = 200, left = 40, bottom = 44, top = 14;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'sweep-hist', role: 'img' });
  const max = Math.max(1, ...bars.map((b) => b.count));
  const n = Math.max(1, bars.length);
  const bw = (W - left - 8) / n;
  root.append(svg('line', { x1: left, y1: H - bottom, x2: W - 4, y2: H - bottom, class: 'axis' }));
  root.append(svg('text', { x: left - 6, y: top + 6, class: 'tick', 'text-anchor': 'end' }, String(max)));
  root.append(svg('text', { x: left - 6, y: H - bottom, class: 'tick', 'text-anchor': 'end' }, '0'));
  bars.forEach((b, i) => {
    const h = ((H - bottom - top) * b.count) / max;
    const x = left + i * bw;
    const g = svg('g', { class: 'bar-group' });
    const rect = svg('rect', {
      x: x + 2, y: H - bottom - h, width: Math.max(1, bw - 4), height: Math.max(h, b.count > 0 ? 2 : 0),
      class: b.count > 0 ? 'bar' : 'bar empty', 'data-count': b.count, 'data-label': barLabel(b), tabindex: b.count > 0 ? 0 : -1,
    });
    rect.append(svg('title', {}, `${barLabel(b)}: ${b.count} run${b.count === 1 ? '' : 's'}${b.count > 0 ? ' — click to open one' : ''}`));
    if (b.count > 0) {
      let next = 0;
      const go = (): void => { open(b.runs[next % b.runs.length], b); next++; };
      rect.addEventListener('click', go);
      rect.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
    }
    g.append(rect);
    if (b.count > 0) g.append(svg('text', { x: x + bw / 2, y: H - bottom - h - 3, class: 'count', 'text-anchor': 'middle' }, String(b.count)));
    if (n <= 12 || i % Math.ceil(n / 6) === 0) {
      g.append(svg('text', { x: x + bw / 2, y: H - bottom + 18, class: 'tick', 'text-anchor': 'middle' }, barLabel(b)));
    }
    root.append(g);
  });
  return root;
}

export function curveChart(points: CurvePoint[], xName: string, yName: string): SVGSVGElement {
  const W = 720, H = 300, left = 70, right = 20, top = 16, bottom = 52;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'sweep-curve', role: 'img' });
  if (points.length === 0) return root;
  const log = logAxis(points.map((p) => p.x));
  const tx = (x: number): number => (log ? Math.log10(x) : x);
  const x0 = tx(points[0].x), x1 = tx(points[points.length - 1].x);
  const ymin = Math.min(0, ...points.map((p) => p.p10));
  const ymax = Math.max(...points.map((p) => p.p90), ymin + 1);
  const X = (x: number): number => (x1 === x0 ? (left + W - right) / 2 : left + ((tx(x) - x0) / (x1 - x0)) * (W - left - right));
  const Y = (y: number): number => H - bottom - ((y - ymin) / (ymax - ymin)) * (H - top - bottom);
  root.append(svg('line', { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, class: 'axis' }));
  root.append(svg('line', { x1: left, y1: top, x2: left, y2: H - bottom, class: 'axis' }));
  for (const y of [ymin, (ymin + ymax) / 2, ymax]) {
    root.append(svg('text', { x: left - 6, y: Y(y) + 5, class: 'tick', 'text-anchor': 'end' }, fmt(y)));
  }
  for (const p of points) root.append(svg('text', { x: X(p.x), y: H - bottom + 20, class: 'tick', 'text-anchor': 'middle' }, fmt(p.x)));
  root.append(svg('text', { x: (left + W - right) / 2, y: H - 6, class: 'label', 'text-anchor': 'middle' }, `${xName}${log ? ' (log scale)' : ''}`));
  root.append(svg('text', { x: 14, y: (top + H - bottom) / 2, class: 'label', 'text-anchor': 'middle', transform: `rotate(-90 14 ${(top + H - bottom) / 2})` }, yName));
  const band = points.map((p) => `${X(p.x)},${Y(p.p90)}`).concat([...points].reverse().map((p) => `${X(p.x)},${Y(p.p10)}`));
  root.append(svg('polygon', { points: band.join(' '), class: 'band' }));
  root.append(svg('polyline', { points: points.map((p) => `${X(p.x)},${Y(p.median)}`).join(' '), class: 'median' }));
  for (const p of points) {
    const c = svg('circle', { cx: X(p.x), cy: Y(p.median), r: 5, class: 'point' });
    c.append(svg('title', {}, `${xName} = ${fmt(p.x)}: median ${fmt(p.median)} (p10 ${fmt(p.p10)}, p90 ${fmt(p.p90)})`));
    root.append(c);
  }
  return root;
}
