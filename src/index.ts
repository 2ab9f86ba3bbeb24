/**
 * dspgd: dual space preconditioned gradient descent on overparameterized
 * linear models, with WASM-SIMD kernels and an implicit-bias report.
 *
 * @example
 * import { solve, generate, adam } from 'dspgd';
 * const problem = await generate({ n: 50, d: 200, seed: 1 });
 * const r = await solve(problem, { precond: adam({ eps: 0.05 }), lr: 'auto', tol: 1e-10 });
 * console.log(r.status, r.bias?.relDistToGD, r.bias?.c);
 */
export * from './api.js';
// runGrid with `jobs` (worker threads) replaces the one-thread runGrid of api.ts in Node.
export { runGrid } from './sweep/grid-jobs.js';
import { closeIdleWorkers } from './sweep/workers.js';

/**
 * Ends the worker threads that `runGrid({ jobs })` keeps for this process's next grid, and
 * resolves to how many it ended. After a grid that ended cleanly its workers stay, idle, so that
 * the next grid does not pay their start-up again: at most one per core, only those whose
 * problem took at most 256 MiB (a worker's WASM memory never shrinks), each ended after 60 s
 * unused. They never keep the process from exiting; call this in a long-lived process (a
 * server, a notebook) to have their memory back at once. Node only.
 *
 * @example
 * const r = await runGrid(problems, { preconds: ['gd', 'adam:eps=0.05'], lrs: ['auto'], jobs: 4 });
 * await releaseSweepWorkers();   // the 4 idle workers end now, not in 60 s
 */
export function releaseSweepWorkers(): Promise<number> {
  return closeIdleWorkers();
}

// Node only: reads problem files from disk, binary arrays straight into WASM memory (in a page,
// parse the bytes with parseNpy / parseCsv and pass the matrices to Problem.create).
export { loadProblem, type ProblemFiles, type LoadProblemOptions } from './io/node/problem-files.js';
