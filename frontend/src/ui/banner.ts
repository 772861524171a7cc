// The diagnosis banner above the timeline: from the End summary (lost updates,
// the deadlock cycle, what the queues and sockets did, what each process of a
// multi-process run did, why a run stopped), or the live status of a run.
import { describeActivity, processSummaries, type ProcessRow } from '../model/activity';
import { exitText } from '../model/processes';
import { formatDuration } from '../model/time';
import { diagnose, show, stepActor, type LostUpdate } from '../model/diagnosis';
import type { TraceModel } from '../model/trace';
import type { End } from '../generated/events';
import { clear, h, shortName } from './dom';

export interface BannerActions {
  /** Jump to a lost update: playhead to its stale read, highlight read and writes. */
  showLostUpdate(u: LostUpdate): void;
  follow(tid: number): void;
}

const MAX_LOST = 200;

export class Banner {
  readonly el = h('section.banner', { 'aria-live': 'polite' });

  constructor(private readonly act: BannerActions) {
    this.el.hidden = true;
  }

  hide(): void {
    this.el.hidden = true;
  }

  message(tone: 'info' | 'bad' | 'warn' | 'ok', headline: string, detail: string | null = null): void {
    this.el.hidden = false;
    this.el.className = `banner tone-${tone}`;
    clear(this.el, h('div.banner-top', null, h('span.banner-head', null, headline), detail ? h('span.banner-detail', null, detail) : null));
  }

  showEnd(end: End, model: TraceModel): void {
    const d = diagnose(end, describeActivity(end, model));
    this.el.hidden = false;
    this.el.className = `banner tone-${d.tone}`;
    const name = (tid: number) => model.threadName(tid);
    const parts: (HTMLElement | null)[] = [h('div.banner-top', null, h('span.banner-head', null, d.headline),
      d.detail ? h('span.banner-detail', null, d.detail) : null)];
    if (d.cycle !== null && d.cycle.length > 0) {
      const chain = h('div.cycle', { 'aria-label': 'Deadlock cycle' });
      d.cycle.forEach((step, i) => {
        const next = d.cycle![(i + 1) % d.cycle!.length];
        const who = stepActor(step); // a task's own lane when the step names a coroutine
        chain.append(...[
          h('button.cycle-thread', { type: 'button', title: who === step.thread ? 'Follow this thread' : `Follow this task (on ${name(step.thread)})`, onclick: () => this.act.follow(who) },
            step.name || name(who)),
          h('span.cycle-holds', null, step.holds.length > 0 ? `holds ${step.holds.join(', ')}` : 'holds nothing'),
          h('span.cycle-arrow', null, '→ waits for'),
          h('span.cycle-lock', null, step.waits_for),
          step.file ? h('span.cycle-where', null, `${baseName(step.file)}:${step.line ?? '?'}`) : null,
          h('span.cycle-arrow', null, i + 1 < d.cycle!.length ? `held by →` : `held by ↺ ${next.name || name(stepActor(next))}`),
        ].filter((x): x is HTMLElement => x !== null));
      });
      parts.push(chain);
    }
    if (d.lostUpdates.length > 0) {
      const explain = h('div.lost-explain', { 'aria-live': 'polite', hidden: true });
      const sentence = (u: LostUpdate) => {
        const over = u.overwrote;
        return [h('strong', null, name(u.thread)), ` read ${u.name} = ${show(u.read_value)}, then wrote ${show(u.write_value)}`,
          over ? [' — overwriting ', h('strong', null, name(over.thread)), `'s ${show(over.value)}`] : ' — a stale value'];
      };
      const row = h('div.lost-row', null, h('span.lost-label', { title: 'Click one to see its stale read and the write it overwrote on the timeline' }, `Lost updates (${d.lostUpdates.length}) — click one:`));
      const chips = h('div.lost-chips');
      for (const u of d.lostUpdates.slice(0, MAX_LOST)) {
        const over = u.overwrote;
        const chip = h('button.lost', {
          type: 'button',
          title: `${name(u.thread)} read ${u.name} = ${show(u.read_value)}, then wrote ${show(u.write_value)}${over ? ` over ${name(over.thread)}'s ${show(over.value)}` : ''}`,
          onclick: () => {
            for (const c of chips.querySelectorAll('.lost.selected')) c.classList.remove('selected');
            chip.classList.add('selected');
            clear(explain, sentence(u));
            explain.hidden = false;
            this.act.showLostUpdate(u);
          },
        }, shortName(name(u.thread), u.thread), over ? ` overwrote ${shortName(name(over.thread), over.thread)}` : ' stale');
        chips.append(chip);
      }
      if (d.lostUpdates.length > MAX_LOST) chips.append(h('span.more', null, `+${d.lostUpdates.length - MAX_LOST} more`));
      const toggle = h('button.btn.small.lost-toggle', { type: 'button', 'aria-expanded': 'false' }, 'show all');
      toggle.addEventListener('click', () => {
        const open = row.classList.toggle('expanded');
        toggle.textContent = open ? 'show fewer' : 'show all';
        toggle.setAttribute('aria-expanded', String(open));
      });
      row.append(chips, toggle);
      parts.push(row, explain);
    }
    const procs = processSummaries(end, model);
    if (procs.length > 0) parts.push(this.processRow(procs, model));
    clear(this.el, parts);
  }

  /** One chip per process (name, CPU time, exit): compact, so that a pool of workers leaves room for the timeline. */
  private processRow(procs: ProcessRow[], model: TraceModel): HTMLElement {
    const chips = procs.slice(0, MAX_PROCESS_CHIPS).map((r) => {
      const p = model.processes.get(r.pid);
      const main = p === undefined ? null : p.mainTid >= 0 ? p.mainTid : p.lanes[0]?.tid ?? null;
      const exit = exitText(r.exit);
      const failed = r.exit !== null && r.exit !== 0;
      return h(`button.proc-chip${failed ? '.failed' : ''}`, {
        type: 'button', title: `${r.line}${main !== null ? ' — click to follow its main thread' : ''}`,
        onclick: () => { if (main !== null) this.act.follow(main); },
      }, h('strong', null, r.name ?? `pid ${r.pid}`),
      r.cpuS !== null ? h('span.proc-cpu', null, ` ${formatDuration(r.cpuS * 1e9, 2)} CPU`) : null,
      exit !== null ? h('span.proc-exit', null, ` · ${exit}`) : null);
    });
    const more = procs.length > MAX_PROCESS_CHIPS ? h('span.more', null, `+${procs.length - MAX_PROCESS_CHIPS} more`) : null;
    return h('div.proc-row', { 'aria-label': 'Processes' }, h('span.proc-label', null, `${procs.length} processes:`), chips, more);
  }
}

const MAX_PROCESS_CHIPS = 24;

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}
