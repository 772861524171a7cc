// How the page looks to its audience: presenter mode (key P, `presenter=1`),
// the light or dark theme, the text scale (`font=`) and which panels show
// (`panels=`). Presenter mode is for a projector at 1280×720 seen from the
// back of a hall: no text under 18 px (styles.css type steps), thick lanes
// and big canvas text (render/layout.ts), high-contrast colours, the row
// under the pointer outlined. Everything is classes on <html> and the app
// root plus the timeline's look, so switching is instant and reversible.
import type { PanelName, Theme } from '../model/view_options';
import { setCanvasTheme } from '../render/palette';
import type { Timeline } from '../render/timeline';

/** Panels whose box sits in the bottom row; when none of them shows, the timeline takes the room. */
const BOTTOM: readonly PanelName[] = ['source', 'objects', 'io', 'output'];
const ALL: readonly PanelName[] = ['banner', 'controls', 'legend', 'source', 'objects', 'io', 'output', 'tour'];

export class Presentation {
  presenter = false;
  theme: Theme = 'light';
  fontScale = 1;
  /** null: every panel the trace has something for. */
  private panels: ReadonlySet<PanelName> | null = null;
  private bottomCollapsed = false;

  constructor(private readonly root: HTMLElement, private readonly timeline: Timeline, private readonly changed: () => void) {}

  /**
   * At 1280×720 with 18 px text the bottom panels would leave the lanes a
   * hundred pixels: presenter mode folds them away (B brings them back),
   * unless a link's `panels=` asked for some.
   */
  setPresenter(on: boolean): void {
    if (on !== this.presenter) this.bottomCollapsed = on && this.panels === null;
    this.presenter = on;
    this.apply();
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.apply();
  }

  setFontScale(x: number): void {
    this.fontScale = x;
    this.apply();
  }

  /** Shows only these panels (an embed's `panels=`), or all of them (null). */
  setPanels(names: readonly PanelName[] | null): void {
    this.panels = names === null ? null : new Set(names);
    this.apply();
  }

  shows(name: PanelName): boolean {
    return this.panels === null || this.panels.has(name);
  }

  /** Folds the bottom panels away (or back): the timeline gets their height. */
  toggleBottomPanels(): boolean {
    this.bottomCollapsed = !this.bottomCollapsed;
    this.apply();
    return this.bottomCollapsed;
  }

  get bottomPanelsShown(): boolean {
    return !this.bottomCollapsed && BOTTOM.some((p) => this.shows(p));
  }

  private apply(): void {
    const html = document.documentElement;
    html.classList.toggle('presenter', this.presenter);
    html.classList.toggle('theme-dark', this.theme === 'dark');
    if (this.fontScale !== 1) html.style.setProperty('--font-scale', String(this.fontScale));
    else html.style.removeProperty('--font-scale');
    this.root.classList.toggle('presenter', this.presenter);
    for (const p of ALL) this.root.classList.toggle(`hide-${p}`, !this.shows(p));
    this.root.classList.toggle('custom-panels', this.panels !== null);
    this.root.classList.toggle('no-panels', !this.bottomPanelsShown);
    setCanvasTheme(this.theme === 'dark', this.presenter);
    this.timeline.setLook({ big: this.presenter, fontScale: this.fontScale });
    this.timeline.pointerBand = this.presenter;
    this.changed();
  }
}
