/**
 * Line charts: several named (x, y) series on linear or log axes, e.g. loss
 * against iteration (log y) or relDistToGD against learning rate (log x).
 */
import { line } from 'd3-shape';
import { format } from 'd3-format';
import { accepts, makeAxis, position, maxLabelChars, renderGrid, renderXAxis, renderYAxis, renderTitle, type Axis, type ScaleType } from './axis.js';
import { frame } from './layout.js';
import { renderLegend, type LegendEntry } from './legend.js';
import { seriesStyle, type SeriesStyle } from './palette.js';
import { FONT, el, num, svgDocument, text, title } from './svg.js';

/** One named series; `x` and `y` are read pairwise up to the shorter length (typed arrays welcome). */
export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Overrides of the series' default look (see groupedStyles for colour by group, dash by variant). */
  style?: Partial<SeriesStyle>;
  /** For a grouped legend: the series' group (a colour row) and variant (a dash row), e.g. preconditioner and lr. */
  group?: string;
  variant?: string;
}

export interface LineChartOptions {
  series: readonly LineSeries[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Default 'linear'. On 'log', points with x ≤ 0 are skipped. */
  xScale?: ScaleType;
  /** Default 'linear'. On 'log', points with y ≤ 0 are skipped. */
  yScale?: ScaleType;
  /** Requested size in px (default 640 × 400); grows only if the legend needs room. */
  width?: number;
  height?: number;
  /** Draw a marker at every drawable point (default false). */
  markers?: boolean;
  /** Show the legend (default true). */
  legend?: boolean;
  /**
   * 'series' (default): one legend row per series. 'grouped': one row per group (colour) and one
   * per variant (dash), under the headings groupTitle and variantTitle, each row a toggle
   * (data-toggle) for interactive pages; it stays short however many series there are.
   */
  legendMode?: 'series' | 'grouped';
  groupTitle?: string;
  variantTitle?: string;
  /** Fixed axis domains (a zoomed view): taken as given, and the lines are clipped to the plot. */
  xDomain?: readonly [number, number];
  yDomain?: readonly [number, number];
  /** A marker on each series' last drawable point (where a path ends), default false. */
  endMarkers?: boolean;
  /** Unique id prefix for the clip path of a zoomed view (several charts in one page). */
  id?: string;
}

/** What a page needs to map pointer positions back to data: the plot rectangle and the axes. */
export interface LineChartLayout {
  svg: string;
  width: number;
  height: number;
  plot: { left: number; top: number; width: number; height: number };
  x: { type: ScaleType; domain: [number, number] };
  y: { type: ScaleType; domain: [number, number] };
}

/** A point in pixels, or null where the data point cannot be drawn (which breaks the line there). */
export type Px = readonly [number, number] | null;

function project(s: LineSeries, x: Axis, y: Axis): Px[] {
  const n = Math.min(s.x.length, s.y.length);
  const out: Px[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const px = position(x, s.x[i]!);
    const py = px === null ? null : position(y, s.y[i]!);
    out[i] = px === null || py === null ? null : [px, py];
  }
  return out;
}

/** Values of one coordinate from the points whose *both* coordinates are drawable, so a skipped point does not stretch the other axis. */
function* drawable(series: readonly LineSeries[], xType: ScaleType, yType: ScaleType, pick: 'x' | 'y'): Generator<number> {
  for (const s of series) {
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      const xv = s.x[i]!;
      const yv = s.y[i]!;
      if (accepts(xType, xv) && accepts(yType, yv)) yield pick === 'x' ? xv : yv;
    }
  }
}

// digits(2): sub-pixel precision is invisible and would triple the size of long traces.
const path = line<Px>()
  .defined((p) => p !== null)
  .x((p) => p![0])
  .y((p) => p![1])
  .digits(2);

const fmtValue = format('.4~g');

/**
 * Drops points that cannot change the picture: within each pixel column of
 * a connected run, only the first, lowest, highest and last points are kept
 * (M4 aggregation), in their original order. A 20-run report of 20 000-sample
 * traces goes from megabytes to a few hundred kB while the drawn line stays
 * the same to the pixel. Breaks (nulls) are kept, so segments do not merge.
 */
export function decimate(pts: readonly Px[]): Px[] {
  const out: Px[] = [];
  let i = 0;
  while (i < pts.length) {
    const p = pts[i];
    if (p === null) {
      if (out.length > 0 && out[out.length - 1] !== null) out.push(null);
      i++;
      continue;
    }
    // Collect one pixel column of consecutive drawable points.
    const col = Math.round(p![0]);
    let j = i;
    let lo = i;
    let hi = i;
    while (j < pts.length && pts[j] !== null && Math.round(pts[j]![0]) === col) {
      if (pts[j]![1] < pts[lo]![1]) lo = j;
      if (pts[j]![1] > pts[hi]![1]) hi = j;
      j++;
    }
    for (const k of [...new Set([i, lo, hi, j - 1])].sort((a, b) => a - b)) out.push(pts[k]!);
    i = j;
  }
  return out;
}

function renderSeries(s: LineSeries, pts: Px[], style: SeriesStyle, markers: boolean, endMarker = false): string {
  const parts: string[] = [title(s.name)];
  const d = pts.some((p) => p !== null) ? path(decimate(pts)) : null;
  if (d) {
    parts.push(el('path', {
      d, fill: 'none', stroke: style.color, 'stroke-width': 1.75, 'stroke-dasharray': style.dash,
      'stroke-linejoin': 'round', 'stroke-linecap': 'round',
    }));
  }
  // A point with no drawable neighbour makes a zero-length segment that is
  // invisible, so it gets a dot even without markers (e.g. one-point series).
  const marks: string[] = [];
  pts.forEach((p, i) => {
    if (p === null) return;
    const isolated = (i === 0 || pts[i - 1] === null) && (i === pts.length - 1 || pts[i + 1] === null);
    const end = endMarker && pts.slice(i + 1).every((q) => q === null);
    if (!markers && !isolated && !end) return;
    const tip = title(`${s.name}: (${fmtValue(s.x[i]!)}, ${fmtValue(s.y[i]!)})`);
    marks.push(el('path', { d: style.marker, transform: `translate(${num(p[0])},${num(p[1])})` }, markers || end ? tip : ''));
  });
  if (marks.length) parts.push(el('g', { class: 'markers', fill: style.color }, marks));
  return el('g', { class: 'series', 'data-series': s.name, 'data-group': s.group, 'data-variant': s.variant }, parts);
}

function describe(o: LineChartOptions, xType: ScaleType, yType: ScaleType): string {
  const names = o.series.map((s) => s.name).join(', ');
  return `Line chart with ${o.series.length} series (${names}); x: ${o.xLabel ?? 'x'} (${xType} scale), y: ${o.yLabel ?? 'y'} (${yType} scale).` +
    (xType === 'log' || yType === 'log' ? ' Non-positive values are not shown on log axes.' : '');
}

/**
 * Renders a line chart as a standalone SVG string.
 *
 * Non-finite points, and non-positive points on a log axis, are skipped and
 * split the line into segments (never drawn to 0). Each series is a
 * `<g class="series" data-series="name">`; the legend rows carry the same
 * `data-series`.
 *
 * @example
 * const svg = lineChart({
 *   title: 'Loss', xLabel: 'iteration', yLabel: 'loss', yScale: 'log',
 *   series: runs.map((r) => ({ name: r.precond, x: r.trace.iteration, y: r.trace.loss })),
 * });
 * await writeFile('loss.svg', svg);
 */
export function lineChart(o: LineChartOptions): string {
  return lineChartLayout(o).svg;
}

let clipCount = 0;

/** lineChart with its layout: the plot rectangle and axis domains, for hover read-outs and zoom. */
export function lineChartLayout(o: LineChartOptions): LineChartLayout {
  const xType = o.xScale ?? 'linear';
  const yType = o.yScale ?? 'linear';
  const reqW = o.width ?? 640;
  const reqH = o.height ?? 400;
  const x = makeAxis(xType, drawable(o.series, xType, yType, 'x'), Math.max(2, Math.round(reqW / 120)), false, o.xDomain);
  const y = makeAxis(yType, drawable(o.series, xType, yType, 'y'), Math.max(2, Math.round(reqH / 55)), false, o.yDomain);
  const styles = o.series.map((s, i) => ({ ...seriesStyle(i), ...s.style }));
  const grouped = o.legendMode === 'grouped';
  const legend: LegendEntry[] = o.legend === false ? [] : grouped ? groupedLegend(o, styles) : o.series.map((s, i) => ({ name: s.name, style: styles[i]! }));

  const f = frame({
    width: reqW, height: reqH, title: o.title, yLabel: o.yLabel, yTickChars: maxLabelChars(y),
    bottom: 5 + FONT.tickSize + 10 + (o.xLabel ? FONT.size + 12 : 0), legend,
  });
  const r = f.plot;
  x.scale.range([r.left, r.left + r.width]);
  y.scale.range([r.top + r.height, r.top]);

  const projected = o.series.map((s) => project(s, x, y));
  const empty = projected.every((pts) => pts.every((p) => p === null));
  const zoomed = o.xDomain !== undefined || o.yDomain !== undefined;
  const clip = zoomed ? `${o.id ?? 'dspgd'}-clip-${++clipCount}` : undefined;
  const body = [
    clip ? el('defs', {}, el('clipPath', { id: clip }, el('rect', { x: r.left, y: r.top, width: r.width, height: r.height }))) : '',
    renderTitle(o.title, f.width),
    renderGrid(x, y, r),
    renderXAxis(x, r, o.xLabel),
    renderYAxis(y, r, o.yLabel, f.yTitleX),
    el('g', { class: 'plot-area', 'clip-path': clip ? `url(#${clip})` : undefined },
      o.series.map((s, i) => renderSeries(s, projected[i]!, styles[i]!, o.markers === true, o.endMarkers === true))),
    empty ? text('no data to show', { x: r.left + r.width / 2, y: r.top + r.height / 2, 'text-anchor': 'middle', fill: FONT.muted }) : '',
    legend.length ? renderLegend(legend, o.markers ? 'line+marker' : 'line', f.legendX, f.legendY) : '',
  ];
  const svg = svgDocument(
    { width: f.width, height: f.height, title: o.title ?? 'Line chart', desc: describe(o, xType, yType), className: 'dspgd-chart dspgd-line-chart' },
    body.join(''),
  );
  const dom = (a: Axis) => (a.scale as unknown as { domain(): [number, number] }).domain();
  return { svg, width: f.width, height: f.height, plot: r, x: { type: xType, domain: dom(x) }, y: { type: yType, domain: dom(y) } };
}

/** Legend rows of a grouped legend: a heading, the groups (colours), a heading, the variants (dashes). */
function groupedLegend(o: LineChartOptions, styles: readonly SeriesStyle[]): LegendEntry[] {
  const groups = new Map<string, SeriesStyle>();
  const variants = new Map<string, SeriesStyle>();
  o.series.forEach((s, i) => {
    const st = styles[i]!;
    if (s.group !== undefined && !groups.has(s.group)) groups.set(s.group, { ...st, dash: undefined });
    if (s.variant !== undefined && !variants.has(s.variant)) variants.set(s.variant, { ...st, color: FONT.muted });
  });
  const none = { color: FONT.muted, dash: undefined, marker: '' };
  return [
    ...(groups.size ? [{ name: o.groupTitle ?? 'group', style: none, role: 'heading' as const }] : []),
    ...[...groups].map(([name, style]) => ({ name, style, role: 'group' as const })),
    ...(variants.size ? [{ name: o.variantTitle ?? 'variant', style: none, role: 'heading' as const }] : []),
    ...[...variants].map(([name, style]) => ({ name, style, role: 'variant' as const })),
  ];
}
