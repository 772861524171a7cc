import { describe, expect, it } from 'vitest';
import type { Envelope } from '../src/generated/events';
import {
  PauseTracker, controlFor, decodeSchedule, describeStep, encodeSchedule, parsePause, parseReplayLink, replayLink,
  threadForKey, undoControl,
} from '../src/model/control';
import { formatNumber, parseRoute } from '../src/model/url';

const thread = (index: number, canMove: boolean, extra: Record<string, unknown> = {}) => ({
  index, thread: 100 + index, what: 'acquire', file: 'deadlock.py', line: 22, text: '    with LockA:', can_move: canMove,
  reason: canMove ? null : 'waits for LockA (held by T1)', ...extra,
});
const pauseArgs = { decision: 3, steps: [1, 2, 1], threads: [thread(2, false), thread(0, false, { what: 'join' }), thread(1, true)] };
let seq = 0;
const ev = (kind: string, args: Record<string, unknown> = {}): Envelope => ({ seq: seq++, t: seq, pid: 1, tid: 1, kind, obj: null, args });

describe('control.pause', () => {
  it('parses a pause and orders its threads by index', () => {
    const p = parsePause(pauseArgs);
    expect(p?.decision).toBe(3);
    expect(p?.threads.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(p?.threads[2].reason).toBe('waits for LockA (held by T1)');
  });

  it('refuses args that are not a pause', () => {
    expect(parsePause(null)).toBeNull();
    expect(parsePause({ decision: 'x', steps: [], threads: [] })).toBeNull();
    expect(parsePause({ decision: 1, steps: [1.5], threads: [] })).toBeNull();
    expect(parsePause({ decision: 1, steps: [], threads: [{ index: 0 }] })).toBeNull();
  });

  it('describes a step with its line and source text', () => {
    expect(describeStep(parsePause(pauseArgs)!.threads[1])).toBe('acquire · line 22 `with LockA:`');
    expect(describeStep({ ...thread(1, true), line: null, text: '' })).toBe('acquire');
  });

  it('is pending only while it is the newest event and nobody answered it', () => {
    const tr = new PauseTracker();
    tr.ingest([ev('thread.start'), ev('control.pause', pauseArgs)]);
    expect(tr.pause?.decision).toBe(3);
    tr.ingest([ev('cpu')]);
    expect(tr.pause?.decision).toBe(3);
    tr.ingest([ev('lock.acquire')]);
    expect(tr.pause).toBeNull();
    tr.ingest([ev('control.pause', { ...pauseArgs, decision: 4 })]);
    tr.answer(4);
    expect(tr.pause).toBeNull();
    // A viewer that reconnects is sent the answered pause again: it stays answered.
    tr.ingest([ev('control.pause', { ...pauseArgs, decision: 4 })]);
    expect(tr.pause).toBeNull();
    tr.ingest([ev('control.pause', { ...pauseArgs, decision: 5 })]);
    expect(tr.pause?.decision).toBe(5);
    // The reply to an answer may come after the next pause: that one stays pending.
    tr.answer(4);
    expect(tr.pause?.decision).toBe(5);
  });
});

describe('number keys', () => {
  const p = parsePause(pauseArgs);
  it('choose the thread with that index when it can move', () => {
    expect(threadForKey('1', p)).toBe(1);
    const main = parsePause({ ...pauseArgs, threads: [thread(0, true)] });
    expect(threadForKey('0', main)).toBe(0);
  });
  it('choose nothing for a thread that cannot move, an unknown one, or no pause', () => {
    expect(threadForKey('2', p)).toBeNull();
    expect(threadForKey('7', p)).toBeNull();
    expect(threadForKey('0', p)).toBeNull();
    expect(threadForKey('a', p)).toBeNull();
    expect(threadForKey('1', null)).toBeNull();
  });
});

describe('control requests', () => {
  it('sends nothing for free runs and the seed otherwise', () => {
    expect(controlFor('free', 3)).toBeNull();
    expect(controlFor('pct', 3)).toEqual({ strategy: 'pct', seed: 3 });
  });
  it('undo replays every choice but the last, then steps', () => {
    expect(undoControl(parsePause(pauseArgs)!)).toEqual({ strategy: 'replay', steps: [1, 2], then: 'step' });
  });
});

describe('share links', () => {
  it('read the server\'s encoding and write one it reads (zlib + base64url)', async () => {
    // concviz.control.schedule.encode([1, 2, 1, 1, 2]) in Python (zlib level 9)
    expect(await decodeSchedule('eNoz1DHSMQRCIwAISgGo')).toEqual([1, 2, 1, 1, 2]);
    const enc = await encodeSchedule([1, 2, 1, 1, 2]);
    // schedule.decode('eJwz1DHSMdQx1DECAAhKAag') == [1, 2, 1, 1, 2] in Python (zlib default level)
    expect(enc).toBe('eJwz1DHSMdQx1DECAAhKAag');
    expect(await decodeSchedule(enc)).toEqual([1, 2, 1, 1, 2]);
    expect(await decodeSchedule(await encodeSchedule([]))).toEqual([]);
  });

  it('refuse text that is not a schedule', async () => {
    await expect(decodeSchedule('not base64!')).rejects.toThrow(/not an encoded schedule/);
  });

  it('carry the scenario, its parameters and the schedule, and read back', async () => {
    const enc = await encodeSchedule([2, 1, 1]);
    const link = replayLink('deadlock', { threads: 2 }, enc, formatNumber);
    const search = link.slice(link.indexOf('?'));
    expect(parseReplayLink(search)).toEqual({ strategy: 'replay', schedule: enc });
    expect(parseRoute('/', search)).toEqual({ view: 'scenario', scenario: 'deadlock', params: { threads: 2 } });
    expect(parseReplayLink('?scenario=deadlock&threads=2')).toBeNull();
    expect(parseReplayLink('?control=replay&schedule=a%20b')).toBeNull();
  });
});
