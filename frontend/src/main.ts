// Entry point: builds the app into <div id="app"> (served by the concviz
// server, or by vite's dev server from frontend/index.html). `?bench=frames`
// runs the timeline benchmark on a synthetic trace instead of talking to a server;
// a page written by `concviz export --html` opens the trace it carries.
import './styles.css';
import { parseRoute } from './model/url';
import { App } from './ui/app';
import { embeddedTrace, readEmbeddedTrace } from './net/offline';
import { runBench } from './dev/bench';

const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
const route = parseRoute(location.pathname, location.search);
const app = new App(root);
(window as unknown as { concviz: App }).concviz = app;
const embedded = embeddedTrace(document);
if (embedded !== null) void app.openExported(readEmbeddedTrace(embedded));
else if (route.view === 'bench') runBench(app, route.bench, route.params);
else app.start();
