/**
 * The legend shared by line and bar charts: one row per series, a swatch in
 * the series' style, and the series name (truncated for layout, full name in
 * `data-series` and a `<title>`), placed to the right of the plot.
 */
import { FONT, el, text, title, num, textWidth, truncate } from './svg.js';
import type { SeriesStyle } from './palette.js';

export interface LegendEntry {
  name: string;
  style: SeriesStyle;
  /**
   * Set on grouped legends: what the row stands for ('group' rows show a colour, 'variant' rows a
   * dash pattern, 'heading' rows only text). The row carries data-toggle="group:NAME" or
   * "variant:NAME", which a page uses to hide and show the series of that group or variant.
   */
  role?: 'group' | 'variant' | 'heading';
}

/** What the swatch shows: a stroke sample (with an optional marker) or a filled box. */
export type SwatchKind = 'line' | 'line+marker' | 'box';

/** Row pitch of the legend, in px. */
export const LEGEND_ROW = 18;
const SWATCH = 22;
const GAP = 6;
/** Longer names are shortened on screen; 36 characters fits "clip-elementwise:c=0.05 @ 1.23e-3". */
const MAX_CHARS = 36;

/** Width the legend needs, in px (0 when there is nothing to show). */
export function legendWidth(entries: readonly LegendEntry[]): number {
  if (entries.length === 0) return 0;
  const widest = Math.max(...entries.map((e) => textWidth(truncate(e.name, MAX_CHARS))));
  return SWATCH + GAP + widest;
}

/** Height the legend needs, in px. */
export function legendHeight(entries: readonly LegendEntry[]): number {
  return entries.length * LEGEND_ROW;
}

function swatch(style: SeriesStyle, kind: SwatchKind, cy: number): string {
  if (kind === 'box') {
    return el('rect', { x: 4, y: cy - 6, width: SWATCH - 8, height: 12, fill: style.color });
  }
  const line = el('path', {
    d: `M0,${num(cy)}h${SWATCH}`, stroke: style.color, 'stroke-width': 2, 'stroke-dasharray': style.dash, fill: 'none',
  });
  return kind === 'line+marker'
    ? line + el('path', { d: style.marker, transform: `translate(${num(SWATCH / 2)},${num(cy)})`, fill: style.color })
    : line;
}

/** Renders the legend with its top-left corner at (x, y). */
export function renderLegend(entries: readonly LegendEntry[], kind: SwatchKind, x: number, y: number): string {
  const rows = entries.map((e, i) => {
    const cy = i * LEGEND_ROW + LEGEND_ROW / 2;
    const shown = truncate(e.name, MAX_CHARS);
    if (e.role === 'heading') {
      return el('g', { class: 'legend-heading' }, text(shown, { x: 0, y: cy, dy: '0.32em', fill: FONT.muted, 'font-weight': 'bold' }));
    }
    const toggle = e.role ? `${e.role}:${e.name}` : undefined;
    return el('g', { class: 'legend-entry', 'data-series': e.role ? undefined : e.name, 'data-toggle': toggle }, [
      title(toggle ? `${e.name} (click to hide or show)` : e.name),
      // A transparent box over the whole row: the click target of a toggle.
      toggle ? el('rect', { class: 'legend-hit', x: 0, y: cy - LEGEND_ROW / 2, width: SWATCH + GAP + textWidth(shown), height: LEGEND_ROW, fill: 'transparent' }) : '',
      swatch(e.style, kind, cy),
      text(shown, { x: SWATCH + GAP, y: cy, dy: '0.32em', fill: FONT.color }),
    ]);
  });
  return el('g', { class: 'legend', transform: `translate(${num(x)},${num(y)})` }, rows);
}
