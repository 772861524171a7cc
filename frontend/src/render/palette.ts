// Colours of thread states: the Okabe–Ito palette, which stays distinguishable
// with the common colour-vision deficiencies and on a washed-out projector.
// The CSS legend and the canvas read the same table.
import { S } from '../model/states';

export const STATE_COLORS: Record<number, string> = {
  [S.none]: 'transparent',
  [S.finished]: '#b8b8b8',
  [S.suspended]: '#cfe9df', // pale green: alive, switched out
  [S.running]: '#009e73', // bluish green
  [S.sleeping]: '#56b4e9', // sky blue
  [S.joining]: '#cc79a7', // reddish purple
  [S.joiningProcess]: '#cc79a7',
  [S.joiningPool]: '#cc79a7',
  [S.waitEvent]: '#e69f00', // orange
  [S.waitCond]: '#e69f00',
  [S.waitBarrier]: '#e69f00',
  [S.waitIO]: '#f0e442', // yellow
  [S.waitQueue]: '#0072b2', // blue
  [S.blocked]: '#d55e00', // vermillion
};

/** Legend entries, in the order a lecturer explains them. */
export const LEGEND: readonly { state: number; label: string }[] = [
  { state: S.running, label: 'running' },
  { state: S.sleeping, label: 'sleeping' },
  { state: S.blocked, label: 'blocked on lock' },
  { state: S.waitEvent, label: 'waiting (event/cond/barrier)' },
  { state: S.waitQueue, label: 'queue' },
  { state: S.waitIO, label: 'I/O' },
  { state: S.joining, label: 'joining' },
  { state: S.finished, label: 'finished' },
];

const LIGHT = {
  bg: '#ffffff',
  stripe: '#f3f4f6',
  text: '#111827',
  muted: '#4b5563',
  grid: '#e5e7eb',
  axis: '#374151',
  playhead: '#111827',
  follow: '#2563eb',
  highlight: '#c026d3',
  handoff: 'rgba(17, 24, 39, 0.75)',
  /** Queue put → get arrows and markers: the queue state's blue. */
  queueLink: '#0072b2',
  /** Pipe send → recv arrows and markers. */
  pipeLink: '#8a5a00',
  /** Process start() → the child's first event. */
  spawn: '#6d28d9',
  /** Pool submit → a worker's task, and its done → the result back in the pool's process. */
  poolLink: '#0e7490',
  /** Process header rows: the band while the process exists, outside its life, the line above it. */
  processBand: '#dfe7f1',
  processBandOff: '#f5f7fa',
  processLine: '#7b8aa0',
  processText: '#1e293b',
  /** Coroutine switch arrows. */
  coroSwitch: '#9d174d',
  /** The guide joining a thread's coroutine lanes to it in the label column. */
  coroGuide: '#9ca3af',
  /** Lane label backgrounds: followed, under the pointer. */
  followBg: '#dbeafe',
  hoverBg: '#eef2ff',
  /** Vertical grid lines of the axis ticks. */
  gridLine: 'rgba(17, 24, 39, 0.10)',
  scrollTrack: '#f3f4f6',
  scrollThumb: '#9ca3af',
  captionBg: 'rgba(255, 255, 255, 0.85)',
  /** Lanes a tour stop or a link highlights: a band across the row and its outline. */
  laneMark: 'rgba(192, 38, 211, 0.13)',
  laneMarkEdge: '#c026d3',
  /** Presenter mode: the row under the pointer. */
  pointerBand: 'rgba(37, 99, 235, 0.12)',
  pointerEdge: '#2563eb',
};

export type CanvasTheme = typeof LIGHT;

/** Presenter mode's light theme: the same hues, text and lines pushed to black. */
const LIGHT_CONTRAST: Partial<CanvasTheme> = {
  text: '#000000', muted: '#1f2937', axis: '#000000', playhead: '#000000', stripe: '#eceef2',
  gridLine: 'rgba(0, 0, 0, 0.18)', handoff: 'rgba(0, 0, 0, 0.9)', processText: '#000000',
};

/** The dark theme (high contrast: it exists for projectors in dark halls). */
const DARK: Partial<CanvasTheme> = {
  bg: '#0b0f17', stripe: '#161c28', text: '#ffffff', muted: '#d1d5db', grid: '#374151', axis: '#e5e7eb',
  playhead: '#ffffff', follow: '#93c5fd', highlight: '#f0abfc', handoff: 'rgba(255, 255, 255, 0.85)',
  queueLink: '#56b4e9', pipeLink: '#f5c26b', spawn: '#c4b5fd', poolLink: '#5eead4',
  processBand: '#1f2a3b', processBandOff: '#111722', processLine: '#64748b', processText: '#f1f5f9',
  coroSwitch: '#f9a8d4', coroGuide: '#6b7280', followBg: '#1e3a8a', hoverBg: '#1f2937',
  gridLine: 'rgba(255, 255, 255, 0.16)', scrollTrack: '#1f2937', scrollThumb: '#6b7280',
  captionBg: 'rgba(11, 15, 23, 0.85)', laneMark: 'rgba(240, 171, 252, 0.18)', laneMarkEdge: '#f0abfc',
  pointerBand: 'rgba(147, 197, 253, 0.16)', pointerEdge: '#93c5fd',
};

/** The colours the canvas draws with now; setCanvasTheme changes them in place. */
export const THEME: CanvasTheme = { ...LIGHT };

/** Bumped by every theme change, so that layers caching colours know to refresh. */
export let themeVersion = 0;

/** Light or dark; `contrast` (presenter mode) pushes the light theme's text and lines to black. */
export function setCanvasTheme(dark: boolean, contrast: boolean): void {
  Object.assign(THEME, LIGHT, dark ? DARK : contrast ? LIGHT_CONTRAST : {});
  Object.assign(CPU_COLORS, CPU_LIGHT, dark ? CPU_DARK : {});
  themeVersion++;
}

/** A coroutine's colour (its swatch, and the line under its thread's bar while it runs there). */
const CORO_HUES = ['#7c3aed', '#0891b2', '#ca8a04', '#db2777', '#4d7c0f', '#2563eb', '#c2410c', '#0f766e'];

export function coroColor(order: number, raw = '', kind = ''): string {
  if (kind === 'gevent' && raw === 'Hub') return '#475569';
  if (raw === 'main greenlet') return '#111827';
  return CORO_HUES[order % CORO_HUES.length];
}

/** The CPU strips: time on a core (solid), runnable but waiting for a core (hatched), the empty track. */
const CPU_LIGHT = {
  on: '#1e293b',
  wait: '#d55e00',
  waitLight: '#f6c9a8',
  track: '#d9dde4',
  grid: '#b8c2d0',
};

/** On a dark background time on a core is light, the empty track dark. */
const CPU_DARK: Partial<typeof CPU_LIGHT> = { on: '#e5e7eb', waitLight: '#7c3a12', track: '#2b3340', grid: '#4b5563' };

export const CPU_COLORS = { ...CPU_LIGHT };

/** Each process's colour: the bar at the left of its group of lanes. */
const PROCESS_HUES = ['#64748b', '#0072b2', '#cc79a7', '#009e73', '#e69f00', '#56b4e9', '#d55e00', '#6d28d9'];

export function processColor(order: number): string {
  return PROCESS_HUES[order % PROCESS_HUES.length];
}

/** Distinct, dark-enough hues for per-thread text (output panel, source chips). */
const THREAD_HUES = ['#0b5394', '#a61c00', '#38761d', '#741b47', '#b45f06', '#134f5c', '#5b0f00', '#20124d'];

export function threadColor(tid: number): string {
  // A child process's tids are pid << 20 + n: mix the pid in, or every main thread would share a colour.
  const pid = Math.floor(tid / 1048576);
  return THREAD_HUES[(tid % 1048576 + pid * 3) % THREAD_HUES.length];
}

/** '#rrggbb' → a little-endian RGBA word for an ImageData's Uint32Array. */
export function rgbaWord(hex: string, alpha = 255): number {
  if (hex === 'transparent') return 0;
  const v = parseInt(hex.slice(1), 16);
  const r = (v >> 16) & 255;
  const g = (v >> 8) & 255;
  const b = v & 255;
  return ((alpha << 24) | (b << 16) | (g << 8) | r) >>> 0;
}
