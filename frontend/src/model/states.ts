// Thread states. The numeric order is the drawing priority when several states
// share one pixel column (a blocked instant must stay visible when zoomed out).

export const S = {
  none: 0, // before the thread began
  finished: 1,
  suspended: 2, // a coroutine switched out (below running: a short run stays visible zoomed out)
  running: 3,
  sleeping: 4,
  joining: 5,
  joiningProcess: 6,
  joiningPool: 7,
  waitEvent: 8,
  waitCond: 9,
  waitBarrier: 10,
  waitIO: 11,
  waitQueue: 12,
  blocked: 13,
} as const;

export type StateCode = (typeof S)[keyof typeof S];

export const STATE_LABELS: Record<number, string> = {
  [S.none]: 'not started',
  [S.finished]: 'finished',
  [S.suspended]: 'suspended (switched out)',
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
  [S.suspended]: 'suspended',
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
