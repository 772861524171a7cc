// The run's exports in the top bar: the stored run as one HTML page that opens
// offline, or as a trace for Perfetto UI and chrome://tracing. Plain download
// links to GET /api/runs/{id}/export; offered once the run has ended.
import { api } from '../net/api';
import { h } from './dom';
import { formatPageRoute } from '../model/sweep';

export class ExportButtons {
  private readonly html = h('a.btn.export-html', { download: '', title: 'Download this run as one HTML page that opens offline, with no server' }, 'Export HTML');
  private readonly chrome = h('a.btn.export-chrome', { download: '', title: 'Download this run as a trace for ui.perfetto.dev or chrome://tracing' }, 'Export Perfetto');
  private readonly compare = h('a.btn.compare-with', { title: 'Show this run next to another on one time axis' }, 'Compare with…');
  readonly el = h('span.export-buttons', { hidden: true }, this.compare, this.html, this.chrome);

  /** Offers the exports of the run `id` when it has ended; hides them otherwise. */
  show(id: string | null, ended: boolean): void {
    this.el.hidden = id === null || !ended;
    if (id === null) return;
    this.html.href = api.exportUrl(id, 'html');
    this.chrome.href = api.exportUrl(id, 'chrome');
    this.compare.href = formatPageRoute({ view: 'compare', a: id, b: '' });
  }
}
