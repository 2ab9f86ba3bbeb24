/**
 * What the demo experiment (demo.ts) runs: its problem, preconditioners, learning rates and
 * tolerance, apart from the code that runs it, so the CLI's flag definitions and the sweep's
 * defaults can name them without loading the solver.
 */
import type { GenerateOptions } from './generate.js';

/** Parameters under which each converges to round-off within the demo's budget (power: any p > 2 converges, p near 2 does so fast). */
export const DEMO_PRECONDS: readonly string[] = [
  'gd', 'normalized:eps=0.1', 'clip:c=0.5', 'power:p=2.2', 'colnorm:eps=0.1', 'spectral:eps=0.1',
  'adam:eps=0.1', 'sign:eps=0.1', 'clip-elementwise:c=0.05', 'rownorm:eps=0.1',
];

/** k = 3 so that the per-column (colnorm), spectral and per-row (rownorm) maps differ from their k = 1 special cases. */
export const DEMO_PROBLEM: GenerateOptions = { kind: 'gaussian', n: 40, d: 120, k: 3, seed: 7 };

/** Learning rates as multiples of the suggested stable step η*. */
export const DEMO_LR_FACTORS: readonly number[] = [1, 0.5, 0.25, 0.125];

export const DEMO_TOL = 1e-12;
