// Builds small traces for the model tests: seq is assigned in call order.
import type { Envelope } from '../src/generated/events';

export class TraceBuilder {
  readonly events: Envelope[] = [];

  add(t: number, tid: number, kind: string, obj: number | null = null, args: Record<string, unknown> = {}): this {
    return this.inProcess(1, t, tid, kind, obj, args);
  }

  /** An event of process `pid` (add() puts every event in process 1). */
  inProcess(pid: number, t: number, tid: number, kind: string, obj: number | null = null, args: Record<string, unknown> = {}): this {
    this.events.push({ seq: this.events.length, t, pid, tid, kind, obj, args });
    return this;
  }

  begin(t: number, tid: number, name = `Thread-${tid}`): this {
    return this.add(t, tid, 'thread.begin', null, { thread: tid, name, daemon: false, ident: 1000 + tid });
  }

  obj(t: number, id: number, type: string, name: string, value: number | null = null, lock: number | null = null): this {
    return this.add(t, 0, 'obj.new', id, { type, name, value, lock, file: 'demo.py', line: 3 });
  }
}
