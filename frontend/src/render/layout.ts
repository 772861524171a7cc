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
  fontPx: number;
}

export const SCROLLBAR_W = 8;

/** Below this lane height, only every few lanes get a label. */
export const MIN_LABELLED_LANE_H = 11;

/**
 * `nameW`: the widest lane name in pixels at the label font (0: unknown).
 * `overview`: every lane fits on screen, however thin (down to 2 px), instead
 * of lanes of at least 16 px that scroll.
 */
export function computeLayout(width: number, height: number, dpr: number, lanes: number, nameW = 0,
  overview = false): Layout {
  const labelW = Math.round(Math.min(width * 0.22, Math.max(110, nameW + 34)));
  const axisH = 30;
  const plotW = Math.max(10, width - labelW - SCROLLBAR_W);
  const plotH = Math.max(10, height - axisH);
  const fitted = Math.floor(plotH / Math.max(1, lanes));
  // Big lanes for a handful of threads, compact (16 px) at a hundred and more.
  const laneH = overview ? Math.max(2, Math.min(34, fitted)) : Math.max(16, Math.min(34, fitted));
  const barH = laneH >= 24 ? laneH - 8 : laneH >= 8 ? laneH - 4 : laneH >= 4 ? laneH - 1 : laneH;
  const fontPx = laneH >= 24 ? 15 : laneH >= 14 ? 12 : 11;
  return { width, height, dpr, labelW, axisH, plotW, plotH, laneH, barH, fontPx };
}

/** Label every n-th lane, so that labels of thin lanes never overlap. */
export function labelEvery(laneH: number): number {
  return laneH >= MIN_LABELLED_LANE_H ? 1 : Math.ceil(MIN_LABELLED_LANE_H * 1.3 / laneH);
}
