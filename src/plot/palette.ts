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
  // Four darker colours from Paul Tol's palettes, so that the ten built-in preconditioners
  // each get their own colour before the low-contrast yellow.
  '#882255', // wine
  '#999933', // olive
  '#332288', // indigo
  '#661100', // brown
  '#F0E442', // yellow
];

/** Dash patterns (SVG `stroke-dasharray`), one per trip round the palette (and one per variant in grouped styles). */
export const DASHES: readonly (string | undefined)[] = [undefined, '6 3', '2 2', '8 3 2 3', '12 4', '4 2 1 2'];

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

/** A series' place in a grouped style: its group (colour) and variant (dash), e.g. preconditioner and learning rate. */
export interface StyleKey {
  group: string;
  variant: string;
}

/**
 * Styles by (group, variant): one colour per group and one dash pattern per variant, in order of
 * first appearance (pass `variants` to fix the variant order, e.g. learning rates from large to
 * small). Markers follow the group. Many series then read as a small key (10 colours + 4 dashes)
 * instead of 40 unrelated looks.
 */
export function groupedStyles(keys: readonly StyleKey[], variants?: readonly string[]): { styles: SeriesStyle[]; groups: string[]; variants: string[] } {
  const groups = [...new Set(keys.map((k) => k.group))];
  const vs = variants ? [...variants] : [...new Set(keys.map((k) => k.variant))];
  for (const k of keys) if (!vs.includes(k.variant)) vs.push(k.variant);
  const styles = keys.map((k) => {
    const g = groups.indexOf(k.group);
    const base = seriesStyle(g);
    return { ...base, dash: DASHES[vs.indexOf(k.variant) % DASHES.length] };
  });
  return { styles, groups, variants: vs };
}
