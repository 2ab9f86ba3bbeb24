/**
 * Grouped bar charts: one cluster per category (e.g. a run, "adam:eps=0.1 @
 * 1e-3"), one bar per group within it (e.g. "row space", "null space").
 */
import { scaleBand } from 'd3-scale';
import { format } from 'd3-format';
import { makeAxis, position, maxLabelChars, renderGrid, renderYAxis, renderTitle, type Axis, type Rect, type ScaleType } from './axis.js';
import { frame } from './layout.js';
import { renderLegend, type LegendEntry } from './legend.js';
import { seriesStyle } from './palette.js';
import { FONT, el, escapeXml, num, svgDocument, text, textWidth, title, truncate } from './svg.js';

/** One group (bar colour): `values[i]` is its bar in `categories[i]`. */
export interface BarGroup {
  name: string;
  values: ArrayLike<number>;
}

export interface BarChartOptions {
  /** Cluster labels along the x axis, in order. */
  categories: readonly string[];
  /** One entry per bar colour; each has a value per category. */
  groups: readonly BarGroup[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Default 'linear' (bars start at 0). On 'log', bars start at the bottom of the axis and values ≤ 0 get no bar. */
  yScale?: ScaleType;
  /** Requested size in px (default 640 × 400); grows only if the legend needs room. */
  width?: number;
  height?: number;
  /** Show the legend (default true). */
  legend?: boolean;
}

/** Category labels longer than this are shortened on the axis (full text in a `<title>`). */
const MAX_CATEGORY_CHARS = 28;
/** Rotation for category labels that do not fit side by side. */
const ROTATE_DEG = -40;

const fmtValue = format('.4~g');

function* allValues(groups: readonly BarGroup[], n: number): Generator<number> {
  for (const g of groups) for (let i = 0; i < Math.min(n, g.values.length); i++) yield g.values[i]!;
}

/** Room under the plot for category labels: flat if they fit their band, else rotated. */
function categoryLabelLayout(categories: readonly string[], approxBand: number): { rotate: boolean; height: number; reachLeft: number } {
  const widest = Math.max(0, ...categories.map((c) => textWidth(truncate(c, MAX_CATEGORY_CHARS), FONT.tickSize)));
  if (widest <= approxBand * 0.95) return { rotate: false, height: FONT.tickSize + 10, reachLeft: 0 };
  const a = (Math.abs(ROTATE_DEG) * Math.PI) / 180;
  return {
    rotate: true,
    height: widest * Math.sin(a) + FONT.tickSize * Math.cos(a) + 10,
    // Labels hang down-left from their band centre; the first one must not leave the SVG.
    reachLeft: widest * Math.cos(a) - approxBand / 2,
  };
}

function renderCategoryAxis(categories: readonly string[], band: (c: string) => number | undefined, bw: number, r: Rect, rotate: boolean, label: string | undefined, labelY: number): string {
  const y0 = r.top + r.height;
  const parts: string[] = [el('path', { d: `M${num(r.left)},${num(y0)}H${num(r.left + r.width)}`, stroke: FONT.axis, fill: 'none' })];
  categories.forEach((c, i) => {
    const start = band(String(i));
    if (start === undefined) return;
    const cx = start + bw / 2;
    const ty = y0 + 5 + FONT.tickSize;
    const attrs = rotate
      ? { x: cx, y: ty, 'text-anchor': 'end', transform: `rotate(${ROTATE_DEG} ${num(cx)} ${num(ty)})` }
      : { x: cx, y: ty, 'text-anchor': 'middle' };
    const shown = truncate(c, MAX_CATEGORY_CHARS);
    parts.push(el('text', { ...attrs, 'font-size': FONT.tickSize, fill: FONT.muted }, title(c) + escapeXml(shown)));
  });
  if (label) parts.push(text(label, { class: 'axis-label', x: r.left + r.width / 2, y: labelY, 'text-anchor': 'middle' }));
  return el('g', { class: 'axis x-axis' }, parts);
}

function renderBars(g: BarGroup, n: number, y: Axis, base: number, x0: (i: number) => number | undefined, bw: number, color: string): string {
  const bars: string[] = [title(g.name)];
  for (let i = 0; i < Math.min(n, g.values.length); i++) {
    const v = g.values[i]!;
    const left = x0(i);
    const top = position(y, v);
    // Non-finite values, and values ≤ 0 on a log axis, have no bar rather than a misleading one.
    if (left === undefined || top === null) continue;
    bars.push(el('rect', {
      x: left, y: Math.min(top, base), width: bw, height: Math.abs(base - top), fill: color,
    }, title(`${g.name}: ${fmtValue(v)}`)));
  }
  return el('g', { class: 'series', 'data-series': g.name }, bars);
}

/**
 * Renders a grouped bar chart as a standalone SVG string. Each group is a
 * `<g class="series" data-series="name">` of `<rect>`s; legend rows carry the
 * same `data-series`.
 *
 * @example
 * const svg = barChart({
 *   title: 'Where the solution lives', yLabel: '‖W‖ part', yScale: 'log',
 *   categories: rows.map((r) => `${r.precond} @ ${r.lr.toPrecision(2)}`),
 *   groups: [
 *     { name: 'row space', values: rows.map((r) => r.rowspaceNorm) },
 *     { name: 'null space', values: rows.map((r) => r.nullspaceNorm) },
 *   ],
 * });
 */
export function barChart(o: BarChartOptions): string {
  const yType = o.yScale ?? 'linear';
  const reqW = o.width ?? 640;
  const reqH = o.height ?? 400;
  const n = o.categories.length;
  const y = makeAxis(yType, allValues(o.groups, n), Math.max(2, Math.round(reqH / 55)), true);
  const styles = o.groups.map((_, i) => seriesStyle(i));
  const legend: LegendEntry[] = o.legend === false ? [] : o.groups.map((g, i) => ({ name: g.name, style: styles[i]! }));

  // The band width depends on the final plot width, which depends on the left
  // margin and legend; the requested width is close enough to decide rotation.
  const cat = categoryLabelLayout(o.categories, (reqW * 0.5) / Math.max(1, n));
  const xTitleY = cat.height + (o.xLabel ? FONT.size + 6 : 0);
  const f = frame({
    width: reqW, height: reqH, title: o.title, yLabel: o.yLabel, yTickChars: maxLabelChars(y), bottom: xTitleY + 8, legend,
    minLeft: cat.reachLeft + 12,
  });
  const r = f.plot;
  y.scale.range([r.top + r.height, r.top]);
  // Categories are keyed by index so duplicate names still get their own cluster.
  const outer = scaleBand<string>().domain(o.categories.map((_, i) => String(i))).range([r.left, r.left + r.width]).paddingInner(0.2).paddingOuter(0.1);
  const inner = scaleBand<string>().domain(o.groups.map((_, i) => String(i))).range([0, outer.bandwidth()]).padding(0.05);
  // Bars grow from 0 on a linear axis, from the axis floor on a log one.
  const base = (yType === 'log' ? null : position(y, 0)) ?? r.top + r.height;

  const body = [
    renderTitle(o.title, f.width),
    renderGrid(null, y, r),
    renderYAxis(y, r, o.yLabel, f.yTitleX),
    renderCategoryAxis(o.categories, (k) => outer(k), outer.bandwidth(), r, cat.rotate, o.xLabel, r.top + r.height + xTitleY),
    el('g', { class: 'plot-area' }, o.groups.map((g, gi) => {
      const gx = inner(String(gi))!;
      return renderBars(g, n, y, base, (i) => { const c = outer(String(i)); return c === undefined ? undefined : c + gx; }, inner.bandwidth(), styles[gi]!.color);
    })),
    legend.length ? renderLegend(legend, 'box', f.legendX, f.legendY) : '',
  ];
  const desc = `Grouped bar chart: ${n} categories (${o.categories.join(', ')}), groups ${o.groups.map((g) => g.name).join(', ')}; y: ${o.yLabel ?? 'value'} (${yType} scale).`;
  return svgDocument({ width: f.width, height: f.height, title: o.title ?? 'Bar chart', desc, className: 'dspgd-chart dspgd-bar-chart' }, body.join(''));
}
