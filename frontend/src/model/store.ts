// The event store: one typed column per Envelope field (≈29 bytes an event),
// indexed by seq. Thread and object ids are float64 columns: a child process
// numbers its threads and objects from pid << 20, past the int32 range. Args are kept in a side table only for events whose args say
// something (most lock events carry none), so a million events stay compact.
import { GrowF64, GrowI32, GrowU8 } from './grow';
import { KindTable } from './kinds';

export type Args = Readonly<Record<string, unknown>>;
const NO_ARGS: Args = Object.freeze({});

export class EventStore {
  readonly t = new GrowF64(1024);
  readonly tid = new GrowF64(1024);
  readonly kind = new GrowU8(1024);
  /** Object id, or -1 for none. */
  readonly obj = new GrowF64(1024);
  /** Index into `args`, or -1 when the event's args are empty or all null. */
  readonly aux = new GrowI32(1024);
  readonly args: Args[] = [];
  readonly kinds = new KindTable();

  get length(): number {
    return this.t.length;
  }

  /** Appends one event; its seq is the returned index. */
  push(t: number, tid: number, kind: number, obj: number, args: Args | null): number {
    const seq = this.t.length;
    this.t.push(t);
    this.tid.push(tid);
    this.kind.push(kind);
    this.obj.push(obj);
    if (args !== null && hasContent(args)) {
      this.aux.push(this.args.length);
      this.args.push(args);
    } else {
      this.aux.push(-1);
    }
    return seq;
  }

  argsOf(seq: number): Args {
    const a = this.aux.data[seq];
    return a < 0 ? NO_ARGS : this.args[a];
  }

  kindName(seq: number): string {
    return this.kinds.name(this.kind.data[seq]);
  }

  /** The last seq with t <= time, or -1. */
  seqAtTime(time: number): number {
    let lo = 0;
    let hi = this.t.length;
    const d = this.t.data;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d[mid] <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
}

function hasContent(args: Args): boolean {
  for (const k in args) if (args[k] !== null && args[k] !== undefined) return true;
  return false;
}
