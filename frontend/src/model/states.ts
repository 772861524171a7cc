// Thread states. The numeric order is the drawing priority when several states
// share one pixel column (a blocked instant must stay visible when zoomed out).

export const S = {
  none: 0, // before the thread began
  finished: 1,
  running: 2,
  sleeping: 3,
  joining: 4,
  joiningProcess: 5,
  joiningPool: 6,
  waitEvent: 7,
  waitCond: 8,
  waitBarrier: 9,
  waitIO: 10,
  waitQueue: 11,
  blocked: 12,
} as const;

export type StateCode = (typeof S)[keyof typeof S];

export const STATE_LABELS: Record<number, string> = {
  [S.none]: 'not started',
  [S.finished]: 'finished',
  [S.running]: 'running',
  [S.sleeping]: 'sleeping',
  [S.joining]: 'joining a thread',
  [S.joiningProcess]: 'joining a process',
  [S.joiningPool]: 'joining a pool',
  [S.waitEvent]: 'waiting on an event',
  [S.waitCond]: 'waiting on a condition',
  [S.waitBarrier]: 'waiting at a barrier',
  [S.waitIO]: 'waiting for I/O (socket, select, pipe)',
  [S.waitQueue]: 'waiting on a queue',
  [S.blocked]: 'blocked on a lock',
};

/** Short words for chips and legends. */
export const STATE_SHORT: Record<number, string> = {
  [S.none]: '—',
  [S.finished]: 'finished',
  [S.running]: 'running',
  [S.sleeping]: 'sleeping',
  [S.joining]: 'joining',
  [S.joiningProcess]: 'joining',
  [S.joiningPool]: 'joining',
  [S.waitEvent]: 'waiting',
  [S.waitCond]: 'waiting',
  [S.waitBarrier]: 'waiting',
  [S.waitIO]: 'I/O',
  [S.waitQueue]: 'queue',
  [S.blocked]: 'blocked',
};
