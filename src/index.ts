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

// Node only: reads problem files from disk, binary arrays straight into WASM memory (in a page,
// parse the bytes with parseNpy / parseCsv and pass the matrices to Problem.create).
export { loadProblem, type ProblemFiles, type LoadProblemOptions } from './io/node/problem-files.js';
