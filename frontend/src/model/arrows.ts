// Arrows between lanes, as columns: a lock hand-off (released by one thread,
// acquired by a waiter), a queue item or a pipe message (sent by one thread,
// received by another), a process start (the parent's start() → the child's
// first event). trace.ts, queues.ts, pipes.ts and processes.ts fill them;
// render/overlay.ts draws them.
import { GrowF64, GrowI32 } from './grow';

export class Arrows {
  // Thread and object ids are float64: a child process's ids start at pid << 20.
  readonly fromTid = new GrowF64();
  readonly fromT = new GrowF64();
  readonly toTid = new GrowF64();
  /** Ascending (ties by toSeq): the renderer finds the arrows in view by binary search. */
  readonly toT = new GrowF64();
  readonly obj = new GrowF64();
  /** The seq of the event at the arrow's head. */
  readonly toSeq = new GrowI32();
  /** The seq of the event at the arrow's tail (-1: not recorded). */
  readonly fromSeq = new GrowI32();

  get length(): number {
    return this.toT.length;
  }

  /**
   * Adds an arrow. Arrows usually arrive in the order of their heads; one that
   * does not (the two ends come from different processes, whose events reach
   * the trace in batches, so a receive can be read before its send) is moved
   * back to its place.
   */
  add(fromTid: number, fromT: number, toTid: number, toT: number, obj: number, toSeq: number, fromSeq = -1): void {
    this.fromTid.push(fromTid);
    this.fromT.push(fromT);
    this.toTid.push(toTid);
    this.toT.push(toT);
    this.obj.push(obj);
    this.toSeq.push(toSeq);
    this.fromSeq.push(fromSeq);
    const t = this.toT.data;
    const s = this.toSeq.data;
    let i = this.length - 1;
    while (i > 0 && (t[i - 1] > t[i] || (t[i - 1] === t[i] && s[i - 1] > s[i]))) {
      for (const c of [this.fromTid, this.fromT, this.toTid, this.toT, this.obj, this.toSeq, this.fromSeq]) {
        const d = c.data;
        const x = d[i];
        d[i] = d[i - 1];
        d[i - 1] = x;
      }
      i--;
    }
  }

  /** The arrow whose head is event `seq`, as an index; -1 if none. */
  indexOfHead(seq: number): number {
    // toSeq is ascending like toT (times never decrease along seq): binary search.
    let lo = 0;
    let hi = this.toSeq.length;
    const d = this.toSeq.data;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d[mid] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.toSeq.length && d[lo] === seq ? lo : -1;
  }
}
