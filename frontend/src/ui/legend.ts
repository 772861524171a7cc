// The legend above the timeline: state colours and marker shapes.
import { LEGEND, STATE_COLORS } from '../render/palette';
import { h } from './dom';

export function legend(): HTMLElement {
  return h('div.legend', { 'aria-label': 'Legend' },
    LEGEND.map((e) => h('span.legend-item', null, h('span.swatch', { style: { background: STATE_COLORS[e.state] } }), e.label)),
    h('span.legend-sep'),
    h('span.legend-item', null, h('span.glyph', null, '▼▲'), 'acquire/release'),
    h('span.legend-item', null, h('span.glyph', null, '↷'), 'hand-off'),
    h('span.legend-item.legend-queue', { hidden: true }, h('span.glyph.queue-glyph', null, '■⇢□'), 'put → get'),
    h('span.legend-item', null, h('span.glyph', null, '○'), 'print'),
    h('span.legend-item', null, h('span.glyph', null, '◇◆'), 'read/write'),
  );
}

export const HINTS = 'wheel: zoom · shift+wheel or drag: pan · click: move the playhead · click a name: follow it in the source · space: play · ←/→: step · +/−: zoom';

export function hints(): HTMLElement {
  return h('span.hints', { title: HINTS }, 'wheel: zoom · drag: pan · click: playhead · click a name: follow');
}
