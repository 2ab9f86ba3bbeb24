/**
 * Margin arithmetic shared by the chart types: where the plot rectangle,
 * legend and axis titles go, given the label sizes. Sizes are estimated
 * from character counts (see `textWidth`) since there is no DOM to measure.
 */
import { FONT, textWidth } from './svg.js';
import { LEGEND_ROW, legendHeight, legendWidth, type LegendEntry } from './legend.js';
import type { Rect } from './axis.js';

export interface FrameInput {
  width: number;
  height: number;
  title?: string;
  yLabel?: string;
  /** Characters in the widest y tick label. */
  yTickChars: number;
  /** Vertical room under the plot for x tick labels and the x title. */
  bottom: number;
  legend: readonly LegendEntry[];
  /** Lower bound for the left margin, e.g. for rotated category labels that reach left of the plot. */
  minLeft?: number;
  /** Legend rows, when they are not one per legend entry (a grouped legend has heading rows). */
  legendRows?: number;
}

export interface Frame {
  /** Final SVG size; larger than requested only when the legend would not fit otherwise. */
  width: number;
  height: number;
  plot: Rect;
  legendX: number;
  legendY: number;
  /** x of the rotated y-axis title's centre line. */
  yTitleX: number;
}

const PAD = 12;
const LEGEND_GAP = 16;
/** The plot keeps at least this share of the requested width however long the legend names are. */
const MIN_PLOT_SHARE = 0.5;
/** Below this requested width (a phone) the legend goes under the plot instead of beside it. */
export const NARROW = 560;

export function frame(o: FrameInput): Frame {
  const top = o.title ? 40 : PAD;
  const yTitle = o.yLabel ? FONT.size + 8 : 0;
  const left = Math.max(PAD + yTitle + textWidth('0'.repeat(o.yTickChars), FONT.tickSize) + 10, o.minLeft ?? 0);
  const lw = legendWidth(o.legend);
  const lh = o.legendRows === undefined ? legendHeight(o.legend) : o.legendRows * LEGEND_ROW;
  if (lw > 0 && o.width < NARROW) {
    // Narrow: the legend under the plot, so the data keeps the width and nothing overflows.
    const plotWidth = Math.max(o.width - left - PAD, 40);
    const plotHeight = Math.max(o.height - top - o.bottom, 40);
    return {
      width: Math.max(o.width, PAD + lw + PAD),
      height: top + plotHeight + o.bottom + LEGEND_GAP / 2 + lh + PAD,
      plot: { left, top, width: plotWidth, height: plotHeight },
      legendX: PAD,
      legendY: top + plotHeight + o.bottom + LEGEND_GAP / 2,
      yTitleX: PAD + FONT.size / 2 + 2,
    };
  }
  const right = lw > 0 ? LEGEND_GAP + lw + PAD : PAD + 8;

  // Long legend names widen the SVG rather than squeeze the data; the viewBox
  // lets an embedding page scale it back down.
  const plotWidth = Math.max(o.width - left - right, o.width * MIN_PLOT_SHARE);
  const width = left + plotWidth + right;
  // Likewise many series lengthen it so that no legend row falls off the bottom.
  const plotHeight = Math.max(o.height - top - o.bottom, lh, 40);
  const height = top + plotHeight + o.bottom;

  return {
    width,
    height,
    plot: { left, top, width: plotWidth, height: plotHeight },
    legendX: left + plotWidth + LEGEND_GAP,
    legendY: top,
    yTitleX: PAD + FONT.size / 2 + 2,
  };
}
