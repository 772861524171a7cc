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

/** `nameW`: the widest lane name in pixels at the label font (0: unknown). */
export function computeLayout(width: number, height: number, dpr: number, lanes: number, nameW = 0): Layout {
  const labelW = Math.round(Math.min(width * 0.22, Math.max(110, nameW + 34)));
  const axisH = 30;
  const plotW = Math.max(10, width - labelW - SCROLLBAR_W);
  const plotH = Math.max(10, height - axisH);
  // Big lanes for a handful of threads, compact (16 px) at a hundred and more.
  const laneH = Math.max(16, Math.min(34, Math.floor(plotH / Math.max(1, lanes))));
  const barH = laneH >= 24 ? laneH - 8 : laneH - 4;
  const fontPx = laneH >= 24 ? 15 : 12;
  return { width, height, dpr, labelW, axisH, plotW, plotH, laneH, barH, fontPx };
}
