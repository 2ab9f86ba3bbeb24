/**
 * A grid of runs on shared problems: preconditioners × learning rates × problems
 * (seeds). The engine behind `dspgd sweep` and `dspgd demo`; every run is one
 * row, and a run that diverges is a row with status 'diverged', not an error.
 */
import type { BiasPath } from './bias/path.js';
import { solve, solveBatch, type SolveResult, type SolveOptions } from './solve.js';
import { resolvePrecond, type Preconditioner } from './precond/index.js';
import type { Problem } from './problem.js';
import type { Status, StallOptions } from './stopping.js';
import { suggestLearningRate, startStats, type StartStats } from './lr.js';
import { resolveLoss, type Loss, type Reduction } from './losses/index.js';
import { formatLr } from './util/numbers.js';
import { parseLr, type LrSpec, type LrText } from './lr-spec.js';
import { checkOptionKeys, GRID_OPTION_KEYS } from './options.js';
import { DspgdError } from './errors.js';

/** One run's numbers (a row of sweep.json / sweep.csv). */
export interface RunRow {
  precond: string;          // the spec string, e.g. 'adam:eps=0.1'
  name: string;             // the preconditioner name, e.g. 'adam'
  params: Record<string, number>;
  isotropic: boolean;
  preservesRowSpace: boolean;
  stateful: boolean;
  lr: number;
  seed: number | null;      // null for user data
  status: Status;
  iterations: number;
  relResidual: number;
  /** null where the report has no reference (see BiasReport.referenceNote). */
  relDistToGD: number | null;
  c: number | null;
  /**
   * The lr-sensitivity of this preconditioner's limit on this problem: the largest
   * ‖W∞(η₁) − W∞(η₂)‖ / ‖W_GD∞ − W0‖ over pairs of its converged runs at different learning
   * rates (the same value on each of its rows); null with fewer than two such runs.
   */
  lrSensitivity: number | null;
  rowspaceNorm: number;
  nullspaceNorm: number;
  timeMs: number;
}

/** One run's trace, for the plots. */
export interface RunTrace {
  label: string;            // 'adam:eps=0.1 @ lr 0.01 (seed 1)'
  precond: string;
  lr: number;
  seed: number | null;
  iteration: Float64Array;
  loss: Float64Array;
  relResidual: Float64Array;
  /** The run's path in the bias plane (result.bias.path), for the geometry figure; absent when not recorded. */
  biasPath?: BiasPath;
}

export interface GridProblem {
  problem: Problem;
  seed: number | null;
}

/** A learning rate, or a multiple of the suggested stable step ('auto', '0.25*auto'). */
export type { LrSpec } from './lr-spec.js';

export interface GridOptions {
  preconds: readonly (string | Preconditioner)[];
  /** Numbers, { autoFactor } or the text forms 'auto', '0.25*auto' (src/lr-spec.ts). */
  lrs: readonly (LrSpec | LrText)[];
  loss?: string | Loss;
  reduction?: Reduction;
  tol?: number;
  maxIter?: number;
  stall?: StallOptions | false;
  signal?: AbortSignal;
  /** Called after each run. */
  onRun?: (row: RunRow, done: number, total: number) => void;
  /** Called every 100 iterations inside a run (with batching, runs of one problem interleave). */
  onProgress?: (runIndex: number, iteration: number, relResidual: number, maxIter: number) => void;
  /**
   * Advance the runs of each problem together (solveBatch: one pass over X per iteration for all;
   * each run's numbers are those of a lone solve). Default true; false runs them one by one.
   */
  batch?: boolean;
  /**
   * Worker threads to spread the runs over (Node: `import { runGrid } from 'dspgd'`), each with
   * its own WASM instance; the rows are those of 1 bit for bit, in the same order. Default 1.
   * Browser bundles run a grid in one thread: use createRunner() per worker there.
   */
  jobs?: number;
}

export interface GridResult {
  rows: RunRow[];
  traces: RunTrace[];
  /** True when the signal stopped the grid early (the rows hold the finished runs and the interrupted one). */
  aborted: boolean;
}

export async function runGrid(problems: readonly GridProblem[], o: GridOptions): Promise<GridResult> {
  checkOptionKeys(o, GRID_OPTION_KEYS, 'options');
  if (o.jobs !== undefined && o.jobs !== 1) {
    throw new DspgdError('E_PARAM', `jobs: ${String(o.jobs)} worker threads need the Node build of runGrid (import { runGrid } from 'dspgd' in Node); in a browser, run a grid in one thread or use createRunner() per worker`, 'jobs');
  }
  const preconds = o.preconds.map((p) => resolvePrecond(p, 'precond'));
  const lrs = o.lrs.map((l, i) => (typeof l === 'string' ? parseLr(l, `lrs[${i}]`) : l));
  const total = problems.length * preconds.length * lrs.length;
  const rows: RunRow[] = [];
  const traces: RunTrace[] = [];
  let done = 0;
  for (const { problem, seed } of problems) {
    if (o.signal?.aborted) return { rows, traces, aborted: true };
    const first = rows.length;
    const runs: SolveOptions[] = [];
    // The residual pass at W0 that 'auto' needs depends on the problem and the loss only: once per problem, not per run.
    let start: StartStats | undefined;
    for (const precond of preconds) {
      for (const lrSpec of lrs) {
        const lr = typeof lrSpec === 'number'
          ? lrSpec
          : lrSpec.autoFactor * suggestLearningRate(problem, precond, o.loss, o.reduction,
            start ??= startStats(problem, resolveLoss(o.loss), o.reduction ?? 'sum'));
        const runIndex = first + runs.length;
        runs.push({
          precond, lr, loss: o.loss, reduction: o.reduction, tol: o.tol, maxIter: o.maxIter, stall: o.stall,
          signal: o.signal,
          callback: o.onProgress && ((p) => o.onProgress!(runIndex, p.iteration, p.relResidual, p.maxIter)),
        });
      }
    }
    const slot: (RunRow | undefined)[] = new Array(runs.length);
    const slotTrace: (RunTrace | undefined)[] = new Array(runs.length);
    const slotW: (ArrayLike<number> | undefined)[] = new Array(runs.length);
    const slotGd: number[] = new Array(runs.length).fill(NaN);
    const record = (i: number, r: SolveResult) => {
      [slot[i], slotTrace[i]] = toRow(r, seed);
      // Only what the lr-sensitivity needs: converged runs' W∞ (one d×k copy each, per problem).
      if (r.status === 'converged') slotW[i] = r.W.data;
      slotGd[i] = r.bias?.referenceNorm ?? NaN;
      o.onRun?.(slot[i]!, ++done, total);
    };
    if (o.batch ?? true) {
      await solveBatch(problem, runs, { onDone: record });
    } else {
      for (let i = 0; i < runs.length; i++) {
        record(i, await solve(problem, runs[i]));
        if (slot[i]!.status === 'aborted' && o.signal?.aborted) break;
      }
    }
    let m = 0;
    while (m < runs.length && slot[m]) m++;
    fillLrSensitivity(slot.slice(0, m) as RunRow[], slotW, slotGd);
    for (let i = 0; i < m; i++) {
      rows.push(slot[i]!);
      traces.push(slotTrace[i]!);
    }
    if (o.signal?.aborted) return { rows, traces, aborted: true };
  }
  return { rows, traces, aborted: false };
}

/** One run's row of a sweep table (the result must carry its bias report). */
export function runRow(r: SolveResult, seed: number | null): RunRow {
  const b = r.bias!;
  return {
    precond: r.precond.spec, name: r.precond.name, params: r.precond.params,
    isotropic: r.precond.isotropic, preservesRowSpace: r.precond.preservesRowSpace, stateful: r.precond.stateful,
    lr: r.lr, seed, status: r.status, iterations: r.iterations, relResidual: r.relResidual,
    relDistToGD: b.relDistToGD, c: b.c, lrSensitivity: null, rowspaceNorm: b.rowspaceNorm, nullspaceNorm: b.nullspaceNorm, timeMs: r.timeMs,
  };
}

/**
 * Sets each row's lrSensitivity (see RunRow) from the runs' W∞: rows of one problem, with
 * weights[i] the W∞ of rows[i] (undefined when not kept) and gdNorms[i] its report's referenceNorm
 * (‖W_GD∞ − W0‖, or ‖minimizer − W0‖ for another loss without an interpolant).
 * Counted: converged runs whose report has a reference (relDistToGD not null), grouped by
 * preconditioner spec and seed, pairs at different learning rates.
 */
export function fillLrSensitivity(rows: RunRow[], weights: readonly (ArrayLike<number> | undefined)[], gdNorms: readonly number[]): void {
  const groups = new Map<string, number[]>();
  rows.forEach((r, i) => {
    r.lrSensitivity = null;
    if (r.status !== 'converged' || r.relDistToGD === null || !weights[i]) return;
    const key = `${r.precond}\u0000${r.seed}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  for (const idx of groups.values()) {
    let best: number | null = null;
    for (let a = 0; a < idx.length; a++) {
      for (let b = a + 1; b < idx.length; b++) {
        const ia = idx[a]!, ib = idx[b]!;
        if (rows[ia]!.lr === rows[ib]!.lr) continue;
        const wa = weights[ia]!, wb = weights[ib]!;
        let s = 0;
        for (let j = 0; j < wa.length; j++) { const t = wa[j]! - wb[j]!; s += t * t; }
        const v = Math.sqrt(s) / gdNorms[ia]!;
        if (best === null || v > best) best = v;
      }
    }
    for (const i of idx) rows[i]!.lrSensitivity = best;
  }
}

function toRow(r: SolveResult, seed: number | null): [RunRow, RunTrace] {
  const row = runRow(r, seed);
  const trace: RunTrace = {
    label: `${row.precond} @ lr ${fmtLr(row.lr)}${seed === null ? '' : ` (seed ${seed})`}`,
    precond: row.precond, lr: row.lr, seed,
    iteration: r.trace.iteration, loss: r.trace.loss, relResidual: r.trace.relResidual,
    ...(r.bias?.path ? { biasPath: r.bias.path } : {}),
  };
  return [row, trace];
}

/** A learning rate in labels and tables: 4 significant digits (src/util/numbers.ts). */
export const fmtLr = formatLr;

/** Columns of sweep.csv / sweep.json rows, in order. */
export const ROW_COLUMNS = ['precond', 'params', 'lr', 'seed', 'status', 'iterations', 'relResidual', 'relDistToGD', 'c',
  'lrSensitivity', 'rowspaceNorm', 'nullspaceNorm', 'timeMs', 'isotropic', 'preservesRowSpace', 'stateful'] as const;
