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
export { solve, solveBatch, type SolveOptions, type SolveResult, type Progress, type PathOption, type BatchOptions } from './solve.js';
export { Problem, requiredBytes, type ProblemData } from './problem.js';
export { loadProblem, type ProblemFiles, type LoadProblemOptions } from './io/node/problem-files.js';
export { generate, singularValues, GENERATOR_KINDS, type GenerateOptions, type GeneratorKind } from './generate.js';
export { DspgdError, isDspgdError, type DspgdErrorCode } from './errors.js';
export type { Matrix, MatrixInput } from './matrix.js';
export { toNested } from './matrix.js';
export { STATUSES, type Status, type StoppingOptions, type StallOptions } from './stopping.js';
export type { Trace } from './trace.js';
export type { BiasReport } from './bias/report.js';
export { suggestLearningRate } from './lr.js';
export { squared, huber, logcosh, lp, resolveLoss, LOSSES, LOSS_NAMES, type Loss, type Reduction } from './losses/index.js';
export * from './precond/index.js';
export { parseSpec, formatSpec } from './spec.js';
export { setWasmSource } from './wasm/module.js';
