// Event kinds as small integer codes for the columnar store. Known kinds have
// fixed codes; a kind this version does not know (a newer recorder's) gets
// the next free code on first sight, keeps its name, and is otherwise ignored.
import { KINDS } from '../generated/events';

export const K = {
  threadNew: 0,
  threadStart: 1,
  threadBegin: 2,
  threadEnd: 3,
  threadJoin: 4,
  threadJoined: 5,
  objNew: 6,
  lockBlock: 7,
  lockAcquire: 8,
  lockFail: 9,
  lockRelease: 10,
  eventSet: 11,
  eventClear: 12,
  eventWait: 13,
  eventWake: 14,
  condWait: 15,
  condWake: 16,
  condNotify: 17,
  barrierWait: 18,
  barrierPass: 19,
  barrierBroken: 20,
  sleepBegin: 21,
  sleepEnd: 22,
  print: 23,
  line: 24,
  varRead: 25,
  varWrite: 26,
  limit: 27,
  programEnd: 28,
  queuePut: 29,
  queueGet: 30,
  queueBlock: 31,
  queueWake: 32,
  queueFail: 33,
  queueJoin: 34,
  queueJoined: 35,
  sockBlock: 36,
  sockWake: 37,
  selectBegin: 38,
  selectEnd: 39,
  queueTaskDone: 40,
  sockListen: 41,
  sockAccept: 42,
  sockConnect: 43,
  sockSend: 44,
  sockRecv: 45,
  sockWouldBlock: 46,
  sockError: 47,
  sockSetblocking: 48,
  sockClose: 49,
  selRegister: 50,
  selModify: 51,
  selUnregister: 52,
  processBegin: 53,
  processName: 54,
  processStart: 55,
  processJoin: 56,
  processJoined: 57,
  processTerminate: 58,
  processKill: 59,
  processExit: 60,
  processEnd: 61,
  cpu: 62,
  pipeSend: 63,
  pipeRecv: 64,
  pipeBlock: 65,
  pipeWake: 66,
  poolSubmit: 67,
  poolTask: 68,
  poolDone: 69,
  poolResult: 70,
  poolClose: 71,
  poolTerminate: 72,
  poolJoin: 73,
  poolJoined: 74,
  coroNew: 75,
  coroName: 76,
  coroSwitch: 77,
  coroEnd: 78,
  coroWait: 79,
} as const;

const NAMES: readonly string[] = [
  'thread.new', 'thread.start', 'thread.begin', 'thread.end', 'thread.join', 'thread.joined',
  'obj.new', 'lock.block', 'lock.acquire', 'lock.fail', 'lock.release', 'event.set',
  'event.clear', 'event.wait', 'event.wake', 'cond.wait', 'cond.wake', 'cond.notify',
  'barrier.wait', 'barrier.pass', 'barrier.broken', 'sleep.begin', 'sleep.end', 'print', 'line',
  'var.read', 'var.write', 'limit', 'program.end',
  'queue.put', 'queue.get', 'queue.block', 'queue.wake', 'queue.fail', 'queue.join', 'queue.joined',
  'sock.block', 'sock.wake', 'select.begin', 'select.end',
  'queue.task_done', 'sock.listen', 'sock.accept', 'sock.connect', 'sock.send', 'sock.recv',
  'sock.would_block', 'sock.error', 'sock.setblocking', 'sock.close',
  'sel.register', 'sel.modify', 'sel.unregister',
  'process.begin', 'process.name', 'process.start', 'process.join', 'process.joined', 'process.terminate',
  'process.kill', 'process.exit', 'process.end', 'cpu', 'pipe.send', 'pipe.recv', 'pipe.block', 'pipe.wake',
  'pool.submit', 'pool.task', 'pool.done', 'pool.result', 'pool.close', 'pool.terminate', 'pool.join', 'pool.joined',
  'coro.new', 'coro.name', 'coro.switch', 'coro.end', 'coro.wait',
];

/** Bucket of a kind name in KindTable's quick index: its length and its last character. */
function bucketOf(name: string): number {
  return ((name.length & 31) << 7) | (name.charCodeAt(name.length - 1) & 127);
}

/** Interns kind names into codes; one table per trace. */
export class KindTable {
  private readonly codes = new Map<string, number>();
  readonly names: string[] = [];
  /**
   * The known names by bucket: every event's kind is a fresh string from
   * JSON.parse, and comparing it with the one or two names of its bucket is
   * cheaper than hashing it for the Map (which remains the authority).
   */
  private readonly quick: (string[] | undefined)[] = [];
  private readonly quickCodes: (number[] | undefined)[] = [];

  constructor() {
    for (const n of NAMES) this.code(n);
    for (let c = 0; c < this.names.length; c++) {
      const n = this.names[c];
      const b = bucketOf(n);
      (this.quick[b] ??= []).push(n);
      (this.quickCodes[b] ??= []).push(c);
    }
  }

  code(name: string): number {
    if (name.length > 0) {
      const b = bucketOf(name);
      const names = this.quick[b];
      if (names !== undefined) {
        for (let i = 0; i < names.length; i++) if (names[i] === name) return (this.quickCodes[b] as number[])[i];
      }
    }
    let c = this.codes.get(name);
    if (c === undefined) {
      c = this.names.length;
      if (c > 255) return 255; // more than 200 unknown kinds: lump them together
      this.codes.set(name, c);
      this.names.push(name);
    }
    return c;
  }

  name(code: number): string {
    return this.names[code] ?? 'unknown';
  }
}

/** The kinds this table gives fixed codes that the generated schema does not define (a test wants none). */
export function kindsMissingFromSchema(): string[] {
  const schema = new Set<string>(KINDS);
  return NAMES.filter((n) => !schema.has(n));
}
