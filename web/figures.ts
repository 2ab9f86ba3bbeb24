/**
 * The demo page's figures and their text summaries (what a screen reader, or anyone who cannot
 * read the chart, gets: the same facts in words). The charts themselves come from src/plot.
 */
import { lineChart } from '../src/plot/index.js';
import type { SolveResult } from '../src/solve.js';
import type { RunRow } from '../src/experiment.js';
import { fmt } from './util.js';

/** What a figure needs of one run. */
export interface FigureRun {
  label: string;
  spec: string;
  lr: number;
  live: { x: number[]; y: number[] };
  result?: SolveResult;
  row?: RunRow;
}

export interface Figure { svg: string; summary: string }

const last = (a: ArrayLike<number>) => (a.length ? a[a.length - 1]! : NaN);

export function lossFigure(runs: readonly FigureRun[]): Figure | undefined {
  const series = runs.map((r) => r.result
    ? { name: r.label, x: r.result.trace.iteration, y: r.result.trace.loss }
    : { name: r.label, x: r.live.x, y: r.live.y });
  if (!series.some((s) => s.x.length)) return undefined;
  const svg = lineChart({ series, xLabel: 'iteration', yLabel: 'loss', yScale: 'log', width: 640, height: 400, legend: series.length <= 16 });
  const finished = runs.filter((r) => r.result);
  const parts = finished.map((r) => `${r.label}: ${fmt(r.result!.trace.loss[0] ?? NaN)} → ${fmt(r.result!.loss)} in ${r.result!.iterations} iterations (${r.result!.status})`);
  const running = runs.length - finished.length;
  const summary = `Loss against iteration, ${runs.length} run${runs.length === 1 ? '' : 's'}${running ? `, ${running} still running` : ''}. `
    + (parts.length ? `${parts.join('; ')}.` : runs.map((r) => `${r.label}: ${fmt(last(r.live.y))} at iteration ${last(r.live.x)}`).join('; '));
  return { svg, summary };
}

/** c against lr for converged runs only (the others have no limit to plot). */
export function cFigure(runs: readonly FigureRun[]): Figure | undefined {
  const rows = runs.map((r) => r.row).filter((r): r is RunRow & { c: number } => !!r && r.status === 'converged' && r.c !== null && Number.isFinite(r.c));
  const by = new Map<string, (RunRow & { c: number })[]>();
  for (const r of rows) by.set(r.precond, [...(by.get(r.precond) ?? []), r]);
  const series = [...by].map(([name, rs]) => {
    rs.sort((a, b) => a.lr - b.lr);
    return { name, x: rs.map((r) => r.lr), y: rs.map((r) => r.c) };
  });
  if (!series.length) return undefined;
  const svg = lineChart({ series, xLabel: 'learning rate', yLabel: 'c', xScale: 'log', markers: true, width: 640, height: 400 });
  const left = runs.filter((r) => r.row && r.row.status !== 'converged').length;
  const summary = `c = ‖W∞ − W0‖ / ‖W_GD∞ − W0‖ against the learning rate, converged runs only${left ? ` (${left} not converged, left out)` : ''}. `
    + series.map((s) => `${s.name}: c from ${Math.min(...s.y).toFixed(6)} to ${Math.max(...s.y).toFixed(6)} over lr ${fmt(s.x[0]!)}–${fmt(s.x[s.x.length - 1]!)}`).join('; ') + '.';
  return { svg, summary };
}
