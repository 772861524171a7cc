// Turns the End line's summary into what the banner says: lost updates of
// watched variables, the deadlock cycle, or why the run ended early.
import type { End } from '../generated/events';
import { coroActor } from './lane';

export interface LostUpdate {
  name: string;
  thread: number;
  read_seq: number;
  read_value: unknown;
  write_seq: number;
  write_value: unknown;
  overwrote: { thread: number; seq: number; value: unknown } | null;
}

export interface WatchedSummary {
  name: string;
  initial: unknown;
  final: unknown;
  writes: number;
  lost: number;
}

export interface CycleStep {
  /** The OS thread (of the coroutine, when there is one). */
  thread: number;
  /** A deadlock between coroutines (asyncio tasks, greenlets): the coroutine's id. */
  coroutine?: number;
  /** The thread's or the coroutine's name. */
  name: string;
  holds: string[];
  waits_for: string;
  file: string | null;
  line: number | null;
}

export type Tone = 'ok' | 'bad' | 'warn' | 'info';

export interface Diagnosis {
  tone: Tone;
  headline: string;
  detail: string | null;
  watched: WatchedSummary[];
  lostUpdates: LostUpdate[];
  cycle: CycleStep[] | null;
}

function asNumber(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return '?';
  return JSON.stringify(v);
}

/** One line per watched variable: "num: 100 → 89 after 100 writes; 89 updates lost". */
export function watchedLine(w: WatchedSummary): string {
  const writes = `${w.writes} write${w.writes === 1 ? '' : 's'}`;
  const lost = w.lost === 0 ? 'no update lost' : `${w.lost} update${w.lost === 1 ? '' : 's'} lost`;
  return `${w.name}: ${show(w.initial)} → ${show(w.final)} after ${writes}; ${lost}`;
}

/** Who a cycle step is: the coroutine (its actor id, lane.ts) when it names one, else the thread. */
export function stepActor(step: CycleStep): number {
  return typeof step.coroutine === 'number' ? coroActor(step.coroutine) : step.thread;
}

/** The actors of the deadlock cycle in an End summary (the timeline draws their lanes' names as alarms). */
export function cycleActors(end: End): Set<number> {
  const dl = (end.summary as { deadlock?: { cycle?: CycleStep[] } | null } | null)?.deadlock;
  return new Set(Array.isArray(dl?.cycle) ? dl.cycle.map(stepActor) : []);
}

/** `activity`: lines about queues and sockets (activity.ts), shown when nothing worse is to be said. */
export function diagnose(end: End, activity: readonly string[] = []): Diagnosis {
  const s = (end.summary ?? {}) as Record<string, unknown>;
  const watchedRaw = (s.watched ?? {}) as Record<string, Record<string, unknown>>;
  const watched: WatchedSummary[] = Object.entries(watchedRaw).map(([name, w]) => ({
    name,
    initial: w.initial,
    final: w.final,
    writes: asNumber(w.writes),
    lost: asNumber(w.lost_updates),
  }));
  const lostUpdates = (Array.isArray(s.lost_updates) ? s.lost_updates : []) as LostUpdate[];
  const dl = s.deadlock as { cycle?: CycleStep[] } | null | undefined;
  const cycle = dl !== null && dl !== undefined && Array.isArray(dl.cycle) ? dl.cycle : null;
  const base = { watched, lostUpdates, cycle };
  const totalLost = watched.reduce((n, w) => n + w.lost, 0) || lostUpdates.length;
  const exit = end.exit_code === null ? '' : ` (exit code ${end.exit_code})`;

  switch (end.status) {
    case 'deadlocked': {
      const n = cycle?.length ?? 0;
      // Tasks (coroutines) deadlock on one thread as threads do on several: say which it is.
      const who = n > 0 && cycle!.every((c) => typeof c.coroutine === 'number') ? 'tasks'
        : n > 0 && cycle!.some((c) => typeof c.coroutine === 'number') ? 'threads and tasks' : 'threads';
      const one = who === 'tasks' ? 'task' : 'thread';
      return {
        ...base, tone: 'bad',
        headline: n > 0 ? `Deadlock: ${n} ${who} wait for each other in a cycle` : 'Deadlock: the threads wait for each other',
        detail: `No ${one} in the cycle can go on: each waits for a lock that another one holds. The run was stopped.`,
      };
    }
    case 'crashed':
      return { ...base, tone: 'bad', headline: `The program crashed${exit}`, detail: end.error ?? null };
    case 'timed_out':
      return {
        ...base, tone: 'warn', headline: 'Stopped: the run hit its time limit',
        detail: end.error ?? 'The program was still running when its time ran out (an endless loop or a thread waiting forever?).',
      };
    case 'limit_exceeded':
      return {
        ...base, tone: 'warn', headline: 'Stopped: the run hit a limit',
        detail: end.error ?? 'Too many threads or events for one run; lower the parameters.',
      };
    case 'stopped':
      return { ...base, tone: 'info', headline: 'Stopped by you', detail: null };
    case 'interrupted':
      return { ...base, tone: 'warn', headline: 'Interrupted: the server stopped during the run', detail: end.error ?? null };
    case 'finished':
    default:
      if (totalLost > 0) {
        return {
          ...base, tone: 'bad',
          headline: `Race condition: ${totalLost} update${totalLost === 1 ? '' : 's'} lost`,
          detail: watched.map(watchedLine).join(' · ') || null,
        };
      }
      return {
        ...base, tone: 'ok',
        headline: `Finished${exit}`,
        detail: [watched.map(watchedLine).join(' · '), ...activity].filter((x) => x !== '').join('\n') || null,
      };
  }
}
