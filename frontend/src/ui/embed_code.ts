// "Copy embed code": a dialog that builds the iframe snippet for this run
// (model/embed.ts) from a few choices — this recorded run or a fresh run on
// every showing, presenter mode, the current view, autoplay, theme, size —
// copies it, and says whether the server lets any site frame it (`concviz
// serve --embed-origin`; without one no slide deck can show it).
import { embedUrl, iframeSnippet, type EmbedTarget } from '../model/embed';
import { EMBED_PANELS, noOptions, type ViewOptions } from '../model/view_options';
import { api } from '../net/api';
import { clear, h } from './dom';

export interface EmbedContext {
  runId: string;
  scenario: string | null;
  params: Record<string, number>;
  title: string;
  /** The visible span in ns (for "start at this view"). */
  view: [number, number];
  presenter: boolean;
  dark: boolean;
}

const SIZES: readonly [number, number][] = [[960, 540], [1280, 720], [800, 450], [640, 360]];

export class EmbedDialog {
  readonly el = h('dialog.embed-dialog', { 'aria-label': 'Embed this run' });
  private ctx: EmbedContext | null = null;
  private readonly fresh = h('input', { type: 'radio', name: 'embed-target', value: 'scenario' });
  private readonly stored = h('input', { type: 'radio', name: 'embed-target', value: 'run', checked: true });
  private readonly presenter = h('input', { type: 'checkbox' });
  private readonly view = h('input', { type: 'checkbox' });
  private readonly autoplay = h('input', { type: 'checkbox' });
  private readonly dark = h('input', { type: 'checkbox' });
  private readonly size = h('select', { 'aria-label': 'Size of the frame' });
  private readonly code = h('textarea.embed-code', { readOnly: true, rows: 4, 'aria-label': 'Embed code' });
  private readonly origins = h('p.embed-origins');
  private readonly status = h('span.embed-status', { role: 'status' });
  private readonly preview = h('a.btn.small', { target: '_blank', rel: 'noopener' }, 'Open the embed');

  constructor() {
    for (const [w, hh] of SIZES) this.size.append(h('option', { value: `${w}x${hh}` }, `${w} × ${hh}`));
    const copy = h('button.btn.primary.embed-copy', { type: 'button' }, 'Copy');
    copy.addEventListener('click', () => void this.copy());
    const close = h('button.btn', { type: 'button' }, 'Close');
    close.addEventListener('click', () => this.el.close());
    const check = (input: HTMLInputElement, text: string) => h('label.embed-opt', null, input, ` ${text}`);
    clear(this.el,
      h('h2', null, 'Embed this run in slides'),
      h('fieldset.embed-fields', null,
        h('legend', null, 'Show'),
        check(this.stored, 'this run, as recorded'),
        check(this.fresh, 'a new run of the scenario each time the slide shows')),
      h('div.embed-row', null,
        check(this.presenter, 'presenter mode'), check(this.view, 'start at the current view'),
        check(this.autoplay, 'play on load'), check(this.dark, 'dark theme'),
        h('label.embed-opt', null, 'size ', this.size)),
      this.code,
      h('div.embed-row', null, copy, this.preview, this.status, h('span.spacer'), close),
      this.origins);
    for (const el of [this.fresh, this.stored, this.presenter, this.view, this.autoplay, this.dark, this.size]) {
      el.addEventListener('change', () => this.render());
    }
  }

  open(ctx: EmbedContext): void {
    this.ctx = ctx;
    this.presenter.checked = ctx.presenter;
    this.dark.checked = ctx.dark;
    this.fresh.disabled = ctx.scenario === null;
    this.status.textContent = '';
    this.render();
    if (!this.el.open) this.el.showModal();
    this.code.focus();
    this.code.select();
    void this.loadOrigins();
  }

  private target(): EmbedTarget {
    const c = this.ctx as EmbedContext;
    return this.fresh.checked && c.scenario !== null ? { scenario: c.scenario, params: c.params } : { run: c.runId };
  }

  private options(): ViewOptions {
    const c = this.ctx as EmbedContext;
    const o = noOptions();
    o.panels = [...EMBED_PANELS];
    o.presenter = this.presenter.checked;
    o.autoplay = this.autoplay.checked;
    if (this.dark.checked) o.theme = 'dark';
    if (this.view.checked) o.range = [{ ns: Math.max(0, Math.round(c.view[0] / 1000) * 1000) }, { ns: Math.round(c.view[1] / 1000) * 1000 }];
    return o;
  }

  /** The snippet for the current choices (also what the e2e tests read). */
  snippet(): string {
    const c = this.ctx;
    if (c === null) return '';
    const [w, hh] = this.size.value.split('x').map(Number);
    return iframeSnippet(embedUrl(location.origin, this.target(), this.options()), w, hh, `concviz: ${c.title}`);
  }

  private render(): void {
    if (this.ctx === null) return;
    this.code.value = this.snippet();
    this.preview.href = embedUrl(location.origin, this.target(), this.options());
  }

  private async copy(): Promise<void> {
    const text = this.snippet();
    try {
      await navigator.clipboard.writeText(text);
      this.status.textContent = 'Copied.';
    } catch {
      // No clipboard permission (an old browser, a locked-down page): the text is selected for Ctrl+C.
      this.code.focus();
      this.code.select();
      this.status.textContent = 'Press Ctrl+C to copy the selected code.';
    }
  }

  private async loadOrigins(): Promise<void> {
    try {
      const { origins } = await api.embedOrigins();
      this.origins.classList.toggle('bad', origins.length === 0);
      this.origins.textContent = origins.length === 0
        ? 'No site may show this server in a frame yet: start it with `concviz serve --embed-origin https://your-slides.example` (the origin of the page that holds your slides).'
        : `Pages of ${origins.join(', ')} may show it (concviz serve --embed-origin).`;
    } catch (e) {
      this.origins.textContent = `Could not ask the server which sites may embed it: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}
