// The legend above the timeline: state colours and marker shapes, the CPU
// strips and the multi-process and pool arrows (those only for traces that have them:
// app.ts shows them).
import { CPU_SOURCE } from '../model/cpu';
import { CPU_COLORS, LEGEND, STATE_COLORS, THEME } from '../render/palette';
import { S } from '../model/states';
import { h } from './dom';

const CPU_TITLE = `CPU: time on a core, ${CPU_SOURCE}. The strip under each lane fills with the thread's share of a core; a process's header shows the cores its threads use together. Hatched: runnable, but waiting for a free core.`;

export function legend(): HTMLElement {
  return h('div.legend', { 'aria-label': 'Legend' },
    LEGEND.map((e) => h('span.legend-item', null, h('span.swatch', { style: { background: STATE_COLORS[e.state] } }), e.label)),
    h('span.legend-sep'),
    h('span.legend-item', null, h('span.glyph', null, '▼▲'), 'acquire/release'),
    h('span.legend-item', null, h('span.glyph', null, '↷'), 'hand-off'),
    h('span.legend-item.legend-queue', { hidden: true }, h('span.glyph.queue-glyph', null, '■⇢□'), 'put → get'),
    h('span.legend-item.legend-pipe', { hidden: true, title: 'A message sent into a multiprocessing Pipe, to the recv() that got it' },
      h('span.glyph', { style: { color: THEME.pipeLink, fontWeight: '800' } }, '▶⇢▷'), 'send → recv'),
    h('span.legend-item.legend-process', { hidden: true, title: 'Process.start() in the parent → the child process begins' },
      h('span.glyph', { style: { color: THEME.spawn, fontWeight: '800' } }, '+→'), 'start → child'),
    h('span.legend-item.legend-pool', { hidden: true, title: 'A pool submission (apply_async, map...) → each worker that picked up one of its tasks ([ ] on the worker: the task) → the result back in the pool\'s process' },
      h('span.glyph', { style: { color: THEME.poolLink, fontWeight: '800' } }, '▲⇢[ ]⇢△'), 'submit → task → result'),
    h('span.legend-item.legend-coro', { hidden: true, title: 'A coroutine (greenlet, gevent Greenlet, asyncio Task) that exists but is not the one running on its thread' },
      h('span.swatch', { style: { background: STATE_COLORS[S.suspended] } }), 'suspended'),
    h('span.legend-item.legend-coro', { hidden: true, title: 'A coroutine switch: the thread stops running one coroutine (arrow\'s tail) and runs another (its head). The coloured line under a thread\'s bar says which coroutine runs on it.' },
      h('span.glyph', { style: { color: THEME.coroSwitch, fontWeight: '800' } }, '⤵'), 'switch'),
    h('span.legend-item.legend-cpu', { hidden: true, title: CPU_TITLE },
      h('span.cpu-key', { style: { background: `linear-gradient(to top, ${CPU_COLORS.on} 55%, ${CPU_COLORS.track} 55%)` } }), 'CPU (on a core)'),
    h('span.legend-item.legend-cpu', { hidden: true, title: CPU_TITLE },
      h('span.cpu-key', { style: { background: `repeating-linear-gradient(135deg, ${CPU_COLORS.wait} 0 2px, ${CPU_COLORS.waitLight} 2px 4px)` } }), 'waiting for a core'),
    h('span.legend-item', null, h('span.glyph', null, '○'), 'print'),
    h('span.legend-item', null, h('span.glyph', null, '◇◆'), 'read/write'),
  );
}

export const HINTS = 'wheel: zoom · shift+wheel or drag: pan · click: move the playhead · click a name: follow it in the source · space: play · ←/→: step · +/−: zoom'
  + ' · P: presenter mode (←/→ step the tour) · T: tour editor · B: panels · D: dark theme · on the timeline, ↑/↓ and Enter: follow a lane';

export function hints(): HTMLElement {
  return h('span.hints', { title: HINTS }, 'wheel: zoom · drag: pan · click: playhead · click a name: follow');
}
