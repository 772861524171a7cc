import { describe, expect, it } from 'vitest';
import { describeActivity } from '../src/model/activity';
import { describeEvent } from '../src/model/describe';
import { shortSocketName } from '../src/model/sockets';
import { S } from '../src/model/states';
import { TraceModel } from '../src/model/trace';
import type { End } from '../src/generated/events';
import { TraceBuilder } from './helpers';

function model(b: TraceBuilder): TraceModel {
  const m = new TraceModel();
  m.ingest(b.events);
  return m;
}

/** A select() server: listener 1, one client connection 4 (accepted), select site 2. */
function selectServer(): TraceBuilder {
  const b = new TraceBuilder().begin(0, 1, 'server');
  b.obj(1, 1, 'socket', 'listener :8000');
  b.add(2, 0, 'sock.listen', 1, { host: '127.0.0.1', port: 8000, backlog: null });
  b.obj(3, 2, 'select', 'select() line 35');
  b.add(10, 1, 'select.begin', 2, { timeout: 1.0, read: [1], write: [], watched: 1, file: 's.py', line: 35 }); // 5
  b.add(20, 1, 'select.end', 2, { read: [1], write: [], ready: 1, error: null });
  b.obj(21, 4, 'socket', 'conn from :5001');
  b.add(22, 1, 'sock.accept', 1, { conn: 4, port: 5001 });
  b.add(30, 1, 'select.begin', 2, { timeout: 1.0, read: [1, 4], write: [], watched: 2, file: 's.py', line: 35 }); // 9
  b.add(40, 1, 'select.end', 2, { read: [4], write: [], ready: 1, error: null });
  b.add(41, 1, 'sock.recv', 4, { bytes: 21 });
  b.add(42, 1, 'sock.send', 4, { bytes: 21, all: true });
  b.add(50, 1, 'select.begin', 2, { timeout: 1.0, read: [1, 4], write: [], watched: 2, file: 's.py', line: 35 }); // 13
  b.add(60, 1, 'select.end', 2, { read: [], write: [], ready: 0, error: null });
  b.add(61, 1, 'sock.recv', 4, { bytes: 0 });
  b.add(62, 1, 'sock.close', 4, {});
  return b;
}

describe('select() rows at the playhead', () => {
  it('lists the calls begun by t with what each watched and what it found ready', () => {
    const m = model(selectServer());
    const rows = m.selects.rowsAt(m.store, 35);
    expect(rows.map((r) => [r.n, r.call.read, r.readyRead, r.current])).toEqual([
      [1, [1], [1], false],
      [2, [1, 4], [], true], // the playhead is inside call 2: nothing ready yet
    ]);
    const all = m.selects.rowsAt(m.store, 100);
    expect(all.map((r) => [r.n, r.readyRead, r.ready, r.t1])).toEqual([[1, [1], 1, 20], [2, [4], 1, 40], [3, [], 0, 60]]);
    expect(all.some((r) => r.current)).toBe(false);
  });

  it('keeps only the last `limit` calls, newest last', () => {
    const b = new TraceBuilder().begin(0, 1).obj(0, 2, 'select', 'sel');
    for (let i = 0; i < 30; i++) {
      b.add(10 * i + 1, 1, 'select.begin', 2, { timeout: null, read: [], write: [], watched: 0, file: null, line: null });
      b.add(10 * i + 5, 1, 'select.end', 2, { read: [], write: [], ready: 0, error: null });
    }
    const m = model(b);
    const rows = m.selects.rowsAt(m.store, 1000, 20);
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 11));
    expect(m.selects.rowsAt(m.store, 0, 20)).toEqual([]);
  });

  it("takes a selector call's watched set from its registrations at the time", () => {
    const b = new TraceBuilder().begin(0, 1);
    b.obj(0, 1, 'EpollSelector', 'selector').obj(0, 2, 'socket', 'listener :8000').obj(0, 3, 'socket', 'conn from :5001');
    b.add(1, 1, 'sel.register', 1, { sock: 2, fd: 4, events: 1, callback: 'accept' });
    b.add(2, 1, 'select.begin', 1, { timeout: 1, read: [], write: [], watched: 1, file: null, line: null });
    b.add(3, 1, 'select.end', 1, { read: [2], write: [], ready: 1, error: null });
    b.add(4, 1, 'sel.register', 1, { sock: 3, fd: 7, events: 3, callback: 'read' });
    b.add(5, 1, 'select.begin', 1, { timeout: 1, read: [], write: [], watched: 2, file: null, line: null });
    b.add(6, 1, 'sel.unregister', 1, { sock: 3, fd: 7 });
    const m = model(b);
    const rows = m.selects.rowsAt(m.store, 5);
    expect(rows.map((r) => [r.call.read, r.call.write])).toEqual([[[2], []], [[2, 3], [3]]]);
    expect(m.tracker.at(7).selectors.get(1)!.regs).toEqual([
      { fd: 4, sock: 2, events: 1, callback: 'accept' }, { fd: 7, sock: 3, events: 3, callback: 'read' },
    ]);
    expect(m.tracker.at(9).selectors.get(1)!.regs.map((r) => r.fd)).toEqual([4]);
  });
});

describe('sockets at the playhead', () => {
  it('follows a socket from listening or open to closed with bytes each way', () => {
    const m = model(selectServer());
    const at = (seq: number) => m.tracker.at(seq).sockets;
    expect(at(2).get(1)).toMatchObject({ role: 'listener', status: 'listening', port: 8000 });
    expect(at(8).get(1)).toMatchObject({ accepted: 1 });
    expect(at(8).get(4)).toMatchObject({ role: 'conn', status: 'open', sent: 0, received: 0 });
    expect(at(12).get(4)).toMatchObject({ sent: 21, received: 21, eof: false });
    expect(at(16).get(4)).toMatchObject({ status: 'closed', eof: true });
  });

  it('records who waits in recv, non-blocking mode, would-block and errors', () => {
    const b = new TraceBuilder().begin(0, 1).obj(0, 1, 'socket', 'client :5001 → :8000');
    b.add(1, 1, 'sock.connect', 1, { host: '127.0.0.1', port: 8000, local_port: 5001 });
    b.add(2, 1, 'sock.block', 1, { op: 'recv', timeout: null, file: 'c.py', line: 9 });
    b.add(3, 1, 'sock.wake', 1, { op: 'recv' });
    b.add(4, 1, 'sock.setblocking', 1, { blocking: false, timeout: 0 });
    b.add(5, 1, 'sock.would_block', 1, { op: 'recv' });
    b.add(6, 1, 'sock.error', 1, { op: 'send', error: 'BrokenPipeError' });
    const m = model(b);
    expect(m.tracker.at(3).sockets.get(1)).toMatchObject({ status: 'connected', waiting: [{ tid: 1, op: 'recv' }] });
    expect(m.tracker.at(4).sockets.get(1)!.waiting).toEqual([]);
    expect(m.tracker.at(7).sockets.get(1)).toMatchObject({ blocking: false, wouldBlock: 1, errors: 1, lastError: 'BrokenPipeError' });
    expect(m.laneByTid.get(1)!.stateAt(2.5)).toBe(S.waitIO);
    expect(m.laneByTid.get(1)!.stateAt(3.5)).toBe(S.running);
    expect(describeEvent(m, 6)).toBe('recv() on non-blocking client :5001 → :8000 would block (BlockingIOError)');
  });

  it('draws a thread in select() in the I/O state, not the lock state', () => {
    const m = model(selectServer());
    const lane = m.laneByTid.get(1)!;
    expect(lane.stateAt(15)).toBe(S.waitIO);
    expect(lane.stateAt(25)).toBe(S.running);
    expect(lane.stateAt(35)).toBe(S.waitIO);
  });

  it('shortens socket names for narrow columns', () => {
    expect(shortSocketName('listener :8000')).toBe('listener');
    expect(shortSocketName('conn from :51234')).toBe('conn :51234');
    expect(shortSocketName('client :51234 → :8000')).toBe('client :51234');
  });
});

describe('the banner line for a network run', () => {
  it('says how many clients one thread served with how many select() calls', () => {
    const m = model(selectServer());
    const end = {
      type: 'end', status: 'finished', exit_code: 0, duration_ns: 70, error: null,
      summary: {
        objects: { 'select() line 35': { kind: 'select', calls: 3, max_ready: 1 } },
        sockets: { listening: 1, accepted: 1, connected: 0, bytes_sent: 21, bytes_received: 21, would_block: 0, errors: 0, closed: 1 },
      },
    } as End;
    expect(describeActivity(end, m)).toEqual([
      'one thread (server) served 1 client with 3 select() calls',
      '21 bytes sent, 21 received',
    ]);
  });
});
