// The embed code a lecturer pastes into slides: an iframe of /embed/runs/<id>
// (this run, as recorded) or /embed/?scenario=NAME&params (a fresh run each
// time the slide shows), with the view options (view_options.ts) in its URL.
// Pure text, so it is unit tested; ui/embed_code.ts shows and copies it.
import { formatRoute } from './url';
import { formatViewOptions, type ViewOptions } from './view_options';

export type EmbedTarget = { run: string } | { scenario: string; params: Record<string, number> };

/** The embed's address on the server at `origin` (e.g. "http://127.0.0.1:8000"). */
export function embedUrl(origin: string, target: EmbedTarget, options: ViewOptions): string {
  const path = 'run' in target ? formatRoute({ view: 'embed-run', id: target.run })
    : formatRoute({ view: 'embed-scenario', scenario: target.scenario, params: target.params });
  const q = new URLSearchParams(path.includes('?') ? path.slice(path.indexOf('?') + 1) : '');
  for (const [k, v] of formatViewOptions(options)) q.set(k, v);
  const base = path.includes('?') ? path.slice(0, path.indexOf('?')) : path;
  const query = q.toString().replace(/%2C/g, ',');
  return `${origin}${base}${query === '' ? '' : `?${query}`}`;
}

function attr(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The <iframe> element to paste; every attribute value is escaped. */
export function iframeSnippet(url: string, width: number, height: number, title: string): string {
  return `<iframe src="${attr(url)}" width="${Math.round(width)}" height="${Math.round(height)}" ` +
    `title="${attr(title)}" style="border:0" loading="lazy"></iframe>`;
}
