/**
 * Fixed categorical styling. Colours are the Okabe–Ito palette (designed to
 * stay distinguishable under the common colour-vision deficiencies), ordered
 * for contrast on white, with the low-contrast yellow last. Because a report
 * can hold more series than there are colours (10 preconditioners × 2
 * learning rates), each wrap-around also changes the dash pattern and the
 * marker shape, so no two of the first 8 × 4 series look the same.
 */
import { symbol, symbolsFill, type SymbolType } from 'd3-shape';

/** Okabe–Ito colours, in the order series receive them. */
export const PALETTE: readonly string[] = [
  '#0072B2', // blue
  '#D55E00', // vermillion
  '#009E73', // bluish green
  '#CC79A7', // reddish purple
  '#E69F00', // orange
  '#56B4E9', // sky blue
  '#000000', // black
  '#F0E442', // yellow
];

/** Dash patterns (SVG `stroke-dasharray`), one per trip round the palette. */
export const DASHES: readonly (string | undefined)[] = [undefined, '6 3', '2 2', '8 3 2 3'];

export interface SeriesStyle {
  color: string;
  dash: string | undefined;
  /** Path data of a marker centred on the origin. */
  marker: string;
}

function markerPath(type: SymbolType, size: number): string {
  // d3 symbol sizes are areas in px²; digits(2) keeps the path short.
  return symbol(type, size).digits(2)()!;
}

/** Style of the `i`-th series (stable: the same index always gets the same look). */
export function seriesStyle(i: number, markerSize = 36): SeriesStyle {
  const n = PALETTE.length;
  const lap = Math.floor(i / n);
  return {
    color: PALETTE[i % n]!,
    dash: DASHES[lap % DASHES.length],
    // Shape changes with the colour index *and* the lap, so series sharing a colour never share a shape.
    marker: markerPath(symbolsFill[(i + lap) % symbolsFill.length]!, markerSize),
  };
}
