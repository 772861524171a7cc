// The processes of a run: which lanes belong to which process, in what order
// they are shown (the program's own process first, then its children in the
// order they began), what each is called and how it ended, and the arrows
// from a parent's Process.start() to the child's first event. Fed by
// trace.ts while ingesting; the timeline draws a header row per process
// (rows.ts) when there is more than one.
import { Arrows } from './arrows';
import { CpuSeries } from './cpu';
import { K } from './kinds';
import type { Lane } from './lane';
import type { Args } from './store';

export type StartMethod = 'root' | 'fork' | 'spawn' | 'forkserver';

/** Signal numbers a lecturer is likely to meet (Linux). */
const SIGNALS: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL',
  10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM',
};

export function signalName(n: number): string {
  return SIGNALS[n] ?? `signal ${n}`;
}

/** "exit 0", "exit 1", "killed by SIGKILL (9)": a process's exit code in words (negative: the signal). */
export function exitText(code: number | null): string | null {
  if (code === null) return null;
  if (code < 0) return `killed by ${signalName(-code)} (${-code})`;
  return `exit ${code}`;
}

/** A child process numbers its threads from pid << 20: "thread 2" of its own, rather than 5348786178. */
export function localTid(tid: number): number {
  return tid % 1048576;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export class Proc {
  /** -1 until known (the root process before its first event). */
  pid: number;
  ppid: number | null = null;
  name: string | null = null;
  method: StartMethod | null = null;
  /** Position among the processes (display order). */
  order: number;
  beginT = Number.NaN;
  /** When process.end said it is gone. */
  endT = Number.NaN;
  /** From its own process.exit. */
  exitCode: number | null = null;
  /** From its parent's process.joined (Process.exitcode). */
  joinedExitCode: number | null = null;
  /** The signal a parent sent it with terminate()/kill(), if any. */
  signalled: string | null = null;
  /** Its lanes in order of first appearance. */
  readonly lanes: Lane[] = [];
  /** Its main thread (the tid of its process.begin; -1: not seen). */
  mainTid = -1;

  constructor(pid: number, order: number) {
    this.pid = pid;
    this.order = order;
  }

  get isRoot(): boolean {
    return this.order === 0;
  }

  /** The name to show: multiprocessing's ("Process-1"), or "pid 1234" until it has one. */
  get label(): string {
    if (this.name !== null) return this.name;
    return this.isRoot || this.pid < 0 ? 'MainProcess' : `pid ${this.pid}`;
  }

  /** The exit code, from the process itself or else from its parent's join(). */
  get exit(): number | null {
    return this.exitCode ?? this.joinedExitCode;
  }

  get ended(): boolean {
    return !Number.isNaN(this.endT);
  }

  /** The header's second part: "pid 1234 · parent 1200 · spawn · exit 0". */
  detail(): string {
    const parts: string[] = [];
    if ((this.name !== null || this.isRoot) && this.pid >= 0) parts.push(`pid ${this.pid}`);
    if (!this.isRoot && this.ppid !== null) parts.push(`parent ${this.ppid}`);
    if (this.method === 'spawn' || this.method === 'forkserver') parts.push(this.method);
    const exit = exitText(this.exit);
    if (exit !== null) parts.push(exit);
    else if (this.signalled !== null) parts.push(`sent ${this.signalled}`);
    else if (this.ended) parts.push('ended');
    return parts.join(' · ');
  }

  /** "Process-1 · pid 1234 · parent 1200 · exit 0". */
  title(): string {
    const d = this.detail();
    return d === '' ? this.label : `${this.label} · ${d}`;
  }

  /** Sum of its threads' time on a core (ns). */
  cpuNs(): number {
    let s = 0;
    for (const l of this.lanes) if (l.cpu !== null) s += l.cpu.totalOn;
    return s;
  }
}

export class ProcessIndex {
  /** In display order: the root first, then the others as they first appeared (their process.begin). */
  readonly list: Proc[] = [new Proc(-1, 0)];
  private readonly byPid = new Map<number, Proc>();
  /** Parent's start() → child's process.begin. */
  readonly starts = new Arrows();
  private readonly startOf = new Map<number, { tid: number; t: number; seq: number }>();
  private readonly beginOf = new Map<number, { tid: number; t: number; seq: number }>();

  get root(): Proc {
    return this.list[0];
  }

  /** More than one process has lanes: the timeline groups lanes by process. */
  get multi(): boolean {
    let n = 0;
    for (const p of this.list) if (p.lanes.length > 0 && ++n > 1) return true;
    return false;
  }

  get(pid: number): Proc | undefined {
    return this.byPid.get(pid);
  }

  /** The process `pid` (-1: the root), made on first sight. The first pid ever seen is the root's. */
  of(pid: number): Proc {
    if (pid < 0) return this.root;
    let p = this.byPid.get(pid);
    if (p === undefined) {
      if (this.root.pid < 0) {
        p = this.root;
        p.pid = pid;
      } else {
        p = new Proc(pid, this.list.length);
        this.list.push(p);
      }
      this.byPid.set(pid, p);
    }
    return p;
  }

  /** The label of process `pid` ("Process-1", or "pid 1234"). */
  label(pid: number): string {
    return this.byPid.get(pid)?.label ?? `pid ${pid}`;
  }

  /**
   * Indexes a process.* event of thread `tid` in process `pid` (call in seq
   * order). Returns the process whose lanes process.end finished, else null.
   */
  append(kind: number, t: number, tid: number, pid: number, seq: number, a: Args): Proc | null {
    switch (kind) {
      case K.processBegin: {
        const p = this.of(num(a.pid) ?? pid);
        p.ppid = num(a.ppid);
        if (typeof a.name === 'string') p.name = a.name;
        if (a.method === 'root' || a.method === 'fork' || a.method === 'spawn' || a.method === 'forkserver') p.method = a.method;
        p.beginT = t;
        p.mainTid = tid;
        const start = this.startOf.get(p.pid);
        if (start !== undefined) {
          this.startOf.delete(p.pid);
          this.starts.add(start.tid, start.t, tid, t, -1, seq, start.seq);
        } else this.beginOf.set(p.pid, { tid, t, seq });
        break;
      }
      case K.processName:
        if (typeof a.name === 'string') this.of(pid).name = a.name;
        break;
      case K.processStart: {
        const child = num(a.pid);
        if (child === null) break;
        const p = this.of(child);
        if (p.name === null && typeof a.name === 'string') p.name = a.name;
        if (p.ppid === null) p.ppid = pid;
        // The child's first event may have reached the trace before the parent's start().
        const begin = this.beginOf.get(child);
        if (begin !== undefined) {
          this.beginOf.delete(child);
          this.starts.add(tid, t, begin.tid, begin.t, -1, begin.seq, seq);
        } else this.startOf.set(child, { tid, t, seq });
        break;
      }
      case K.processJoined: {
        const child = num(a.pid);
        const code = num(a.exit_code);
        if (child !== null && code !== null) this.of(child).joinedExitCode = code;
        break;
      }
      case K.processTerminate:
      case K.processKill: {
        const child = num(a.pid);
        if (child !== null) this.of(child).signalled = kind === K.processKill ? 'SIGKILL' : 'SIGTERM';
        break;
      }
      case K.processExit: {
        const code = num(a.exit_code);
        if (code !== null) this.of(pid).exitCode = code;
        break;
      }
      case K.processEnd: {
        const p = this.of(num(a.pid) ?? pid);
        p.endT = t;
        return p;
      }
      default:
        break;
    }
    return null;
  }

  /** Fills what the trace did not say from the End summary's `processes` ({pid: {name, parent, exit_code}}). */
  applySummary(processes: unknown): void {
    if (processes === null || typeof processes !== 'object') return;
    for (const [key, v] of Object.entries(processes as Record<string, unknown>)) {
      const p = this.byPid.get(Number(key));
      if (p === undefined || v === null || typeof v !== 'object') continue;
      const s = v as Record<string, unknown>;
      if (p.name === null && typeof s.name === 'string') p.name = s.name;
      if (p.ppid === null) p.ppid = num(s.parent);
      if (p.exit === null) p.exitCode = num(s.exit_code);
    }
  }
}

/** The CPU samples of a process's threads (those that have any): summed, its "cores in use". */
export function processCpuSeries(p: Proc): CpuSeries[] {
  const out: CpuSeries[] = [];
  for (const l of p.lanes) if (l.cpu !== null) out.push(l.cpu);
  return out;
}
