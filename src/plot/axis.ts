/**
 * Continuous axes shared by the chart types: domain choice (robust to empty,
 * constant and non-positive data), ticks and tick labels from d3-scale /
 * d3-format, and rendering of gridlines, tick marks and axis titles.
 */
import { scaleLinear, scaleLog } from 'd3-scale';
import { FONT, el, text, num } from './svg.js';

/** How a continuous axis maps values to pixels. */
export type ScaleType = 'linear' | 'log';

/** A tick: its value, its label (`null` for unlabelled minor ticks on log axes). */
export interface Tick {
  value: number;
  label: string | null;
}

/**
 * The part of a d3 continuous scale the charts use. Its own type rather than d3-scale's, so the
 * published .d.ts (reachable through ScaleType) compile without @types/d3-scale.
 */
export interface AxisScale {
  (value: number): number;
  range(range: [number, number]): unknown;
}

/** A continuous axis: a d3 scale whose range is set once the layout is known. */
export interface Axis {
  type: ScaleType;
  scale: AxisScale;
  ticks: Tick[];
}

/** The plot rectangle inside the SVG, in px. */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Whether `v` can be placed on an axis of this type (log axes have no room for ≤ 0). */
export function accepts(type: ScaleType, v: number): boolean {
  return Number.isFinite(v) && (type === 'linear' || v > 0);
}

function extent(values: Iterable<number>, type: ScaleType): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!accepts(type, v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

function linearDomain(ext: [number, number] | null, includeZero: boolean, count: number): [number, number] {
  let [lo, hi] = ext ?? [0, 1];
  if (includeZero) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (lo === hi) {
    // A constant series: pad by 10% of its magnitude (or ±1 around 0) so it
    // sits mid-plot with meaningful ticks instead of a degenerate scale.
    const pad = Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const niced = scaleLinear().domain([lo, hi]).nice(count).domain() as [number, number];
  // nice() can overflow to ±Infinity next to Number.MAX_VALUE; keep the raw domain then.
  return niced.every(Number.isFinite) ? niced : [lo, hi];
}

function logDomain(ext: [number, number] | null): [number, number] {
  const [lo, hi] = ext ?? [1, 10];
  // nice() widens to whole decades, which makes every labelled tick a power
  // of ten and turns a tiny span (e.g. 2…2.000001) into a full decade.
  let d = scaleLog().domain([lo, hi]).nice().domain() as [number, number];
  if (!(d[0] < d[1])) {
    // Constant at an exact power of ten: nice() cannot widen it, so show the decade either side.
    d = [lo / 10, hi * 10];
  }
  return d.every((v) => Number.isFinite(v) && v > 0) ? d : [lo, hi];
}

/** Label of a power-of-ten tick, e.g. 1e-12 → "10⁻¹²" (plain Unicode, so it needs no tspan tricks to render). */
export function powerOfTenLabel(exponent: number): string {
  const sup: Record<string, string> = {
    '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹',
  };
  return `10${[...String(exponent)].map((c) => sup[c] ?? c).join('')}`;
}

/** The decimal exponent of `v` if it is (to round-off) a power of ten, else null. */
function decade(v: number): number | null {
  const e = Math.round(Math.log10(v));
  return Math.abs(Math.log10(v) - e) < 1e-9 ? e : null;
}

/**
 * Builds an axis for `values`. `tickCount` is a hint passed to d3.
 * `includeZero` (linear only) anchors bar charts at 0.
 */
export function makeAxis(type: ScaleType, values: Iterable<number>, tickCount: number, includeZero = false, domain?: readonly [number, number]): Axis {
  // A given domain (a zoomed view) is taken as is, not widened to nice values.
  const fixed = domain && domain[0] < domain[1] && domain.every((v) => accepts(type, v)) ? [domain[0], domain[1]] as [number, number] : undefined;
  const ext = fixed ? null : extent(values, type);
  if (type === 'log') {
    const scale = scaleLog().domain(fixed ?? logDomain(ext));
    // d3 gives powers of ten (possibly every k-th) for wide domains and 1…9 × 10^k for
    // narrow ones; only the powers are labelled so the labels stay short and uniform.
    let ticks = scale.ticks(tickCount).map((value) => {
      const e = decade(value);
      return { value, label: e === null ? null : powerOfTenLabel(e) };
    });
    // A zoomed view inside one decade has no power of ten: label its ticks plainly instead.
    if (!ticks.some((t) => t.label !== null)) {
      const fmt = scale.tickFormat(tickCount, '.3~g');
      ticks = scale.ticks(tickCount).map((value) => ({ value, label: fmt(value).replace('e+', 'e').replace(/-/g, '−') }));
    }
    return { type, scale, ticks };
  }
  const scale = scaleLinear().domain(fixed ?? linearDomain(ext, includeZero, tickCount));
  const [d0, d1] = scale.domain() as [number, number];
  const mag = Math.max(Math.abs(d0), Math.abs(d1));
  const values_ = scale.ticks(tickCount);
  if (d1 - d0 < 1e-4 * mag) return { type, scale, ticks: offsetTicks(values_, d1 - d0) };
  // tickFormat picks a d3-format precision from the tick step. Plain grouped
  // decimals ("20,000", "0.0025") read best in the everyday range; outside it
  // they get long, so exponent notation ("2e−8", "5e5") takes over. Hyphens become
  // true minus signs (U+2212), which line up with the digits.
  const fmt = scale.tickFormat(tickCount, mag >= 1e6 || mag < 1e-3 ? '~e' : ',~f');
  const label = (v: number) => (v === 0 ? '0' : fmt(v).replace('e+', 'e').replace(/-/g, '−'));
  const ticks = values_.map((value) => ({ value, label: label(value) }));
  return { type, scale, ticks };
}

/**
 * Ticks of a span tiny against its magnitude (c from 0.999999999995 to 1.000000000005): each
 * label is a short base plus an offset ("1 + 5e−12"), not 13 significant digits that differ in
 * the last two. The base is the tick with the shortest decimal form.
 */
function offsetTicks(values: number[], span: number): Tick[] {
  if (values.length === 0) return [];
  const step = values.length > 1 ? Math.abs(values[1]! - values[0]!) : span;
  // The base is a tick itself (so the offsets are whole steps), the one with the shortest form.
  const base = values.reduce((b, v) => (String(v).length < String(b).length ? v : b), values[0]!);
  const digits = Math.min(17, Math.max(1, Math.ceil(Math.log10(Math.abs(base) / step)) + 2));
  const baseLabel = (String(base).length <= digits + 2 ? String(base) : String(Number(base.toPrecision(digits)))).replace(/-/g, '−');
  return values.map((value) => {
    const off = value - base;
    if (Math.abs(off) < step * 1e-6) return { value, label: baseLabel };
    // Two significant digits: the offsets are multiples of a 1-2-5 step.
    const mag = Math.abs(off).toExponential(1).replace(/\.0e/, 'e').replace('e+', 'e').replace(/-/g, '−');
    return { value, label: `${baseLabel} ${off < 0 ? '−' : '+'} ${mag}` };
  });
}

/** Pixel position of `v`, or null when it cannot be drawn (outside the axis' type or non-finite after mapping). */
export function position(axis: Axis, v: number): number | null {
  if (!accepts(axis.type, v)) return null;
  const p = axis.scale(v);
  return Number.isFinite(p) ? p : null;
}

/** Widest tick label, in characters (for margin sizing). */
export function maxLabelChars(axis: Axis): number {
  return Math.max(0, ...axis.ticks.map((t) => (t.label === null ? 0 : [...t.label].length)));
}

const TICK = 5;
const MINOR_TICK = 3;

/** Gridlines at labelled ticks, drawn first so data sits on top. */
export function renderGrid(x: Axis | null, y: Axis | null, r: Rect): string {
  const lines: string[] = [];
  for (const t of x?.ticks ?? []) {
    const p = t.label === null ? null : position(x!, t.value);
    if (p !== null) lines.push(`M${num(p)},${num(r.top)}V${num(r.top + r.height)}`);
  }
  for (const t of y?.ticks ?? []) {
    const p = t.label === null ? null : position(y!, t.value);
    if (p !== null) lines.push(`M${num(r.left)},${num(p)}H${num(r.left + r.width)}`);
  }
  return lines.length ? el('path', { class: 'grid', d: lines.join(''), stroke: FONT.grid, 'stroke-width': 1, fill: 'none' }) : '';
}

/** Bottom axis: baseline, ticks, labels and the axis title. */
export function renderXAxis(axis: Axis, r: Rect, label: string | undefined): string {
  const y0 = r.top + r.height;
  const parts: string[] = [el('path', { d: `M${num(r.left)},${num(y0)}H${num(r.left + r.width)}`, stroke: FONT.axis, fill: 'none' })];
  const marks: string[] = [];
  for (const t of axis.ticks) {
    const p = position(axis, t.value);
    if (p === null) continue;
    marks.push(`M${num(p)},${num(y0)}v${t.label === null ? MINOR_TICK : TICK}`);
    if (t.label !== null) {
      parts.push(text(t.label, { x: p, y: y0 + TICK + FONT.tickSize + 2, 'text-anchor': 'middle', 'font-size': FONT.tickSize, fill: FONT.muted }));
    }
  }
  if (marks.length) parts.push(el('path', { d: marks.join(''), stroke: FONT.axis, fill: 'none' }));
  if (label) {
    parts.push(text(label, { class: 'axis-label', x: r.left + r.width / 2, y: y0 + TICK + FONT.tickSize + 8 + FONT.size + 4, 'text-anchor': 'middle' }));
  }
  return el('g', { class: 'axis x-axis' }, parts);
}

/** Left axis: baseline, ticks, labels and the rotated axis title at `titleX`. */
export function renderYAxis(axis: Axis, r: Rect, label: string | undefined, titleX: number): string {
  const parts: string[] = [el('path', { d: `M${num(r.left)},${num(r.top)}V${num(r.top + r.height)}`, stroke: FONT.axis, fill: 'none' })];
  const marks: string[] = [];
  for (const t of axis.ticks) {
    const p = position(axis, t.value);
    if (p === null) continue;
    marks.push(`M${num(r.left)},${num(p)}h${-(t.label === null ? MINOR_TICK : TICK)}`);
    if (t.label !== null) {
      // dy .32em centres digits on the tick without relying on dominant-baseline (unsupported in some renderers).
      parts.push(text(t.label, { x: r.left - TICK - 3, y: p, dy: '0.32em', 'text-anchor': 'end', 'font-size': FONT.tickSize, fill: FONT.muted }));
    }
  }
  if (marks.length) parts.push(el('path', { d: marks.join(''), stroke: FONT.axis, fill: 'none' }));
  if (label) {
    const cy = r.top + r.height / 2;
    parts.push(text(label, { class: 'axis-label', x: titleX, y: cy, 'text-anchor': 'middle', transform: `rotate(-90 ${num(titleX)} ${num(cy)})` }));
  }
  return el('g', { class: 'axis y-axis' }, parts);
}

/** The chart title, centred over the whole SVG. */
export function renderTitle(s: string | undefined, width: number): string {
  return s ? text(s, { class: 'chart-title', x: width / 2, y: 22, 'text-anchor': 'middle', 'font-size': FONT.titleSize, 'font-weight': 'bold' }) : '';
}

