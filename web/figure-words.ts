/**
 * The demo page's figures in words: what a screen reader, or anyone who cannot read a chart, gets
 * (the same facts as the chart, shown under it in a "In words" disclosure).
 */
import type { SolveResult } from '../src/solve.js';
import type { RunRow } from '../src/experiment.js';
import { fmt } from './util.js';

/** What the summaries read of a page run. */
export interface WordsRun {
  label: string;
  live: { x: number[]; y: number[] };
  result?: SolveResult;
  row?: RunRow;
}

const last = (a: ArrayLike<number>) => (a.length ? a[a.length - 1]! : Number.NaN);

/** Loss against iteration: where each run started and ended, in how many iterations, with what status. */
export function lossWords(runs: readonly WordsRun[]): string {
  if (!runs.some((r) => r.result || r.live.x.length)) return '';
  const finished = runs.filter((r) => r.result);
  const running = runs.length - finished.length;
  const parts = finished.length
    ? finished.map((r) => `${r.label}: ${fmt(r.result!.trace.loss[0] ?? Number.NaN)} → ${fmt(r.result!.loss)} in ${r.result!.iterations} iterations (${r.result!.status})`)
    : runs.map((r) => `${r.label}: ${fmt(last(r.live.y))} at iteration ${last(r.live.x)}`);
  return `Loss against iteration, ${runs.length} run${runs.length === 1 ? '' : 's'}${running ? `, ${running} still running` : ''}. ${parts.join('; ')}.`;
}

/** c against lr: the range of c per preconditioner over its converged runs; the others left out. */
export function cWords(runs: readonly WordsRun[]): string {
  const by = new Map<string, RunRow[]>();
  for (const r of runs) {
    if (r.row?.status === 'converged' && r.row.c !== null && Number.isFinite(r.row.c)) by.set(r.row.precond, [...(by.get(r.row.precond) ?? []), r.row]);
  }
  if (!by.size) return '';
  const left = runs.filter((r) => r.row && r.row.status !== 'converged').length;
  const each = [...by].map(([name, rs]) => {
    const c = rs.map((r) => r.c!), lr = rs.map((r) => r.lr);
    return `${name}: c from ${Math.min(...c).toFixed(6)} to ${Math.max(...c).toFixed(6)} over lr ${fmt(Math.min(...lr))}–${fmt(Math.max(...lr))}`;
  });
  return `c = ‖W∞ − W0‖ / ‖W_GD∞ − W0‖ against the learning rate, converged runs only${left ? ` (${left} not converged, left out)` : ''}. ${each.join('; ')}.`;
}
