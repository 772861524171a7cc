// Thread states. The numeric order is the drawing priority when several states
// share one pixel column (a blocked instant must stay visible when zoomed out).

export const S = {
  none: 0, // before the thread began
  finished: 1,
  running: 2,
  sleeping: 3,
  joining: 4,
  joiningProcess: 5,
  waitEvent: 6,
  waitCond: 7,
  waitBarrier: 8,
  waitIO: 9,
  waitQueue: 10,
  blocked: 11,
} as const;

export type StateCode = (typeof S)[keyof typeof S];

export const STATE_LABELS: Record<number, string> = {
  [S.none]: 'not started',
  [S.finished]: 'finished',
  [S.running]: 'running',
  [S.sleeping]: 'sleeping',
  [S.joining]: 'joining a thread',
  [S.joiningProcess]: 'joining a process',
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
  [S.waitEvent]: 'waiting',
  [S.waitCond]: 'waiting',
  [S.waitBarrier]: 'waiting',
  [S.waitIO]: 'I/O',
  [S.waitQueue]: 'queue',
  [S.blocked]: 'blocked',
};
