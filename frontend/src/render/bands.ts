// Bands across whole rows of the timeline, drawn over the state bars: the
// lanes a tour stop (or a link's `follow=`) points at, and in presenter mode
// the row under the pointer, so that a hall can see which lane the lecturer
// means. Neighbours: overlay.ts draws the plot's vector parts, labels.ts the
// label column.
import { Lane } from '../model/lane';
import type { Row } from '../model/trace';
import type { Layout } from './layout';
import { laneY, type View } from './overlay';
import { THEME } from './palette';

function band(ctx: CanvasRenderingContext2D, L: Layout, y: number, fill: string, edge: string, width: number): void {
  ctx.fillStyle = fill;
  ctx.fillRect(0, y, L.labelW + L.plotW, L.laneH);
  ctx.strokeStyle = edge;
  ctx.lineWidth = width;
  ctx.strokeRect(width / 2, y + width / 2, L.labelW + L.plotW - width, L.laneH - width);
}

/** `marks`: actor ids to highlight; `pointer`: the row under the pointer to outline, or -1. */
export function drawLaneBands(ctx: CanvasRenderingContext2D, L: Layout, v: View, rows: readonly Row[],
  marks: ReadonlySet<number>, pointer: number): void {
  if (marks.size === 0 && pointer < 0) return;
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, L.axisH, L.labelW + L.plotW, L.plotH);
  ctx.clip();
  if (marks.size > 0) {
    for (let i = v.first; i < v.last; i++) {
      const row = rows[i];
      if (row instanceof Lane && marks.has(row.actor)) band(ctx, L, laneY(L, v, i), THEME.laneMark, THEME.laneMarkEdge, L.big ? 3 : 2);
    }
  }
  if (pointer >= v.first && pointer < v.last) band(ctx, L, laneY(L, v, pointer), THEME.pointerBand, THEME.pointerEdge, 2);
  ctx.restore();
}
