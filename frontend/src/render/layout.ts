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
  /** The time axis's labels, and small captions (the cores scale, process details). */
  axisPx: number;
  smallPx: number;
  /** Presenter mode: thick lanes and no text under 18 px. */
  big: boolean;
}

/** How the canvas is sized for its audience: presenter mode, and a text scale (an embed's `font=`). */
export interface Look {
  big: boolean;
  fontScale: number;
}

export const NORMAL_LOOK: Look = { big: false, fontScale: 1 };

/** Presenter mode's smallest text, in CSS pixels (readable from the back of a hall at 1280×720). */
export const PRESENTER_MIN_PX = 18;

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
  overview = false, cpu = false, look: Look = NORMAL_LOOK): Layout {
  const { big } = look;
  // Presenter mode scales everything by at least 1.35, so 13 px of text becomes 18.
  const s = big ? Math.max(PRESENTER_MIN_PX / 13, look.fontScale) : look.fontScale;
  const labelW = Math.round(Math.min(width * (big ? 0.26 : 0.22), Math.max(110 * s, nameW + 34 * s)));
  const axisPx = Math.max(big ? PRESENTER_MIN_PX : 0, Math.round(13 * s));
  const smallPx = Math.max(big ? PRESENTER_MIN_PX : 0, Math.round(11 * s));
  const axisH = Math.round(30 * Math.max(1, axisPx / 13));
  const plotW = Math.max(10, width - labelW - SCROLLBAR_W);
  const plotH = Math.max(10, height - axisH);
  const fitted = Math.floor(plotH / Math.max(1, lanes));
  // Big lanes for a handful of threads, compact (16 px) at a hundred and more; thicker in presenter mode.
  const maxLane = Math.round(34 * (big ? Math.max(1.6, s) : s));
  const minLane = big ? Math.round(40 * s / (PRESENTER_MIN_PX / 13)) : Math.round(16 * s);
  const laneH = overview ? Math.max(2, Math.min(maxLane, fitted)) : Math.max(minLane, Math.min(maxLane, fitted));
  const fontPx = big ? Math.max(PRESENTER_MIN_PX, Math.round(15 * s))
    : Math.round((laneH >= 24 * s ? 15 : laneH >= 14 * s ? 12 : 11) * s);
  const common = { width, height, dpr, labelW, axisH, plotW, plotH, laneH, fontPx, axisPx, smallPx, big };
  const cpuH = !cpu ? 0 : laneH >= 24 ? 8 : laneH >= 16 ? 5 : laneH >= 14 ? 4 : 0;
  if (cpuH > 0) {
    // Bar on top, a 1 px gap, the strip, 1 px to the next lane.
    const top = laneH >= 24 ? 3 : 1;
    const barH = laneH - cpuH - 2 - top;
    return { ...common, barH, barMid: top + barH / 2, cpuH };
  }
  const barH = laneH >= 40 ? laneH - 12 : laneH >= 24 ? laneH - 8 : laneH >= 8 ? laneH - 4 : laneH >= 4 ? laneH - 1 : laneH;
  return { ...common, barH, barMid: laneH / 2, cpuH: 0 };
}

/** Label every n-th lane, so that labels of thin lanes (or big text) never overlap. */
export function labelEvery(laneH: number, fontPx = MIN_LABELLED_LANE_H): number {
  const min = Math.max(MIN_LABELLED_LANE_H, fontPx);
  return laneH >= min ? 1 : Math.ceil(min * 1.3 / laneH);
}
