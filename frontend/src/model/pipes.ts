// multiprocessing Pipe messages: each send() on one end linked to the recv()
// on the other end that got it (same message id), as arrows like the queue's
// put → get. The two ends usually live in different processes, whose events
// may reach the trace in either order, so a recv can wait for its send.
import { Arrows } from './arrows';
import { K } from './kinds';
import type { Args } from './store';

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

interface End { tid: number; t: number; seq: number }

export class PipeIndex extends Arrows {
  /** Sends not yet received, by `pipe:sending end:id`. */
  private readonly sent = new Map<string, End>();
  /** Receives whose send has not been read yet. */
  private readonly early = new Map<string, End>();

  /** Indexes event `seq` (call in seq order). */
  append(kind: number, t: number, tid: number, obj: number, seq: number, a: Args): void {
    if (obj < 0 || (kind !== K.pipeSend && kind !== K.pipeRecv)) return;
    const end = num(a.end);
    const id = num(a.id);
    if (end === null || id === null) return;
    if (kind === K.pipeSend) {
      const key = `${obj}:${end}:${id}`;
      const recv = this.early.get(key);
      if (recv !== undefined) {
        this.early.delete(key);
        this.add(tid, t, recv.tid, recv.t, obj, recv.seq, seq);
      } else this.sent.set(key, { tid, t, seq });
    } else {
      // Message `id` received on end e was sent on the other end.
      const key = `${obj}:${1 - end}:${id}`;
      const send = this.sent.get(key);
      if (send !== undefined) {
        this.sent.delete(key);
        this.add(send.tid, send.t, tid, t, obj, seq, send.seq);
      } else this.early.set(key, { tid, t, seq });
    }
  }
}
