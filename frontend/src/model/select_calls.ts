// Every select.select() / selector.select() call, indexed while the trace is
// ingested: what it watched and what it found ready. The I/O panel shows the
// calls up to the playhead as rows, so the viewer sees readiness arrive.
import { GrowI32 } from './grow';
import { K } from './kinds';
import type { Args, EventStore } from './store';

export interface SelectCall {
  tid: number;
  /** The select/selector object. */
  obj: number;
  beginSeq: number;
  /** -1 while the call has not returned. */
  endSeq: number;
  /** Recorded sockets watched for reading / writing. */
  read: number[];
  write: number[];
  /** Every file descriptor watched (recorded or not). */
  watched: number;
  timeout: number | null;
}

export interface SelectRow {
  call: SelectCall;
  /** 1-based number of the call in the trace. */
  n: number;
  t0: number;
  /** When it returned (null: not by the playhead). */
  t1: number | null;
  /** Sockets found ready (empty while waiting or on a timeout). */
  readyRead: number[];
  readyWrite: number[];
  /** Every ready fd, recorded or not (null while waiting). */
  ready: number | null;
  error: string | null;
  /** The playhead is inside this call. */
  current: boolean;
}

function ids(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export class SelectCalls {
  readonly calls: SelectCall[] = [];
  /** beginSeq of each call, ascending (for binary search by time through the store). */
  readonly begins = new GrowI32();
  /** Per selector: its live registrations (fd → sock, events), to know what a selector call watches. */
  private readonly regs = new Map<number, Map<number, { sock: number | null; events: number }>>();
  /** Per thread: its call that has not returned yet. */
  private readonly open = new Map<number, SelectCall>();

  get length(): number {
    return this.calls.length;
  }

  /** Indexes event `seq` (call in seq order). */
  append(kind: number, tid: number, obj: number, seq: number, a: Args): void {
    switch (kind) {
      case K.selRegister:
      case K.selModify:
      case K.selUnregister: {
        const fd = num(a.fd);
        if (fd === null || obj < 0) return;
        let m = this.regs.get(obj);
        if (m === undefined) {
          m = new Map();
          this.regs.set(obj, m);
        }
        if (kind === K.selUnregister) m.delete(fd);
        else m.set(fd, { sock: num(a.sock), events: num(a.events) ?? 1 });
        return;
      }
      case K.selectBegin: {
        let read = ids(a.read);
        let write = ids(a.write);
        const m = this.regs.get(obj);
        if (m !== undefined && read.length === 0 && write.length === 0) {
          // A selector's call: it watches what is registered.
          read = [];
          write = [];
          for (const r of m.values()) {
            if (r.sock === null) continue;
            if (r.events & 1) read.push(r.sock);
            if (r.events & 2) write.push(r.sock);
          }
        }
        const call: SelectCall = {
          tid, obj, beginSeq: seq, endSeq: -1, read, write,
          watched: num(a.watched) ?? read.length + write.length, timeout: num(a.timeout),
        };
        this.calls.push(call);
        this.begins.push(seq);
        this.open.set(tid, call);
        return;
      }
      case K.selectEnd: {
        const call = this.open.get(tid);
        if (call !== undefined) {
          call.endSeq = seq;
          this.open.delete(tid);
        }
        return;
      }
      default:
        return;
    }
  }

  /** The calls begun by time t, the last `limit` of them, oldest first. */
  rowsAt(store: EventStore, t: number, limit = 20): SelectRow[] {
    const times = store.t.data;
    const b = this.begins.data;
    let lo = 0;
    let hi = this.begins.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[b[mid]] <= t) lo = mid + 1;
      else hi = mid;
    }
    const rows: SelectRow[] = [];
    for (let i = Math.max(0, lo - limit); i < lo; i++) {
      const call = this.calls[i];
      const t0 = times[call.beginSeq];
      const ended = call.endSeq >= 0 && times[call.endSeq] <= t;
      const e = ended ? store.argsOf(call.endSeq) : null;
      rows.push({
        call, n: i + 1, t0,
        t1: ended ? times[call.endSeq] : null,
        readyRead: e === null ? [] : ids(e.read),
        readyWrite: e === null ? [] : ids(e.write),
        ready: e === null ? null : num(e.ready) ?? ids(e.read).length + ids(e.write).length,
        error: e !== null && typeof e.error === 'string' ? e.error : null,
        current: !ended,
      });
    }
    return rows;
  }

  /** How many calls each object had and the most fds ready at once. */
  stats(store: EventStore): Map<number, { calls: number; maxReady: number; tids: Set<number> }> {
    const out = new Map<number, { calls: number; maxReady: number; tids: Set<number> }>();
    for (const c of this.calls) {
      let s = out.get(c.obj);
      if (s === undefined) {
        s = { calls: 0, maxReady: 0, tids: new Set() };
        out.set(c.obj, s);
      }
      s.calls++;
      s.tids.add(c.tid);
      if (c.endSeq >= 0) s.maxReady = Math.max(s.maxReady, num(store.argsOf(c.endSeq).ready) ?? 0);
    }
    return out;
  }
}
