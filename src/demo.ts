/**
 * The demo experiment behind `npm start`: one seeded overparameterized
 * problem, every built-in preconditioner at two learning rates, and the
 * implicit-bias numbers that show the three predictions of the theory.
 */
import { generate, type GenerateOptions } from './generate.js';
import { solve, type SolveResult } from './solve.js';
import { resolvePrecond } from './precond/index.js';
import { suggestLearningRate } from './lr.js';
import type { Status } from './stopping.js';

/** The preconditioners the demo runs, with parameters under which each converges to round-off in a few thousand steps. */
export const DEMO_PRECONDS: readonly string[] = [
  'gd', 'normalized:eps=0.1', 'clip:c=0.5', 'power:p=2.2', 'colnorm:eps=0.1', 'spectral:eps=0.1',
  'adam:eps=0.1', 'sign:eps=0.1', 'clip-elementwise:c=0.05', 'rownorm:eps=0.1',
];

export const DEMO_PROBLEM: GenerateOptions = { kind: 'gaussian', n: 40, d: 120, k: 3, seed: 7 };

/** Learning rates as multiples of the suggested (always-stable) one. */
export const DEMO_LR_FACTORS: readonly number[] = [1, 0.25];

export interface DemoRow {
  precond: string;
  isotropic: boolean;
  preservesRowSpace: boolean;
  lr: number;
  lrFactor: number;
  status: Status;
  iterations: number;
  relResidual: number;
  relDistToGD: number;
  c: number;
  nullspaceNorm: number;
  timeMs: number;
}

export interface DemoOptions {
  problem?: GenerateOptions;
  preconds?: readonly string[];
  lrFactors?: readonly number[];
  tol?: number;
  maxIter?: number;
  onRow?: (row: DemoRow, done: number, total: number) => void;
}

export async function runDemo(opts: DemoOptions = {}): Promise<{ rows: DemoRow[]; problem: GenerateOptions; rank: number }> {
  const spec = opts.problem ?? DEMO_PROBLEM;
  const preconds = opts.preconds ?? DEMO_PRECONDS;
  const factors = opts.lrFactors ?? DEMO_LR_FACTORS;
  const problem = await generate(spec);
  const rows: DemoRow[] = [];
  try {
    const total = preconds.length * factors.length;
    for (const s of preconds) {
      const precond = resolvePrecond(s);
      const base = suggestLearningRate(problem, precond);
      for (const f of factors) {
        const r: SolveResult = await solve(problem, {
          precond, lr: base * f, tol: opts.tol ?? 1e-12, maxIter: opts.maxIter ?? 200000, stall: { window: 5000, minDecrease: 1e-4 },
        });
        const row: DemoRow = {
          precond: r.precond.spec, isotropic: r.precond.isotropic, preservesRowSpace: r.precond.preservesRowSpace,
          lr: r.lr, lrFactor: f, status: r.status, iterations: r.iterations, relResidual: r.relResidual,
          relDistToGD: r.bias!.relDistToGD, c: r.bias!.c, nullspaceNorm: r.bias!.nullspaceNorm, timeMs: r.timeMs,
        };
        rows.push(row);
        opts.onRow?.(row, rows.length, total);
      }
    }
    return { rows, problem: spec, rank: problem.gdLimit().rank };
  } finally {
    problem.dispose();
  }
}
