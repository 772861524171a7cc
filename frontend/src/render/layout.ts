// Geometry of the timeline canvas, shared by drawing and hit-testing.

export interface Layout {
  /** CSS size of the canvas. */
  width: number;
  height: number;
  dpr: number;
  /** Width of the sticky lane-label column. */
  labelW: number;
  /** Height of the time axis at the top. */
  axisH: number;
  /** Lanes area: x from labelW to width - scrollW, y from axisH to height. */
  plotW: number;
  plotH: number;
  laneH: number;
  /** Lane bar height inside a lane row. */
  barH: number;
  /** The bar's centre, from the row's top. */
  barMid: number;
  /** Height of the CPU strip under the bar (0: none), from barMid + barH/2 + 1. */
  cpuH: number;
  fontPx: number;
}

export const SCROLLBAR_W = 8;

/** Below this lane height, only every few lanes get a label. */
export const MIN_LABELLED_LANE_H = 11;

/**
 * `lanes`: the number of rows (lanes and process headers). `nameW`: the
 * widest lane name in pixels at the label font (0: unknown). `overview`: every
 * lane fits on screen, however thin (down to 2 px), instead of lanes of at
 * least 16 px that scroll. `cpu`: the trace has CPU samples, so lanes tall
 * enough get a strip under their bar (the bar gives up the room).
 */
export function computeLayout(width: number, height: number, dpr: number, lanes: number, nameW = 0,
  overview = false, cpu = false): Layout {
  const labelW = Math.round(Math.min(width * 0.22, Math.max(110, nameW + 34)));
  const axisH = 30;
  const plotW = Math.max(10, width - labelW - SCROLLBAR_W);
  const plotH = Math.max(10, height - axisH);
  const fitted = Math.floor(plotH / Math.max(1, lanes));
  // Big lanes for a handful of threads, compact (16 px) at a hundred and more.
  const laneH = overview ? Math.max(2, Math.min(34, fitted)) : Math.max(16, Math.min(34, fitted));
  const fontPx = laneH >= 24 ? 15 : laneH >= 14 ? 12 : 11;
  const cpuH = !cpu ? 0 : laneH >= 24 ? 8 : laneH >= 16 ? 5 : laneH >= 14 ? 4 : 0;
  if (cpuH > 0) {
    // Bar on top, a 1 px gap, the strip, 1 px to the next lane.
    const top = laneH >= 24 ? 3 : 1;
    const barH = laneH - cpuH - 2 - top;
    return { width, height, dpr, labelW, axisH, plotW, plotH, laneH, barH, barMid: top + barH / 2, cpuH, fontPx };
  }
  const barH = laneH >= 24 ? laneH - 8 : laneH >= 8 ? laneH - 4 : laneH >= 4 ? laneH - 1 : laneH;
  return { width, height, dpr, labelW, axisH, plotW, plotH, laneH, barH, barMid: laneH / 2, cpuH: 0, fontPx };
}

/** Label every n-th lane, so that labels of thin lanes never overlap. */
export function labelEvery(laneH: number): number {
  return laneH >= MIN_LABELLED_LANE_H ? 1 : Math.ceil(MIN_LABELLED_LANE_H * 1.3 / laneH);
}
