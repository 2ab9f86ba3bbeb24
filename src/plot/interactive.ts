/**
 * Interactive line charts for the demo page (browser only: DOM): the SVG of lineChartLayout()
 * plus legend toggles, hover read-outs at full precision, drag-to-zoom, and SVG/PNG export.
 *
 * The chart stays a pure function of its options (line.ts); this module keeps the view state
 * (hidden groups, zoom domains) across redraws, so a live chart can be redrawn many times a
 * second without losing what the user switched off or zoomed into.
 *
 * Hover reads the data, not the drawn path: the drawn line is decimated to the pixel, while the
 * read-out names the nearest sample with its exact float64 values (shortest round-trip text).
 */
import { lineChartLayout, type LineChartLayout, type LineChartOptions, type LineSeries } from './line.js';

export interface InteractiveOptions {
  /** File stem for exports ('loss' → loss.svg, loss.png). */
  name: string;
  /** Drag a rectangle on the plot to zoom, double-click (or the button) to go back. Default false. */
  zoom?: boolean;
  /** Width in px; default: the container's width (so the chart is drawn at scale 1 and its 11 px ticks stay 11 px). */
  width?: number;
}

export interface ChartHandle {
  /** Redraws with new options (new data), keeping hidden series and the zoom. */
  update(o: LineChartOptions): void;
  /** Hidden toggles: 'group:NAME', 'variant:NAME' or 'series:NAME'. */
  readonly hidden: ReadonlySet<string>;
  toggle(key: string): void;
  /** The zoom domains, or null when not zoomed. */
  readonly zoomed: { x: [number, number]; y: [number, number] } | null;
  zoomTo(x: [number, number], y: [number, number]): void;
  resetZoom(): void;
  /** The SVG as drawn now (hidden series removed), as a standalone document. */
  svgText(): string;
  /** The chart as a PNG (2× for sharpness). */
  png(): Promise<Blob>;
  /** The sample nearest to a point in SVG coordinates (for tests; hover uses it). */
  nearest(px: number, py: number): { series: string; x: number; y: number; index: number } | null;
  readonly layout: LineChartLayout;
  destroy(): void;
}

const STYLE_ID = 'dspgd-interactive-style';
const CSS = `
.dspgd-ichart { position: relative; }
.dspgd-ichart .dspgd-toolbar { display: flex; gap: 0.4rem; justify-content: flex-end; flex-wrap: wrap; margin: 0 0 0.2rem; }
.dspgd-ichart .dspgd-toolbar button { font: inherit; font-size: 0.8rem; padding: 0.15rem 0.6rem; }
.dspgd-ichart svg { display: block; max-width: 100%; height: auto; touch-action: pan-y; }
.dspgd-ichart [data-toggle], .dspgd-ichart .legend-entry[data-series] { cursor: pointer; }
.dspgd-ichart .legend-entry.off { opacity: 0.35; }
.dspgd-ichart .legend-entry:focus { outline: 2px solid #2160a8; }
.dspgd-ichart .dspgd-readout { position: absolute; pointer-events: none; background: rgba(255,255,255,0.95); color: #1d232a; border: 1px solid #999;
  border-radius: 4px; padding: 0.2rem 0.4rem; font: 12px/1.35 ui-monospace, monospace; white-space: nowrap; z-index: 2; }
.dspgd-ichart .dspgd-readout[hidden] { display: none; }
`;

function ensureStyle(doc: Document): void {
  if (doc.getElementById(STYLE_ID)) return;
  const s = doc.createElement('style');
  s.id = STYLE_ID;
  s.textContent = CSS;
  doc.head.append(s);
}

/** Full precision: the shortest text that reads back to the same float64. */
export function fullPrecision(v: number): string {
  return String(v);
}

/** Data → pixel for one axis of a layout. */
function toPx(axis: LineChartLayout['x'], lo: number, len: number, v: number, flip: boolean): number {
  const [d0, d1] = axis.domain;
  const f = axis.type === 'log' ? Math.log10 : (u: number) => u;
  const t = (f(v) - f(d0)) / (f(d1) - f(d0));
  return flip ? lo + len - t * len : lo + t * len;
}

/** Pixel → data for one axis of a layout. */
function fromPx(axis: LineChartLayout['x'], lo: number, len: number, p: number, flip: boolean): number {
  const [d0, d1] = axis.domain;
  const t = flip ? (lo + len - p) / len : (p - lo) / len;
  if (axis.type === 'log') return 10 ** (Math.log10(d0) + t * (Math.log10(d1) - Math.log10(d0)));
  return d0 + t * (d1 - d0);
}

function seriesHidden(s: LineSeries, hidden: ReadonlySet<string>): boolean {
  return hidden.has(`series:${s.name}`) || (s.group !== undefined && hidden.has(`group:${s.group}`)) || (s.variant !== undefined && hidden.has(`variant:${s.variant}`));
}

function downloadBlob(doc: Document, name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = doc.createElement('a');
  a.href = url;
  a.download = name;
  doc.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Draws an interactive line chart into `container` (its content is replaced). */
export function mountLineChart(container: HTMLElement, options: LineChartOptions, io: InteractiveOptions): ChartHandle {
  const doc = container.ownerDocument;
  ensureStyle(doc);
  container.replaceChildren();
  container.classList.add('dspgd-ichart');
  const bar = doc.createElement('div');
  bar.className = 'dspgd-toolbar';
  const button = (label: string, title: string, on: () => void) => {
    const b = doc.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.title = title;
    b.setAttribute('aria-label', `${label} (${io.name} figure)`);
    b.addEventListener('click', on);
    bar.append(b);
    return b;
  };
  const holder = doc.createElement('div');
  const readout = doc.createElement('div');
  readout.className = 'dspgd-readout';
  readout.hidden = true;
  readout.setAttribute('aria-live', 'polite');
  container.append(bar, holder, readout);

  let opts = options;
  const hidden = new Set<string>();
  let zoom: { x: [number, number]; y: [number, number] } | null = null;
  let layout!: LineChartLayout;
  let svg!: SVGSVGElement;
  let drawnFor = 0;
  // Redrawn at the new width when the container changes size (phone rotation, a panel opening).
  const resize = typeof ResizeObserver === 'undefined' || io.width !== undefined ? undefined : new ResizeObserver(() => {
    if (Math.abs(container.clientWidth - drawnFor) > 8) render();
  });
  resize?.observe(container);

  const render = () => {
    // A pixel or two under the container's width: a fractional width (or a scrollbar appearing)
    // would otherwise scale the SVG down by a hair and its 11 px ticks under 11 px.
    const width = io.width ?? Math.max(300, Math.floor(container.clientWidth || 640) - 2);
    drawnFor = container.clientWidth;
    const height = opts.height ?? Math.round(Math.min(420, Math.max(280, width * 0.62)));
    layout = lineChartLayout({ ...opts, width, height, id: io.name, ...(zoom ? { xDomain: zoom.x, yDomain: zoom.y } : {}) });
    holder.innerHTML = layout.svg;
    svg = holder.querySelector('svg')!;
    // Drawn at its own size: the ticks keep their 11 px (CSS max-width still protects narrow screens).
    svg.style.width = `${layout.width}px`;
    svg.setAttribute('tabindex', '-1');
    // An img's children are presentational, so focusable legend rows inside role="img" would be
    // nested interactive content: the interactive chart is a labelled group instead.
    svg.setAttribute('role', 'group');
    svg.setAttribute('aria-label', opts.title ?? svg.querySelector('title')?.textContent ?? io.name);
    applyHidden();
    svg.querySelectorAll<SVGGElement>('.legend-entry').forEach((entry) => {
      const key = entry.dataset.toggle ?? `series:${entry.dataset.series ?? ''}`;
      entry.setAttribute('tabindex', '0');
      entry.setAttribute('role', 'button');
      entry.setAttribute('aria-pressed', String(!hidden.has(key)));
      const flip = () => handle.toggle(key);
      entry.addEventListener('click', flip);
      entry.addEventListener('keydown', (e: KeyboardEvent) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); flip(); } });
    });
  };

  const applyHidden = () => {
    const bySeries = new Map(opts.series.map((s) => [s.name, s]));
    svg.querySelectorAll<SVGGElement>('g.series').forEach((g) => {
      const s = bySeries.get(g.dataset.series ?? '');
      g.style.display = s && seriesHidden(s, hidden) ? 'none' : '';
    });
    svg.querySelectorAll<SVGGElement>('.legend-entry').forEach((entry) => {
      const key = entry.dataset.toggle ?? `series:${entry.dataset.series ?? ''}`;
      entry.classList.toggle('off', hidden.has(key));
      entry.setAttribute('aria-pressed', String(!hidden.has(key)));
    });
  };

  /** Pointer position in SVG user units (the SVG may be scaled by CSS). */
  const svgPoint = (e: { clientX: number; clientY: number }): [number, number] => {
    const r = svg.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * layout.width, ((e.clientY - r.top) / r.height) * layout.height];
  };
  const inPlot = (x: number, y: number) => {
    const p = layout.plot;
    return x >= p.left && x <= p.left + p.width && y >= p.top && y <= p.top + p.height;
  };

  let drag: { x0: number; y0: number; rect: SVGRectElement } | null = null;
  const onMove = (e: PointerEvent) => {
    const [x, y] = svgPoint(e);
    if (drag) {
      const r = drag.rect;
      r.setAttribute('x', String(Math.min(x, drag.x0)));
      r.setAttribute('y', String(Math.min(y, drag.y0)));
      r.setAttribute('width', String(Math.abs(x - drag.x0)));
      r.setAttribute('height', String(Math.abs(y - drag.y0)));
      return;
    }
    const hit = inPlot(x, y) ? handle.nearest(x, y) : null;
    if (!hit) { readout.hidden = true; return; }
    readout.textContent = `${hit.series}: ${opts.xLabel ?? 'x'} = ${fullPrecision(hit.x)}, ${opts.yLabel ?? 'y'} = ${fullPrecision(hit.y)}`;
    readout.hidden = false;
    const cr = container.getBoundingClientRect();
    readout.style.left = `${Math.min(e.clientX - cr.left + 12, Math.max(0, cr.width - readout.offsetWidth))}px`;
    readout.style.top = `${e.clientY - cr.top + 14}px`;
  };
  const onDown = (e: PointerEvent) => {
    if (!io.zoom || e.button !== 0) return;
    const [x, y] = svgPoint(e);
    if (!inPlot(x, y)) return;
    const rect = doc.createElementNS('http://www.w3.org/2000/svg', 'rect');
    rect.setAttribute('fill', 'rgba(33,96,168,0.12)');
    rect.setAttribute('stroke', '#2160a8');
    rect.setAttribute('class', 'zoom-box');
    svg.append(rect);
    drag = { x0: x, y0: y, rect };
    svg.setPointerCapture?.(e.pointerId);
  };
  const onUp = (e: PointerEvent) => {
    if (!drag) return;
    const [x, y] = svgPoint(e);
    const { x0, y0 } = drag;
    drag.rect.remove();
    drag = null;
    const p = layout.plot;
    const cx = (v: number) => Math.min(Math.max(v, p.left), p.left + p.width);
    const cy = (v: number) => Math.min(Math.max(v, p.top), p.top + p.height);
    if (Math.abs(x - x0) < 6 || Math.abs(y - y0) < 6) return; // a click, not a box
    const xs = [fromPx(layout.x, p.left, p.width, cx(x0), false), fromPx(layout.x, p.left, p.width, cx(x), false)].sort((a, b) => a - b) as [number, number];
    const ys = [fromPx(layout.y, p.top, p.height, cy(y0), true), fromPx(layout.y, p.top, p.height, cy(y), true)].sort((a, b) => a - b) as [number, number];
    handle.zoomTo(xs, ys);
  };
  const onLeave = () => { readout.hidden = true; };
  const onDbl = () => { if (zoom) handle.resetZoom(); };
  holder.addEventListener('pointermove', onMove);
  holder.addEventListener('pointerdown', onDown);
  holder.addEventListener('pointerup', onUp);
  holder.addEventListener('pointerleave', onLeave);
  holder.addEventListener('dblclick', onDbl);

  const resetBtn = io.zoom ? button('Reset zoom', 'Show everything again (or double-click the plot)', () => handle.resetZoom()) : undefined;
  if (resetBtn) resetBtn.disabled = true;
  button('SVG', 'Download this figure as SVG', () => downloadBlob(doc, `${io.name}.svg`, new Blob([handle.svgText()], { type: 'image/svg+xml' })));
  button('PNG', 'Download this figure as PNG', () => { void handle.png().then((b) => downloadBlob(doc, `${io.name}.png`, b)); });

  const handle: ChartHandle = {
    update(o) {
      opts = o;
      render();
    },
    get hidden() { return hidden; },
    toggle(key) {
      if (hidden.has(key)) hidden.delete(key);
      else hidden.add(key);
      applyHidden();
    },
    get zoomed() { return zoom; },
    zoomTo(x, y) {
      zoom = { x, y };
      if (resetBtn) resetBtn.disabled = false;
      render();
    },
    resetZoom() {
      zoom = null;
      if (resetBtn) resetBtn.disabled = true;
      render();
    },
    svgText() {
      const copy = svg.cloneNode(true) as SVGSVGElement;
      copy.querySelectorAll('g.series').forEach((g) => { if ((g as SVGGElement).style.display === 'none') g.remove(); });
      copy.querySelectorAll('.zoom-box').forEach((g) => { g.remove(); });
      copy.removeAttribute('style');
      copy.removeAttribute('tabindex');
      return new XMLSerializer().serializeToString(copy);
    },
    png() {
      const text = handle.svgText();
      const scale = 2;
      return new Promise<Blob>((resolve, reject) => {
        const img = new Image();
        const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
        img.onload = () => {
          const c = doc.createElement('canvas');
          c.width = Math.ceil(layout.width * scale);
          c.height = Math.ceil(layout.height * scale);
          const g = c.getContext('2d')!;
          g.scale(scale, scale);
          g.drawImage(img, 0, 0, layout.width, layout.height);
          URL.revokeObjectURL(url);
          c.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG export failed'))), 'image/png');
        };
        img.onerror = () => { URL.revokeObjectURL(url); reject(new Error('PNG export: the SVG did not load as an image')); };
        img.src = url;
      });
    },
    nearest(px, py) {
      const p = layout.plot;
      let best: { series: string; x: number; y: number; index: number } | null = null;
      let bestD = 24 * 24; // within 24 px
      for (const s of opts.series) {
        if (seriesHidden(s, hidden)) continue;
        const n = Math.min(s.x.length, s.y.length);
        for (let i = 0; i < n; i++) {
          const xv = s.x[i]!, yv = s.y[i]!;
          if (!Number.isFinite(xv) || !Number.isFinite(yv) || (layout.x.type === 'log' && xv <= 0) || (layout.y.type === 'log' && yv <= 0)) continue;
          const dx = toPx(layout.x, p.left, p.width, xv, false) - px;
          const dy = toPx(layout.y, p.top, p.height, yv, true) - py;
          const d2 = dx * dx + dy * dy;
          if (d2 < bestD) { bestD = d2; best = { series: s.name, x: xv, y: yv, index: i }; }
        }
      }
      return best;
    },
    get layout() { return layout; },
    destroy() {
      resize?.disconnect();
      container.replaceChildren();
      container.classList.remove('dspgd-ichart');
    },
  };
  render();
  return handle;
}
