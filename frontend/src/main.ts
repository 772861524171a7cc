// Entry point: builds the app into <div id="app"> (served by the concviz
// server, or by vite's dev server from frontend/index.html). `?bench=frames`
// runs the timeline benchmark on a synthetic trace instead of talking to a server;
// a page written by `concviz export --html` opens the trace it carries.
import './styles.css';
import { parseRoute } from './model/url';
import { App } from './ui/app';
import { embeddedTrace, readEmbeddedTrace } from './net/offline';
import { runBench } from './dev/bench';
import { parsePageRoute } from './model/sweep';
import { SweepView } from './ui/sweep/sweep_view';
import { CompareView } from './ui/compare/compare_view';

const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
const route = parseRoute(location.pathname, location.search);
// ?sweep=ID and ?compare=1&a=..&b=.. are pages of their own (served by "/", so a link survives a restart).
const page = location.pathname === '/' ? parsePageRoute(location.search) : null;
if (page !== null) {
  if (page.view === 'compare') void new CompareView(root).show(page.a, page.b);
  else void new SweepView(root).show(page.view === 'sweep' ? page.id : null);
  window.addEventListener('popstate', () => location.reload());
  // Presenter mode as on the run view: presenter=1 in the address, P to toggle (styles.css: nothing under 18 px).
  const html = document.documentElement;
  html.classList.toggle('presenter', new URLSearchParams(location.search).get('presenter') === '1');
  window.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement | null;
    if ((e.key === 'p' || e.key === 'P') && !(t instanceof HTMLInputElement || t instanceof HTMLSelectElement)) html.classList.toggle('presenter');
  });
} else {
  const app = new App(root);
  (window as unknown as { concviz: App }).concviz = app;
  const embedded = embeddedTrace(document);
  if (embedded !== null) void app.openExported(readEmbeddedTrace(embedded));
  else if (route.view === 'bench') runBench(app, route.bench, route.params);
  else app.start();
}
