/**
 * A grid of runs on shared problems: preconditioners × learning rates × problems
 * (seeds). The engine behind `dspgd sweep` and `dspgd demo`; every run is one
 * row, and a run that diverges is a row with status 'diverged', not an error.
 */
import { solve, solveBatch, type SolveResult, type SolveOptions } from './solve.js';
import { resolvePrecond, type Preconditioner } from './precond/index.js';
import type { Problem } from './problem.js';
import type { Loss, Reduction } from './losses/index.js';
import type { Status, StallOptions } from './stopping.js';
import { suggestLearningRate } from './lr.js';
import { formatLr } from './util/numbers.js';
import { parseLr, type LrSpec, type LrText } from './lr-spec.js';
import { checkOptionKeys, GRID_OPTION_KEYS } from './options.js';

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
  relDistToGD: number;
  c: number;
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
}

export interface GridResult {
  rows: RunRow[];
  traces: RunTrace[];
  /** True when the signal stopped the grid early (the rows hold the finished runs and the interrupted one). */
  aborted: boolean;
}

export async function runGrid(problems: readonly GridProblem[], o: GridOptions): Promise<GridResult> {
  checkOptionKeys(o, GRID_OPTION_KEYS, 'options');
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
    for (const precond of preconds) {
      for (const lrSpec of lrs) {
        const lr = typeof lrSpec === 'number'
          ? lrSpec
          : lrSpec.autoFactor * suggestLearningRate(problem, precond, o.loss, o.reduction);
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
    const record = (i: number, r: SolveResult) => {
      [slot[i], slotTrace[i]] = toRow(r, seed);
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
    for (let i = 0; i < runs.length && slot[i]; i++) {
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
    relDistToGD: b.relDistToGD, c: b.c, rowspaceNorm: b.rowspaceNorm, nullspaceNorm: b.nullspaceNorm, timeMs: r.timeMs,
  };
}

function toRow(r: SolveResult, seed: number | null): [RunRow, RunTrace] {
  const row = runRow(r, seed);
  const trace: RunTrace = {
    label: `${row.precond} @ lr ${fmtLr(row.lr)}${seed === null ? '' : ` (seed ${seed})`}`,
    precond: row.precond, lr: row.lr, seed,
    iteration: r.trace.iteration, loss: r.trace.loss, relResidual: r.trace.relResidual,
  };
  return [row, trace];
}

/** A learning rate in labels and tables: 4 significant digits (src/util/numbers.ts). */
export const fmtLr = formatLr;

/** Columns of sweep.csv / sweep.json rows, in order. */
export const ROW_COLUMNS = ['precond', 'params', 'lr', 'seed', 'status', 'iterations', 'relResidual', 'relDistToGD', 'c',
  'rowspaceNorm', 'nullspaceNorm', 'timeMs', 'isotropic', 'preservesRowSpace', 'stateful'] as const;
