// Arrows between lanes, as columns: a lock hand-off (released by one thread,
// acquired by a waiter) or a queue item (put by one thread, got by another).
// trace.ts and queues.ts fill them; render/overlay.ts draws them.
import { GrowF64, GrowI32 } from './grow';

export class Arrows {
  readonly fromTid = new GrowI32();
  readonly fromT = new GrowF64();
  readonly toTid = new GrowI32();
  /** Ascending: arrows are added in event order. */
  readonly toT = new GrowF64();
  readonly obj = new GrowI32();
  /** The seq of the event at the arrow's head. */
  readonly toSeq = new GrowI32();

  get length(): number {
    return this.toT.length;
  }

  add(fromTid: number, fromT: number, toTid: number, toT: number, obj: number, toSeq: number): void {
    this.fromTid.push(fromTid);
    this.fromT.push(fromT);
    this.toTid.push(toTid);
    this.toT.push(toT);
    this.obj.push(obj);
    this.toSeq.push(toSeq);
  }
}
