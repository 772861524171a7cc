// Controlled mode in the page, without the DOM: the run form's schedule
// choice, the pending `control.pause` of a run in step mode, number keys, and
// the share link that carries a schedule (same format as
// concviz.control.schedule.encode: zlib + base64url of "1,2,1").
import type { Envelope } from '../generated/events';

export type ScheduleChoice = 'free' | 'random' | 'pct' | 'step';
export const SCHEDULE_CHOICES: readonly ScheduleChoice[] = ['free', 'random', 'pct', 'step'];

/** The `control` field of POST /api/runs. */
export interface ControlRequest {
  strategy: 'random' | 'pct' | 'step' | 'replay';
  seed?: number;
  pct_depth?: number;
  schedule?: string;
  steps?: number[];
  then?: 'step' | 'first' | 'random';
}

export interface PauseThread {
  index: number;
  /** The thread's lane, or null before it has one. */
  thread: number | null;
  what: string;
  file: string | null;
  line: number | null;
  text: string;
  can_move: boolean;
  reason: string | null;
}

export interface Pause {
  decision: number;
  /** The choices made so far, as thread indexes. */
  steps: number[];
  threads: PauseThread[];
}

export const HONEST_NOTE = 'Controlled mode: threads switch only at recorded operations; a race between two plain statements with no recorded operation between them cannot appear.';

/** The control request for the run form's choice (null: the threads run free). */
export function controlFor(choice: ScheduleChoice, seed: number): ControlRequest | null {
  return choice === 'free' ? null : { strategy: choice, seed };
}

/** Undo: replay every choice but the last, then let the person choose again. */
export function undoControl(pause: Pause): ControlRequest {
  return { strategy: 'replay', steps: pause.steps.slice(0, -1), then: 'step' };
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** A `control.pause` event's args, checked; null when they are not one. */
export function parsePause(args: unknown): Pause | null {
  if (typeof args !== 'object' || args === null) return null;
  const a = args as Record<string, unknown>;
  if (!isInt(a.decision) || !Array.isArray(a.steps) || !Array.isArray(a.threads)) return null;
  if (!a.steps.every(isInt)) return null;
  const threads: PauseThread[] = [];
  for (const t of a.threads as unknown[]) {
    if (typeof t !== 'object' || t === null) return null;
    const r = t as Record<string, unknown>;
    if (!isInt(r.index) || typeof r.can_move !== 'boolean') return null;
    threads.push({
      index: r.index, thread: isInt(r.thread) ? r.thread : null, what: str(r.what) ?? '?',
      file: str(r.file), line: isInt(r.line) ? r.line : null, text: str(r.text) ?? '',
      can_move: r.can_move, reason: str(r.reason),
    });
  }
  threads.sort((x, y) => x.index - y.index);
  return { decision: a.decision, steps: a.steps as number[], threads };
}

/** Events recorded while every program thread waits (CPU samples): they do not end a pause. */
const BACKGROUND = new Set(['cpu']);

/**
 * The pause waiting for a person: the newest event is a `control.pause`
 * whose decision nobody has answered yet from this page. Any later event
 * (but a CPU sample) means the program moved on.
 */
export class PauseTracker {
  pause: Pause | null = null;
  private answered = -1;

  ingest(batch: readonly Envelope[]): boolean {
    const before = this.pause;
    for (const e of batch) {
      if (e.kind === 'control.pause') {
        const p = parsePause(e.args);
        this.pause = p !== null && p.decision > this.answered ? p : null;
      } else if (!BACKGROUND.has(e.kind)) {
        this.pause = null;
      }
    }
    return before !== this.pause;
  }

  /** This page answered choice `decision`. The next pause may have arrived
   *  before the server's reply to the answer: it stays pending. */
  answer(decision: number): void {
    this.answered = Math.max(this.answered, decision);
    if (this.pause !== null && this.pause.decision <= decision) this.pause = null;
  }

  end(): void {
    this.pause = null;
  }
}

/** The thread index a key chooses (digits 0–9 choose that index), or null. */
export function threadForKey(key: string, pause: Pause | null): number | null {
  if (pause === null || !/^[0-9]$/.test(key)) return null;
  const t = pause.threads.find((x) => x.index === Number(key));
  return t !== undefined && t.can_move ? t.index : null;
}

/** "acquire · line 22 `with lock_a:`" */
export function describeStep(t: PauseThread): string {
  const where = t.line === null ? '' : ` · line ${t.line}`;
  const text = t.text.trim() === '' ? '' : ` \`${t.text.trim()}\``;
  return `${t.what}${where}${text}`;
}

/** The thread a person would choose by the "newest that can move" rule (null: none can). */
export function movable(pause: Pause): PauseThread[] {
  return pause.threads.filter((t) => t.can_move);
}

// --- share links ------------------------------------------------------------

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error(`not an encoded schedule: '${text.slice(0, 20)}'`);
  const b = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

async function pipe(data: Uint8Array, stream: GenericTransformStream): Promise<Uint8Array> {
  const out = new Blob([data as BlobPart]).stream().pipeThrough(stream as unknown as TransformStream<Uint8Array, Uint8Array>);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

/** Steps as the server's encoded schedule (zlib + base64url). */
export async function encodeSchedule(steps: readonly number[]): Promise<string> {
  const raw = new TextEncoder().encode(steps.join(','));
  return toBase64Url(await pipe(raw, new CompressionStream('deflate')));
}

export async function decodeSchedule(text: string): Promise<number[]> {
  const raw = new TextDecoder().decode(await pipe(fromBase64Url(text), new DecompressionStream('deflate')));
  if (raw === '') return [];
  return raw.split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new Error(`not an encoded schedule: step '${s}'`);
    return n;
  });
}

/** The query keys of a replay link; they are not scenario parameters. */
export const LINK_KEYS = new Set(['control', 'schedule']);

/** `?scenario=deadlock&threads=2&control=replay&schedule=ENC`. */
export function replayLink(scenario: string, params: Record<string, number>, schedule: string, fmt: (x: number) => string): string {
  const q = new URLSearchParams();
  q.set('scenario', scenario);
  for (const k of Object.keys(params).sort()) q.set(k, fmt(params[k]));
  q.set('control', 'replay');
  q.set('schedule', schedule);
  return `/?${q.toString()}`;
}

/** The replay a link asks for (null: an ordinary link). */
export function parseReplayLink(search: string): ControlRequest | null {
  const q = new URLSearchParams(search);
  const schedule = q.get('schedule');
  if (q.get('control') !== 'replay' || schedule === null || !/^[A-Za-z0-9_-]+$/.test(schedule)) return null;
  return { strategy: 'replay', schedule };
}
