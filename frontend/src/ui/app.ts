// The application: wires the server (net/), the trace model (model/), the
// timeline (render/) and the panels. It owns the view state — selected
// scenario and parameters, the open run or trace, the playhead, playback — and
// keeps the address bar in step with it.
import type { End, Envelope, Header } from '../generated/events';
import type { RunInfo, Scenario } from '../model/api_types';
import { cycleActors, type LostUpdate } from '../model/diagnosis';
import { parseJsonl } from '../model/jsonl';
import { mergeParams, defaultParams } from '../model/params';
import { isPoolType } from '../model/pools';
import { isQueueType } from '../model/queues';
import { isSelectorType, isSocketType } from '../model/sockets';
import { TraceModel } from '../model/trace';
import { formatRoute, parseRoute, type Route } from '../model/url';
import { parseViewOptions } from '../model/view_options';
import { ApiError, api } from '../net/api';
import type { EmbeddedTrace } from '../net/offline';
import { RunStream } from '../net/stream';
import { Timeline } from '../render/timeline';
import { Banner } from './banner';
import { Controls } from './controls';
import { RunOptions } from './control/run_options';
import { StepPanel } from './control/step_panel';
import { parseReplayLink, type ControlRequest } from '../model/control';
import { clear, h, readSetting, writeSetting } from './dom';
import { ExportButtons } from './export_buttons';
import { hints, legend } from './legend';
import { IoPanel } from './io_panel';
import { Lecture } from './lecture';
import { ObjectsPanel } from './objects_panel';
import { OutputPanel } from './output_panel';
import { Sidebar, isActive } from './sidebar';
import { SourcePanel } from './source_panel';
import { Tooltip } from './tooltip';

/** At 1× the playhead crosses the visible window in this many seconds. */
const WINDOW_SECONDS = 10;

export class App {
  private scenarios: Scenario[] | null = null;
  private scenarioName: string | null = null;
  private params: Record<string, number> = {};
  private runId: string | null = null;
  private run: RunInfo | null = null;
  private stream: RunStream | null = null;
  model: TraceModel | null = null;
  private playhead = 0;
  /** The playhead sticks to the newest event while a run is live. */
  private followTail = true;
  private playing = false;
  private speed = 1;
  private followTid: number | null = null;
  private lastFrame = 0;
  private updateScheduled = false;
  private runsTimer: ReturnType<typeof setTimeout> | null = null;
  /** A page written by `concviz export --html`: it shows its one trace and has no server to ask. */
  private offline = false;
  /** An /embed/... page: one run, no scenario list, no other runs. */
  private embed = false;

  readonly sidebar: Sidebar;
  readonly timeline: Timeline;
  /** Presenter mode, guided tours, embed code, the link's view options (lecture.ts). */
  readonly lecture: Lecture;
  private readonly banner: Banner;
  private readonly controls: Controls;
  /** Controlled mode: the run form's schedule row and the step panel (ui/control/). */
  private readonly runOptions: RunOptions;
  private readonly stepPanel: StepPanel;
  private readonly objects: ObjectsPanel;
  private readonly io: IoPanel;
  private readonly panelsEl = h('div.panels');
  private objectsPanelEl: HTMLElement | null = null;
  private ioPanelEl: HTMLElement | null = null;
  private readonly source: SourcePanel;
  private readonly output: OutputPanel;
  private readonly tooltip = new Tooltip();
  private readonly titleEl = h('div.run-title');
  private readonly statusEl = h('span.status', { hidden: true });
  private readonly countEl = h('span.count');
  private readonly exports = new ExportButtons();
  private readonly emptyEl = h('div.timeline-empty');
  private readonly timelineHost = h('div.timeline-host');
  private readonly fileInput = h('input', { type: 'file', accept: '.jsonl,.json,.txt,application/x-ndjson', hidden: true });
  readonly root: HTMLElement;

  constructor(root: HTMLElement) {
    this.root = root;
    this.sidebar = new Sidebar({
      select: (name) => this.selectScenario(name, null, true),
      paramsChanged: (v) => this.paramsChanged(v),
      run: (v) => void this.startRun(v),
      stop: () => void this.stopRun(),
      openRun: (id) => this.navigate({ view: 'run', id }),
      retry: () => void this.loadScenarios(),
    });
    this.banner = new Banner({ showLostUpdate: (u) => this.showLostUpdate(u), follow: (tid) => this.setFollow(tid) });
    this.controls = new Controls({
      start: () => this.setPlayhead(0),
      prev: () => this.step(-1),
      togglePlay: () => this.togglePlay(),
      next: () => this.step(1),
      end: () => this.setPlayhead(this.model?.endTime ?? 0),
      speed: (x) => this.setSpeed(x),
      scrub: (f) => this.setPlayhead(f * (this.model?.endTime ?? 0)),
      zoom: (f) => this.timeline.zoom(f),
      fit: () => { this.timeline.autoFit = true; this.timeline.invalidate(); },
      overview: () => this.toggleOverview(),
      live: () => { this.followTail = true; this.scheduleUpdate(); },
    });
    this.runOptions = new RunOptions({
      current: () => (this.scenarioName === null ? null : { scenario: this.scenarioName, params: this.params }),
      openRun: (id) => this.navigate({ view: 'run', id }),
    });
    this.sidebar.setRunOptions(this.runOptions.el);
    this.stepPanel = new StepPanel({
      laneName: (tid) => this.model?.threadName(tid) ?? null,
      startControlled: (scenario, params, control) => this.startControlled(scenario, params, control),
    });
    this.objects = new ObjectsPanel((tid) => this.setFollow(tid));
    this.io = new IoPanel((tid) => this.setFollow(tid));
    this.source = new SourcePanel((tid) => this.setFollow(tid));
    this.output = new OutputPanel();

    const openBtn = h('button.btn.open', { type: 'button', title: 'Open a trace file (concviz run -o trace.jsonl)', onclick: () => this.fileInput.click() }, 'Open trace…');
    this.fileInput.addEventListener('change', () => {
      const f = this.fileInput.files?.[0];
      if (f !== undefined) void this.openTraceFile(f);
      this.fileInput.value = '';
    });
    const toggle = h('button.btn.icon.menu', { type: 'button', title: 'Show / hide the scenario list', 'aria-label': 'Toggle the scenario list', onclick: () => { root.classList.toggle('no-sidebar'); } }, '☰');
    const timelineWrap = h('section.timeline-wrap', null, h('div.timeline-top', null, legend(), hints()), this.timelineHost, this.emptyEl);
    const panel = (title: string, body: HTMLElement, cls: string) => h(`section.panel.${cls}`, null, h('h2.panel-title', null, title), body);
    clear(root,
      h('header.topbar', null, toggle, h('a.brand', { href: '/', onclick: (e: MouseEvent) => { e.preventDefault(); this.navigate({ view: 'home' }); } }, 'concviz'),
        this.titleEl, this.statusEl, this.countEl, h('span.spacer'), h('a.btn.sweeps-link', { href: '/?sweep=', title: 'Run a scenario many times over its parameters' }, 'Sweeps'), this.exports.el, openBtn, this.fileInput),
      this.sidebar.el,
      h('main.main', null, this.banner.el, this.stepPanel.el, timelineWrap, this.controls.el, this.splitter(),
        this.panelsEl),
      this.tooltip.el,
      h('div.drop-overlay', null, 'Drop a concviz trace (.jsonl) to open it'),
    );
    this.objectsPanelEl = panel('Objects at the playhead', this.objects.el, 'objects-panel');
    this.ioPanelEl = panel('I/O at the playhead', this.io.el, 'io-panel');
    this.ioPanelEl.hidden = true;
    this.panelsEl.append(panel('Source', this.source.el, 'source-panel'), this.objectsPanelEl, this.ioPanelEl,
      panel('Output', this.output.el, 'output-panel'));
    root.classList.add('app');
    this.timeline = new Timeline(this.timelineHost, {
      playhead: (t) => this.setPlayhead(t),
      follow: (tid) => { if (!this.stepPanel.chooseLane(tid)) this.setFollow(tid); },
      hover: (info, x, y) => { if (this.model !== null) this.tooltip.show(this.model, info, x, y); },
      viewChanged: () => this.lecture.editor.viewChanged(),
    });
    this.lecture = new Lecture(this);
    this.exports.el.before(this.lecture.buttons);
    timelineWrap.append(this.lecture.tourView.el);
    this.bindKeys();
    this.bindDrop();
    window.addEventListener('popstate', () => this.applyRoute(parseRoute(location.pathname, location.search)));
    this.showEmpty();
  }

  /** The handle between the timeline and the panels: drag to share the height. */
  private splitter(): HTMLElement {
    const el = h('div.splitter', { role: 'separator', 'aria-orientation': 'horizontal', title: 'Drag to resize the panels' });
    const saved = Number(readSetting('concviz.panelsH'));
    if (saved > 0) this.root.style.setProperty('--panels-h', `${saved}px`);
    el.addEventListener('pointerdown', (e) => {
      el.setPointerCapture(e.pointerId);
      el.classList.add('active');
      const main = el.parentElement as HTMLElement;
      const move = (m: PointerEvent) => {
        const r = main.getBoundingClientRect();
        const hgt = Math.round(Math.max(120, Math.min(r.height - 260, r.bottom - m.clientY - 10)));
        this.root.style.setProperty('--panels-h', `${hgt}px`);
        writeSetting('concviz.panelsH', String(hgt));
      };
      const up = () => {
        el.classList.remove('active');
        el.removeEventListener('pointermove', move);
        el.removeEventListener('pointerup', up);
      };
      el.addEventListener('pointermove', move);
      el.addEventListener('pointerup', up);
    });
    return el;
  }

  /** On a small screen (a 1280×720 projector) an open run gets the whole width. */
  private roomForTimeline(): void {
    if (window.innerWidth < 1500) this.root.classList.add('no-sidebar');
  }

  /** Starts from the address bar. */
  start(): void {
    const route = parseRoute(location.pathname, location.search);
    const { options, problems } = parseViewOptions(location.search);
    this.lecture.useOptions(options, problems);
    if (route.view === 'embed-run' || route.view === 'embed-scenario') {
      this.embed = true;
      this.lecture.setEmbed(true);
      this.root.classList.add('no-sidebar');
      // The scenario list gives the run its title; the run list is never asked for.
      void this.loadScenarios().then(() => this.applyRoute(route));
      return;
    }
    const replay = route.view === 'scenario' ? parseReplayLink(location.search) : null;
    void this.loadScenarios().then(() => {
      this.applyRoute(route);
      // A controlled run's share link: replay its schedule in a new run.
      if (replay !== null && route.view === 'scenario') void this.startControlled(route.scenario, this.params, replay);
    });
    void this.loadRuns();
  }

  /** Starts a controlled run (undo, a replay link) and shows it. */
  private async startControlled(scenario: string, params: Record<string, number>, control: ControlRequest): Promise<void> {
    try {
      const run = await api.startRun(scenario, params, control);
      this.navigate({ view: 'run', id: run.id });
    } catch (e) {
      this.banner.message('warn', 'Could not start the controlled run', message(e));
      throw e;
    }
  }

  // --- routing ----------------------------------------------------------------

  private navigate(r: Route): void {
    if (this.offline) return;
    const url = formatRoute(r);
    if (url !== location.pathname + location.search) history.pushState(null, '', url);
    this.applyRoute(r);
  }

  private applyRoute(r: Route): void {
    if (r.view === 'run' || r.view === 'embed-run') {
      if (r.id !== this.runId) void this.openRun(r.id);
      return;
    }
    if (r.view === 'embed-scenario') {
      this.embedScenario(r.scenario, r.params);
      return;
    }
    this.closeRun();
    if (r.view === 'scenario') this.selectScenario(r.scenario, r.params, false);
    else if (r.view === 'home') {
      this.scenarioName = null;
      this.sidebar.select(null, {});
      this.setModel(null);
      this.showEmpty();
    }
  }

  // --- scenarios and runs -------------------------------------------------------

  private async loadScenarios(): Promise<void> {
    try {
      this.scenarios = await api.scenarios();
      this.sidebar.setScenarios(this.scenarios);
      if (this.scenarioName !== null) this.selectScenario(this.scenarioName, this.params, false);
    } catch (e) {
      this.sidebar.showScenarioError(message(e));
    }
  }

  private async loadRuns(): Promise<void> {
    if (this.offline || this.embed) return;
    if (this.runsTimer !== null) clearTimeout(this.runsTimer);
    this.runsTimer = null;
    try {
      const runs = await api.runs();
      this.sidebar.setRuns(runs, this.runId);
      if (runs.some(isActive)) this.runsTimer = setTimeout(() => void this.loadRuns(), 3000);
    } catch (e) {
      this.sidebar.setRuns(null, null, message(e));
    }
  }

  private scenario(name: string | null): Scenario | null {
    return this.scenarios?.find((s) => s.name === name) ?? null;
  }

  private selectScenario(name: string, given: Record<string, number> | null, push: boolean): void {
    const s = this.scenario(name);
    this.scenarioName = name;
    if (s === null) {
      if (this.scenarios !== null) this.banner.message('warn', `There is no scenario called '${name}'.`, 'Pick one from the list on the left.');
      return;
    }
    this.params = given === null ? (name === this.run?.scenario ? mergeParams(s, this.run.params) : defaultParams(s)) : mergeParams(s, given);
    this.sidebar.select(s, this.params);
    this.sidebar.setRunning(this.run !== null && isActive(this.run));
    if (push) {
      this.closeRun();
      this.setModel(null);
      this.showEmpty();
      this.navigate({ view: 'scenario', scenario: name, params: this.params });
    }
    if (this.model === null) this.setTitle(s.title, null);
  }

  private paramsChanged(v: Record<string, number>): void {
    this.params = v;
    if (this.scenarioName !== null && this.runId === null) {
      history.replaceState(null, '', formatRoute({ view: 'scenario', scenario: this.scenarioName, params: v }));
    }
  }

  private async startRun(values: Record<string, number>): Promise<void> {
    if (this.scenarioName === null) return;
    this.sidebar.clearRunErrors();
    this.sidebar.setRunning(false, true);
    try {
      const run = await api.startRun(this.scenarioName, values, this.runOptions.request());
      this.sidebar.setRunning(true);
      this.navigate({ view: 'run', id: run.id });
    } catch (e) {
      this.sidebar.setRunning(false);
      if (e instanceof ApiError) this.sidebar.showRunErrors(e.message, e.fields);
      else this.sidebar.showRunErrors(message(e), []);
    }
  }

  private async stopRun(): Promise<void> {
    if (this.runId === null) return;
    try {
      await api.stopRun(this.runId);
    } catch (e) {
      this.banner.message('warn', 'Could not stop the run', message(e));
    }
  }

  private closeRun(): void {
    this.stream?.close();
    this.stream = null;
    this.runId = null;
    this.run = null;
    this.statusEl.hidden = true;
    this.exports.show(null, false);
    this.lecture.setRun(null);
    this.stepPanel.setRun(null);
  }

  private async openRun(id: string): Promise<void> {
    this.closeRun();
    this.runId = id;
    this.banner.hide();
    this.setModel(null);
    this.showEmpty('loading', 'Loading the run…');
    let run: RunInfo;
    try {
      run = await api.run(id);
    } catch (e) {
      if (this.runId !== id) return;
      const notFound = e instanceof ApiError && e.status === 404;
      this.showEmpty('error', notFound ? `There is no run '${id}'.` : `Could not load run '${id}': ${message(e)}`);
      return;
    }
    if (this.runId !== id) return;
    this.run = run;
    this.lecture.setRun(run);
    this.stepPanel.setRun({ id, scenario: run.scenario, params: run.params });
    this.exports.show(id, !isActive(run) && !this.embed);
    this.roomForTimeline();
    if (this.scenarios !== null) this.selectScenario(run.scenario, run.params, false);
    const s = this.scenario(run.scenario);
    const model = new TraceModel();
    this.setModel(model);
    if (s !== null) this.source.setFiles({ [s.path || `${s.name}.py`]: s.source });
    this.setTitle(s?.title ?? run.scenario, run.status);
    this.sidebar.setRunning(isActive(run));
    this.showEmpty('loading', isActive(run) ? 'Starting the program…' : 'Loading the trace…');
    let failures = 0;
    this.stream = new RunStream(id, {
      header: (hd) => this.onHeader(model, hd),
      events: (batch) => this.onEvents(model, batch),
      end: (e) => this.onEnd(model, e),
      status: (st, detail) => {
        if (st === 'retrying') {
          failures++;
          this.countEl.textContent = detail ?? 'reconnecting…';
          if (failures >= 3 && this.run !== null && !isActive(this.run) && model.eventCount === 0) void this.loadTraceOverHttp(id, model);
        }
      },
    });
    void this.loadRuns();
  }

  /** Fallback when the WebSocket is unavailable: the finished run's trace over HTTP. */
  private async loadTraceOverHttp(id: string, model: TraceModel): Promise<void> {
    this.stream?.close();
    try {
      const res = await fetch(api.traceUrl(id));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const p = parseJsonl(await res.text());
      if (p.header !== null) this.onHeader(model, p.header);
      this.onEvents(model, p.events);
      if (p.end !== null) this.onEnd(model, p.end);
    } catch (e) {
      if (this.model === model) this.showEmpty('error', `Could not load the trace of run '${id}': ${message(e)}`);
    }
  }

  private onHeader(model: TraceModel, hd: Header): void {
    model.setHeader(hd);
    if (this.model !== model) return;
    this.stepPanel.setControl(hd.control);
    if (hd.source !== undefined && Object.keys(hd.source).length > 0) this.source.setFiles(hd.source);
    this.scheduleUpdate();
  }

  private onEvents(model: TraceModel, batch: Envelope[]): void {
    model.ingest(batch);
    if (this.model !== model) return;
    this.stepPanel.events(batch);
    if (model.eventCount > 0) this.emptyEl.hidden = true;
    this.scheduleUpdate();
  }

  private onEnd(model: TraceModel, e: End): void {
    model.setEnd(e);
    if (this.model !== model) return;
    this.stepPanel.end(e);
    this.emptyEl.hidden = model.eventCount > 0;
    if (model.eventCount === 0) this.showEmpty('error', 'The run recorded no events.');
    if (this.run !== null) this.run = { ...this.run, status: e.status };
    this.timeline.alertTids = cycleActors(e);
    this.setTitle(this.titleEl.textContent ?? '', e.status);
    this.sidebar.setRunning(false);
    if (this.runId !== null) this.exports.show(this.runId, !this.embed);
    this.banner.showEnd(e, model);
    void this.loadRuns();
    this.lecture.traceChanged(true);
    this.scheduleUpdate();
  }

  // --- standalone traces --------------------------------------------------------

  async openTraceFile(file: File): Promise<void> {
    this.closeRun();
    this.banner.hide();
    let parsed;
    try {
      parsed = parseJsonl(await file.text());
    } catch (e) {
      this.setModel(null);
      this.showEmpty('error', `Could not open ${file.name}: ${message(e)}`);
      return;
    }
    this.openParsed(parsed, file.name);
    // Show the scenario the trace came from, if the server knows it.
    const target = parsed.header?.target ?? null;
    const s = this.scenario(target);
    this.scenarioName = s?.name ?? null;
    this.sidebar.select(s, s !== null ? mergeParams(s, (parsed.header?.params ?? {}) as Record<string, number>) : {});
  }

  openParsed(parsed: ReturnType<typeof parseJsonl>, name: string): void {
    this.roomForTimeline();
    const model = new TraceModel();
    if (parsed.header !== null) model.setHeader(parsed.header);
    model.ingest(parsed.events);
    this.setModel(model);
    this.followTail = false;
    this.source.setFiles(parsed.header?.source ?? {});
    this.setTitle(`${parsed.header?.target ?? name}`, parsed.end?.status ?? 'no end line', name);
    this.emptyEl.hidden = model.eventCount > 0;
    if (parsed.end !== null) this.onEnd(model, parsed.end);
    else this.banner.message('warn', 'This trace has no end line', 'The recording stopped before the program ended (the recorder was killed?). Everything recorded until then is shown.');
    if (parsed.bad.length > 0) this.banner.message('warn', `${parsed.bad.length} line(s) of ${name} could not be read and were skipped`, `lines ${parsed.bad.slice(0, 10).join(', ')}`);
    this.playhead = model.endTime;
    this.scheduleUpdate();
  }

  /** Shows the trace a page written by `concviz export --html` carries (net/offline.ts):
   *  no scenario list, no runs, no request to anyone. */
  async openExported(trace: Promise<EmbeddedTrace>): Promise<void> {
    this.offline = true;
    this.root.classList.add('offline', 'no-sidebar');
    const { options, problems } = parseViewOptions(location.search);
    this.lecture.useOptions(options, problems);
    this.lecture.readPageTour(document);
    this.showEmpty('loading', 'Opening the trace…');
    try {
      const t = await trace;
      this.openParsed(t.parsed, t.name);
      this.setTitle(t.title, t.parsed.end?.status ?? 'no end line', t.name);
    } catch (e) {
      this.showEmpty('error', `Could not read the trace inside this page: ${message(e)}`);
    }
  }

  /** Shows an already-built model (the synthetic benchmark and demo traces). */
  openModel(model: TraceModel, title: string): void {
    this.closeRun();
    this.setModel(model);
    this.followTail = model.live;
    this.setTitle(title, model.end?.status ?? null);
    this.emptyEl.hidden = true;
    if (model.end !== null) this.banner.showEnd(model.end, model);
    this.playhead = model.endTime;
    this.scheduleUpdate();
  }

  private setModel(m: TraceModel | null): void {
    this.model = m;
    this.playing = false;
    this.followTail = true;
    this.playhead = 0;
    this.followTid = null;
    this.timeline.follow = null;
    this.timeline.setModel(m);
    if (m === null) this.source.setFiles({});
    this.countEl.textContent = '';
    this.scheduleUpdate();
  }

  private setTitle(title: string, status: string | null, file: string | null = null): void {
    this.titleEl.textContent = title;
    if (file !== null) this.titleEl.title = file;
    this.statusEl.hidden = status === null;
    if (status !== null) {
      this.statusEl.className = `status status-${status.replace(/ /g, '_')}`;
      this.statusEl.textContent = status.replace(/_/g, ' ');
    }
  }

  private showEmpty(kind: 'welcome' | 'loading' | 'error' = 'welcome', text = ''): void {
    this.emptyEl.hidden = false;
    this.emptyEl.className = `timeline-empty ${kind}`;
    if (kind === 'welcome') {
      clear(this.emptyEl, h('div.welcome', null,
        h('h1', null, 'See your threads.'),
        h('p', null, this.scenarioName === null ? 'Pick a scenario on the left, set its parameters and press Run.' : 'Set the parameters on the left and press Run.'),
        h('p.muted', null, 'Or open a trace recorded with ', h('code', null, 'concviz run -o trace.jsonl script.py'), ' — drop it anywhere on this page.')));
    } else {
      clear(this.emptyEl, h(`div.${kind}-box`, { role: kind === 'error' ? 'alert' : 'status' }, kind === 'loading' ? h('span.spinner') : null, text));
    }
  }

  // --- playhead and playback ----------------------------------------------------

  setPlayhead(t: number): void {
    const m = this.model;
    if (m === null) return;
    this.followTail = false;
    this.playhead = Math.max(0, Math.min(t, m.endTime));
    this.timeline.revealTime(this.playhead);
    this.scheduleUpdate();
  }

  private step(dir: 1 | -1): void {
    const m = this.model;
    if (m === null || m.eventCount === 0) return;
    this.playing = false;
    const s = m.store;
    let seq: number;
    if (dir > 0) seq = s.seqAtTime(this.playhead) + 1;
    else {
      seq = s.seqAtTime(this.playhead);
      while (seq >= 0 && s.t.data[seq] >= this.playhead) seq--;
    }
    if (seq < 0 || seq >= s.length) return;
    this.setPlayhead(s.t.data[seq]);
    this.timeline.highlights = [seq];
  }

  private togglePlay(): void {
    const m = this.model;
    if (m === null) return;
    this.playing = !this.playing;
    if (this.playing) {
      if (this.playhead >= m.endTime) this.playhead = 0;
      this.followTail = false;
      this.lastFrame = performance.now();
      this.timeline.highlights = [];
      requestAnimationFrame((t) => this.playFrame(t));
    }
    this.scheduleUpdate();
  }

  private playFrame(now: number): void {
    const m = this.model;
    if (!this.playing || m === null) return;
    const dt = Math.min(100, now - this.lastFrame);
    this.lastFrame = now;
    const windowNs = this.timeline.viewport.nsPerPx * this.timeline.viewport.width;
    this.playhead += (dt / 1000) * this.speed * (windowNs / WINDOW_SECONDS);
    if (this.playhead >= m.endTime) {
      this.playhead = m.endTime;
      this.playing = false;
      if (m.live) this.followTail = true;
    }
    this.timeline.revealTime(this.playhead);
    this.scheduleUpdate();
    if (this.playing) requestAnimationFrame((t) => this.playFrame(t));
  }

  private setFollow(tid: number): void {
    const m = this.model;
    if (m === null) return;
    this.followTid = this.followTid === tid ? null : tid;
    this.timeline.follow = this.followTid;
    const row = m.rowOf(tid);
    if (row >= 0 && this.followTid !== null) this.timeline.revealLane(row);
    this.scheduleUpdate();
  }

  // --- what the lecture kit asks of the App (lecture.ts LectureHost) ------------------

  get playheadTime(): number {
    return this.playhead;
  }

  get currentRun(): RunInfo | null {
    return this.run;
  }

  get runTitle(): string {
    return this.titleEl.textContent ?? '';
  }

  get followedActor(): number | null {
    return this.followTid;
  }

  /** Follows exactly this actor's lane (null: none); setFollow toggles instead. */
  followActor(actor: number | null): void {
    if (actor === this.followTid) return;
    if (actor === null) {
      if (this.followTid !== null) this.setFollow(this.followTid);
      return;
    }
    this.followTid = null;
    this.setFollow(actor);
  }

  /** Plays from the playhead (from the start once at the end). */
  play(): void {
    if (!this.playing) this.togglePlay();
  }

  setSpeed(x: number): void {
    this.speed = x;
    this.controls.showSpeed(x);
  }

  warn(headline: string, detail: string): void {
    this.banner.message('warn', headline, detail);
  }

  /**
   * /embed/?scenario=NAME: a fresh run on every showing. Only inside a frame,
   * which the server lets only the lecturer's origins make (server/embedding.py);
   * opened directly (a link from anywhere), the page waits for a click.
   */
  private embedScenario(name: string, params: Record<string, number>): void {
    this.setTitle(name, null);
    if (window.top !== window) {
      void this.launchEmbedRun(name, params);
      return;
    }
    const go = h('button.btn.primary', { type: 'button', onclick: () => void this.launchEmbedRun(name, params) }, `Run ${name}`);
    this.emptyEl.hidden = false;
    this.emptyEl.className = 'timeline-empty welcome';
    clear(this.emptyEl, h('div.welcome', null, h('p', null, `This embed runs the scenario ${name} when it is shown in a slide.`), go));
  }

  private async launchEmbedRun(name: string, params: Record<string, number>): Promise<void> {
    this.showEmpty('loading', 'Starting the program…');
    try {
      const run = await api.startRun(name, params);
      await this.openRun(run.id);
    } catch (e) {
      const fields = e instanceof ApiError ? e.fields.map((f) => f.message).join('; ') : '';
      this.showEmpty('error', `Could not run ${name}: ${fields !== '' ? fields : message(e)}`);
    }
  }

  private showLostUpdate(u: LostUpdate): void {
    const m = this.model;
    if (m === null || u.read_seq >= m.eventCount) return;
    const s = m.store;
    const seqs = [u.read_seq, u.write_seq, u.overwrote?.seq ?? -1].filter((x) => x >= 0 && x < s.length);
    const times = seqs.map((x) => s.t.data[x]);
    const t0 = Math.min(...times);
    const t1 = Math.max(...times);
    const span = Math.max(t1 - t0, 1000);
    this.timeline.setView(t0 - span * 0.4, (span * 1.8) / this.timeline.viewport.width);
    this.timeline.highlights = seqs;
    this.setPlayhead(s.t.data[u.read_seq]);
    this.followTid = null;
    this.setFollow(u.thread);
  }

  // --- per-frame panel update -----------------------------------------------------

  scheduleUpdate(): void {
    if (this.updateScheduled) return;
    this.updateScheduled = true;
    requestAnimationFrame(() => {
      this.updateScheduled = false;
      this.update();
    });
  }

  private lastPanels = 0;
  private pendingPanels: ReturnType<typeof setTimeout> | null = null;

  private update(): void {
    const m = this.model;
    // While following a live run, the panels refresh ten times a second; the frames between go to ingestion.
    const now = performance.now();
    if (m !== null && m.live && this.followTail && now - this.lastPanels < 100) {
      if (this.pendingPanels === null) {
        this.pendingPanels = setTimeout(() => { this.pendingPanels = null; this.scheduleUpdate(); }, 100 - (now - this.lastPanels));
      }
      return;
    }
    this.lastPanels = now;
    if (m !== null && this.followTail) this.playhead = m.endTime;
    const t = this.playhead;
    // Following a live tail: redraws are throttled; anything the user did redraws at once.
    this.timeline.playhead = t;
    this.timeline.invalidate(!(m !== null && m.live && this.followTail));
    this.controls.setEnabled(m !== null && m.eventCount > 0);
    this.controls.update(t, m?.endTime ?? 0, this.playing, m?.live === true && this.runId !== null, this.followTail);
    if (m !== null) {
      const procs = m.processRows;
      const coros = m.coros.count;
      this.countEl.textContent = `${m.eventCount.toLocaleString()} events · ${m.lanes.length} threads${coros > 0 ? ` · ${coros} coroutines` : ''}${procs > 0 ? ` · ${procs} processes` : ''}`;
      const snap = m.tracker.at(m.store.seqAtTime(t));
      this.layoutPanels(m);
      this.objects.render(m, snap);
      this.io.render(m, snap, t);
    } else {
      this.layoutPanels(null);
      this.objects.render(null, null);
      this.io.render(null, null, t);
    }
    this.source.update(m, t, this.followTid);
    this.output.render(m, t);
  }

  private panelsKey = '';

  /** The I/O panel appears when the trace has sockets or select calls; the objects panel goes when it would be empty. */
  private layoutPanels(m: TraceModel | null): void {
    let io = false;
    let sync = false;
    if (m !== null) {
      for (const o of m.objects.values()) {
        if (isSocketType(o.type) || isSelectorType(o.type) || o.type === 'select') io = true;
        else sync = true;
      }
      io = io || m.selects.length > 0;
    }
    const queues = m !== null && [...m.objects.values()].some((o) => isQueueType(o.type));
    const pipes = m !== null && (m.pipes.length > 0 || [...m.objects.values()].some((o) => o.type === 'Pipe'));
    const procs = m !== null && m.processRows > 0;
    const coros = m !== null && m.coros.count > 0;
    const cpu = m !== null && m.hasCpu;
    const pools = m !== null && (m.pools.any || [...m.objects.values()].some((o) => isPoolType(o.type)));
    const key = `${io}|${sync}|${queues}|${pipes}|${procs}|${cpu}|${pools}|${coros}`;
    if (key === this.panelsKey) return;
    this.panelsKey = key;
    if (this.ioPanelEl !== null) this.ioPanelEl.hidden = !io;
    if (this.objectsPanelEl !== null) this.objectsPanelEl.hidden = io && !sync;
    this.panelsEl.classList.toggle('with-io', io && sync);
    this.panelsEl.classList.toggle('io-only', io && !sync);
    this.panelsEl.classList.toggle('with-queues', queues && !io);
    // Only a trace with queues has put → get arrows to explain.
    for (const item of this.root.querySelectorAll<HTMLElement>('.legend-queue')) item.hidden = !queues;
    // Likewise send → recv, start → child and the CPU strips.
    for (const item of this.root.querySelectorAll<HTMLElement>('.legend-pipe')) item.hidden = !pipes;
    for (const item of this.root.querySelectorAll<HTMLElement>('.legend-process')) item.hidden = !procs;
    for (const item of this.root.querySelectorAll<HTMLElement>('.legend-cpu')) item.hidden = !cpu;
    for (const item of this.root.querySelectorAll<HTMLElement>('.legend-pool')) item.hidden = !pools;
    for (const item of this.root.querySelectorAll<HTMLElement>('.legend-coro')) item.hidden = !coros;
  }

  // --- keyboard and drag & drop ------------------------------------------------------

  /** Switches the all-lanes overview; returns whether it is now on. */
  private toggleOverview(): boolean {
    this.timeline.overview = !this.timeline.overview;
    return this.timeline.overview;
  }

  private bindKeys(): void {
    window.addEventListener('keydown', (e) => {
      const target = e.target as HTMLElement | null;
      if (target !== null && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.isContentEditable)) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (target !== null && target.closest('dialog') !== null) return;
      if (this.stepPanel.key(e)) {
        e.preventDefault();
        return;
      }
      if (this.lecture.key(e)) {
        e.preventDefault();
        return;
      }
      let handled = true;
      switch (e.key) {
        case ' ': this.togglePlay(); break;
        case 'ArrowRight': this.step(1); break;
        case 'ArrowLeft': this.step(-1); break;
        case '+': case '=': this.timeline.zoom(1.5); break;
        case '-': case '_': this.timeline.zoom(1 / 1.5); break;
        case 'Home': this.setPlayhead(0); break;
        case 'End': this.setPlayhead(this.model?.endTime ?? 0); break;
        case 'Escape': this.timeline.highlights = []; this.timeline.invalidate(); break;
        case 'a': case 'A': this.controls.showOverview(this.toggleOverview()); break;
        default: handled = false;
      }
      if (handled) e.preventDefault();
    });
  }

  private bindDrop(): void {
    let depth = 0;
    window.addEventListener('dragenter', (e) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      depth++;
      this.root.classList.add('dragging');
    });
    window.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) this.root.classList.remove('dragging');
    });
    window.addEventListener('dragover', (e) => e.preventDefault());
    window.addEventListener('drop', (e) => {
      e.preventDefault();
      depth = 0;
      this.root.classList.remove('dragging');
      const f = e.dataTransfer?.files?.[0];
      if (f !== undefined) void this.openTraceFile(f);
    });
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
