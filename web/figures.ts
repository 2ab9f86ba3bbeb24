/**
 * The demo page's figures (web/app.ts calls these): loss curves (live, zoomable), |c − 1| and
 * relDistToGD against lr with the lr-sensitivity beside them, and the geometry of implicit bias
 * (each run's path in the plane of distance to W_GD∞ within the row space and null-space part).
 * Colour by preconditioner, dash by learning rate, the same in every figure; legends toggle
 * series; every figure exports as SVG and PNG. Non-converged runs are listed apart, never drawn
 * as limits.
 */
import { mountLineChart, type ChartHandle } from '../src/plot/interactive.js';
import { barChart, groupedStyles, type LineSeries, type SeriesStyle } from '../src/plot/index.js';
import type { SolveResult } from '../src/solve.js';
import type { RunRow } from '../src/experiment.js';
import { formatLr } from '../src/util/numbers.js';

/** What the figures read of a page run. */
export interface FigureRun {
  label: string;
  spec: string;
  lr: number;
  /** Live (iteration, loss) pairs from progress events, until the result arrives. */
  live: { x: number[]; y: number[] };
  result?: SolveResult;
  row?: RunRow;
}

export interface FigureElements {
  loss: HTMLElement;
  c: HTMLElement;
  /** Where the bias-path chart goes; created after the c figure when absent. */
  path?: HTMLElement;
}

/** Colour by preconditioner, dash by lr (largest solid), shared by every figure of the page. */
function styles(runs: readonly FigureRun[]): SeriesStyle[] {
  const lrs = [...new Set(runs.map((r) => r.lr))].sort((a, b) => b - a).map(formatLr);
  return groupedStyles(runs.map((r) => ({ group: r.spec, variant: formatLr(r.lr) })), lrs).styles;
}

const converged = (r: FigureRun) => r.result?.status === 'converged' && r.row !== undefined;

export class PageFigures {
  private loss?: ChartHandle;
  private c?: ChartHandle;
  private path?: ChartHandle;
  private readonly pathEl: HTMLElement;
  private readonly cChart: HTMLElement;
  private readonly cSide: HTMLElement;

  constructor(private readonly els: FigureElements) {
    this.pathEl = els.path ?? PageFigures.makePathFigure(els.c);
    const doc = els.c.ownerDocument;
    this.cChart = doc.createElement('div');
    this.cSide = doc.createElement('div');
    this.cSide.className = 'dspgd-c-side';
  }

  /** A figure for the bias path after the one holding `after`, for pages without a slot for it. */
  private static makePathFigure(after: HTMLElement): HTMLElement {
    const doc = after.ownerDocument;
    const fig = doc.createElement('figure');
    const el = doc.createElement('div');
    el.id = 'pathplot';
    el.className = 'plot';
    const cap = doc.createElement('figcaption');
    cap.textContent = 'The geometry of implicit bias: each run from W0 at (1, 0); x = distance to W_GD∞ within the row space, '
      + 'y = null-space part, both over ‖W_GD∞ − W0‖. GD-like methods move along the x axis to (0, 0); elementwise ones leave it, and where a path ends is the bias.';
    fig.append(el, cap);
    (after.closest('figure') ?? after).after(fig);
    return el;
  }

  /** Loss against iteration, live: finished runs from their trace, running ones from progress. */
  drawLoss(runs: readonly FigureRun[]): void {
    const st = styles(runs);
    const series: LineSeries[] = runs.map((r, i) => ({
      name: r.label, group: r.spec, variant: formatLr(r.lr), style: st[i],
      ...(r.result ? { x: r.result.trace.iteration, y: r.result.trace.loss } : { x: r.live.x, y: r.live.y }),
    }));
    if (!series.some((s) => s.x.length)) return;
    const o = {
      series, xLabel: 'iteration', yLabel: 'loss', yScale: 'log' as const, legendMode: 'grouped' as const,
      groupTitle: 'preconditioner', variantTitle: 'learning rate',
    };
    if (this.loss && this.els.loss.contains(this.els.loss.querySelector('svg'))) this.loss.update(o);
    else this.loss = mountLineChart(this.els.loss, o, { name: 'loss', zoom: true });
  }

  /** |c − 1| and relDistToGD against lr (converged runs), lr-sensitivity, and the runs left out. */
  drawBias(runs: readonly FigureRun[]): void {
    const doc = this.els.c.ownerDocument;
    const st = styles(runs);
    const by = new Map<string, { style: SeriesStyle; rows: RunRow[] }>();
    runs.forEach((r, i) => {
      if (!converged(r)) return;
      const g = by.get(r.spec) ?? { style: st[i]!, rows: [] };
      g.rows.push(r.row!);
      by.set(r.spec, g);
    });
    const series: LineSeries[] = [];
    for (const [spec, { style, rows }] of by) {
      const rs = rows.filter((r) => r.c !== null && r.relDistToGD !== null).sort((a, b) => a.lr - b.lr);
      if (!rs.length) continue;
      series.push({ name: `${spec}: |c − 1|`, group: spec, variant: '|c − 1|', style: { ...style, dash: undefined }, x: rs.map((r) => r.lr), y: rs.map((r) => Math.abs(r.c! - 1)) });
      series.push({ name: `${spec}: relDistToGD`, group: spec, variant: 'relDistToGD', style: { ...style, dash: '6 3' }, x: rs.map((r) => r.lr), y: rs.map((r) => r.relDistToGD!) });
    }
    // The side panel (lr-sensitivity, runs left out) sits next to the chart, outside its container.
    this.els.c.replaceChildren(this.cChart);
    if (!this.cSide.isConnected) this.els.c.after(this.cSide);
    this.c?.destroy();
    this.c = undefined;
    if (series.length) {
      this.c = mountLineChart(this.cChart, {
        series, xLabel: 'learning rate', yLabel: '|c − 1|, relDistToGD', xScale: 'log', yScale: 'log', markers: true,
        legendMode: 'grouped', groupTitle: 'preconditioner', variantTitle: 'quantity',
      }, { name: 'c-vs-lr' });
    } else {
      this.cChart.textContent = 'No converged run with a reference: nothing to plot against the learning rate.';
    }
    // lr-sensitivity: one bar per preconditioner with two or more converged learning rates.
    const sens = [...by].map(([spec, g]) => ({ spec, v: g.rows[0]!.lrSensitivity })).filter((b): b is { spec: string; v: number } => b.v !== null);
    const side: Node[] = [];
    if (sens.length) {
      const box = doc.createElement('div');
      box.className = 'dspgd-sens';
      box.innerHTML = barChart({
        title: 'lr-sensitivity', yLabel: '‖W∞(η₁) − W∞(η₂)‖ / ‖W_GD∞ − W0‖', yScale: 'log', width: Math.max(320, 120 + 36 * sens.length), height: 300,
        categories: sens.map((s) => s.spec), groups: [{ name: 'lr-sensitivity', values: sens.map((s) => s.v) }], legend: false,
      });
      side.push(box);
    }
    const left = runs.filter((r) => r.result && !converged(r));
    if (left.length) {
      const p = doc.createElement('p');
      p.className = 'dspgd-left-out';
      p.textContent = `Not converged, not drawn (their c is not a limit): ${left.map((r) => `${r.label} (${r.result!.status}, c = ${r.result!.bias?.c === null || r.result!.bias?.c === undefined ? 'n/a' : r.result!.bias.c.toPrecision(4)} provisional)`).join('; ')}.`;
      side.push(p);
    }
    this.cSide.replaceChildren(...side);
    this.drawPath(runs, st);
  }

  private drawPath(runs: readonly FigureRun[], st: SeriesStyle[]): void {
    const series: LineSeries[] = [];
    runs.forEach((r, i) => {
      const p = r.result?.bias?.path;
      if (!p || !(p.gdNorm > 0)) return;
      series.push({
        name: `${r.label}${r.result!.status === 'converged' ? '' : ` (${r.result!.status})`}`, group: r.spec, variant: formatLr(r.lr), style: st[i],
        x: Array.from(p.rowDistance, (v) => v / p.gdNorm), y: Array.from(p.nullPart, (v) => v / p.gdNorm),
      });
    });
    this.path?.destroy();
    this.path = undefined;
    this.pathEl.replaceChildren();
    if (!series.length) return;
    this.path = mountLineChart(this.pathEl, {
      series, xLabel: '‖P_row(W_t − W_GD∞)‖ / ‖W_GD∞ − W0‖', yLabel: '‖P_null(W_t − W0)‖ / ‖W_GD∞ − W0‖', endMarkers: true,
      legendMode: 'grouped', groupTitle: 'preconditioner', variantTitle: 'learning rate',
    }, { name: 'bias-path', zoom: true });
  }

  clear(): void {
    for (const h of [this.loss, this.c, this.path]) h?.destroy();
    this.loss = this.c = this.path = undefined;
    this.els.loss.replaceChildren();
    this.els.c.replaceChildren();
    this.cSide.replaceChildren();
    this.pathEl.replaceChildren();
  }

  /** The chart handles (for tests: hover, toggles, zoom, export). */
  get charts(): { loss?: ChartHandle; c?: ChartHandle; path?: ChartHandle } {
    return { loss: this.loss, c: this.c, path: this.path };
  }
}

/** A run's trace and bias path for the JSON download (non-finite numbers as strings, as result.json). */
export function traceJson(r: SolveResult): Record<string, unknown> {
  const arr = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isFinite(v) ? v : String(v)));
  const p = r.bias?.path;
  return {
    trace: { every: r.trace.every, iteration: arr(r.trace.iteration), loss: arr(r.trace.loss), relResidual: arr(r.trace.relResidual), gradNorm: arr(r.trace.gradNorm) },
    ...(p ? { biasPath: { gdNorm: p.gdNorm, iteration: arr(p.iteration), rowDistance: arr(p.rowDistance), nullPart: arr(p.nullPart) } } : {}),
  };
}
