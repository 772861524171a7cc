// Synthetic traces for the benchmarks: many threads taking a few locks and
// sleeping, appended straight into a TraceModel (no JSON, no per-event
// objects), with the same kinds and args shapes as a real trace.
import { K } from '../model/kinds';
import { TraceModel } from '../model/trace';

export interface SynthOptions {
  lanes: number;
  events: number;
  locks?: number;
  /** Mean nanoseconds between consecutive events. */
  stepNs?: number;
  seed?: number;
}

export function synthModel(o: SynthOptions): TraceModel {
  const m = new TraceModel();
  const locks = o.locks ?? Math.max(4, Math.floor(o.lanes / 8));
  const step = o.stepNs ?? 1000;
  let seed = o.seed ?? 1;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let t = 0;
  const name = (i: number) => ({ type: 'Lock', name: `Lock${i}`, value: null, lock: null, file: 'bench.py', line: 3 });
  for (let i = 0; i < locks; i++) m.append(t, 0, K.objNew, i + 1, name(i));
  const where = [{ file: 'bench.py', line: 10 }, { file: 'bench.py', line: 12 }, { file: 'bench.py', line: 14 }];
  const block = { timeout: null, file: 'bench.py', line: 12 };
  const sleep = { seconds: 0.001, file: 'bench.py', line: 14 };
  for (let tid = 1; tid < o.lanes; tid++) {
    t += step;
    m.append(t, tid, K.threadBegin, -1, { thread: tid, name: `Thread-${tid} (worker)`, daemon: false, ident: tid });
  }
  // Per thread: 0 → line, 1 → (block|acquire), 2 → acquire after a block, 3 → release, 4 → sleep, 5 → wake
  const phase = new Uint8Array(o.lanes);
  const lockOf = new Int32Array(o.lanes);
  const holder = new Int32Array(locks + 1).fill(-1);
  while (m.eventCount < o.events) {
    t += Math.max(1, Math.round(step * (0.2 + 1.6 * rand())));
    const tid = Math.floor(rand() * o.lanes);
    switch (phase[tid]) {
      case 0:
        m.append(t, tid, K.line, -1, where[0]);
        lockOf[tid] = 1 + Math.floor(rand() * locks);
        phase[tid] = 1;
        break;
      case 1: {
        const l = lockOf[tid];
        if (holder[l] >= 0) {
          m.append(t, tid, K.lockBlock, l, block);
          phase[tid] = 2;
        } else {
          holder[l] = tid;
          m.append(t, tid, K.lockAcquire, l, null);
          phase[tid] = 3;
        }
        break;
      }
      case 2: {
        const l = lockOf[tid];
        if (holder[l] < 0) {
          holder[l] = tid;
          m.append(t, tid, K.lockAcquire, l, null);
          phase[tid] = 3;
        }
        break;
      }
      case 3:
        holder[lockOf[tid]] = -1;
        m.append(t, tid, K.lockRelease, lockOf[tid], null);
        phase[tid] = 4;
        break;
      case 4:
        m.append(t, tid, K.sleepBegin, -1, sleep);
        phase[tid] = 5;
        break;
      default:
        m.append(t, tid, K.sleepEnd, -1, null);
        phase[tid] = 0;
        break;
    }
  }
  m.version++;
  return m;
}

/**
 * `coros` greenlets of one thread taking turns through their hub, as a gevent
 * program does: each turn is a switch from the hub, a wait (a sleep), and a
 * switch back; `events` in all. The All lanes view then has a lane per greenlet.
 */
export function synthCoroutines(coros: number, events: number, stepNs = 1000, seed = 1): TraceModel {
  const m = new TraceModel();
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let t = 0;
  const hub = 1;
  m.append(t, 0, K.coroNew, hub, { name: 'Hub', kind: 'gevent', file: null, line: null });
  for (let i = 0; i < coros; i++) {
    t += stepNs;
    m.append(t, 0, K.coroNew, hub + 1 + i, { name: `Greenlet-${i}`, kind: 'gevent', file: null, line: null });
  }
  m.append(t, 0, K.coroSwitch, hub, { origin: null, throw: false });
  const sleep = { what: 'sleep', target: null, detail: '0.01 s' };
  while (m.eventCount + 3 <= events) {
    const g = hub + 1 + Math.floor(rand() * coros);
    t += Math.max(1, Math.round(stepNs * (0.2 + 1.6 * rand())));
    m.append(t, 0, K.coroSwitch, g, { origin: hub, throw: false });
    t += Math.max(1, Math.round(stepNs * (0.2 + 1.6 * rand())));
    m.append(t, 0, K.coroWait, g, sleep);
    m.append(t, 0, K.coroSwitch, hub, { origin: g, throw: false });
  }
  m.version++;
  return m;
}
