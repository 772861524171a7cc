// Replay controls under the timeline: jump to start, step back, play/pause,
// step forward, jump to end, speed, the scrub slider and the playhead time.
import { formatDuration } from '../model/time';
import { clear, h } from './dom';
import { icon } from './icons';

export interface ControlActions {
  start(): void;
  prev(): void;
  togglePlay(): void;
  next(): void;
  end(): void;
  speed(x: number): void;
  scrub(fraction: number): void;
  zoom(factor: number): void;
  fit(): void;
  overview(): boolean;
  live(): void;
}

export const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 5, 10];
const SCRUB_STEPS = 10000;

export class Controls {
  readonly el = h('section.controls', { 'aria-label': 'Replay controls' });
  private readonly play = h('button.btn.ctl.play', { type: 'button', title: 'Play / pause (space)', 'aria-label': 'Play' }, icon('play'));
  private playingShown = false;
  private readonly scrubber = h('input.scrub', { type: 'range', min: '0', max: String(SCRUB_STEPS), step: '1', value: '0', 'aria-label': 'Playhead position' });
  private readonly time = h('span.time', { 'aria-live': 'off' }, '—');
  private readonly liveBtn = h('button.btn.ctl.live', { type: 'button', title: 'Follow the live tail', hidden: true }, '● Live');
  private readonly speedSel = h('select.speed', { 'aria-label': 'Playback speed', title: 'Speed: at 1× the playhead crosses the visible window in 10 s' });

  private readonly overviewBtn = h('button.btn.ctl.overview', { type: 'button', title: 'All lanes on screen at once (A)', 'aria-pressed': 'false' }, 'All lanes');

  constructor(act: ControlActions) {
    this.overviewBtn.addEventListener('click', () => this.showOverview(act.overview()));
    const btn = (label: string | SVGElement, title: string, fn: () => void) => h('button.btn.ctl', { type: 'button', title, 'aria-label': title, onclick: fn }, label);
    for (const s of SPEEDS) this.speedSel.append(h('option', { value: String(s), selected: s === 1 }, `${s}×`));
    this.speedSel.addEventListener('change', () => act.speed(Number(this.speedSel.value)));
    this.play.addEventListener('click', () => act.togglePlay());
    this.scrubber.addEventListener('input', () => act.scrub(Number(this.scrubber.value) / SCRUB_STEPS));
    this.liveBtn.addEventListener('click', () => act.live());
    this.el.append(
      btn(icon('start'), 'Jump to start (Home)', () => act.start()),
      btn(icon('prev'), 'Previous event (←)', () => act.prev()),
      this.play,
      btn(icon('next'), 'Next event (→)', () => act.next()),
      btn(icon('end'), 'Jump to end (End)', () => act.end()),
      h('label.speed-label', null, 'speed ', this.speedSel),
      this.scrubber,
      this.time,
      this.liveBtn,
      h('span.zoom-group', null,
        btn('−', 'Zoom out (−)', () => act.zoom(1 / 1.5)),
        btn('+', 'Zoom in (+)', () => act.zoom(1.5)),
        btn('Fit', 'Show where the threads ran (zoom out further for the whole run)', () => act.fit()),
        this.overviewBtn),
    );
  }

  update(playhead: number, end: number, playing: boolean, live: boolean, following: boolean): void {
    if (playing !== this.playingShown) {
      this.playingShown = playing;
      clear(this.play, icon(playing ? 'pause' : 'play'));
      this.play.setAttribute('aria-label', playing ? 'Pause' : 'Play');
    }
    if (document.activeElement !== this.scrubber) {
      this.scrubber.value = String(end > 0 ? Math.round((Math.min(playhead, end) / end) * SCRUB_STEPS) : 0);
    }
    this.time.textContent = `${formatDuration(Math.min(playhead, end), 4)} / ${formatDuration(end, 4)}`;
    this.liveBtn.hidden = !live;
    this.liveBtn.classList.toggle('on', following);
  }

  /** Shows speed x in the menu (a link's `speed=` may ask for one it does not list: it is added). */
  showSpeed(x: number): void {
    if (![...this.speedSel.options].some((o) => Number(o.value) === x)) {
      const after = [...this.speedSel.options].find((o) => Number(o.value) > x) ?? null;
      this.speedSel.insertBefore(h('option', { value: String(x) }, `${x}×`), after);
    }
    this.speedSel.value = String(x);
  }

  showOverview(on: boolean): void {
    this.overviewBtn.setAttribute('aria-pressed', String(on));
    this.overviewBtn.classList.toggle('on', on);
  }

  setEnabled(on: boolean): void {
    for (const el of this.el.querySelectorAll('button, input, select')) (el as HTMLButtonElement).disabled = !on;
  }
}
