/**
 * The library's API as a browser gets it: everything of src/index.ts except
 * loadProblem (it reads files from disk; in a page, parse the bytes with
 * parseNpy / parseCsv and pass the matrices to Problem.create), plus the
 * in-memory readers and writers, the table/plot helpers and the worker runner.
 */
export { solve, solveBatch, type SolveOptions, type SolveResult, type Progress, type PathOption, type BatchOptions } from '../solve.js';
export { Problem, requiredBytes, type ProblemData } from '../problem.js';
export { generate, singularValues, GENERATOR_KINDS, type GenerateOptions, type GeneratorKind } from '../generate.js';
export { DspgdError, isDspgdError, type DspgdErrorCode } from '../errors.js';
export type { Matrix, MatrixInput } from '../matrix.js';
export { toNested } from '../matrix.js';
export { STATUSES, type Status, type StoppingOptions, type StallOptions } from '../stopping.js';
export type { Trace } from '../trace.js';
export type { BiasReport } from '../bias/report.js';
export { suggestLearningRate } from '../lr.js';
export { squared, huber, logcosh, lp, resolveLoss, LOSSES, LOSS_NAMES, type Loss, type Reduction } from '../losses/index.js';
export * from '../precond/index.js';
export { parseSpec, formatSpec } from '../spec.js';
export { setWasmSource } from '../wasm/module.js';
export { runGrid, ROW_COLUMNS, type GridOptions, type GridResult, type RunRow, type RunTrace, type LrSpec } from '../experiment.js';
export { parseNpy, encodeNpy } from '../io/npy.js';
export { parseNpz, encodeNpz } from '../io/npz.js';
export { parseCsv, encodeCsv } from '../io/csv.js';
export { parseJsonMatrix, encodeJsonMatrix } from '../io/json.js';
export { rowsToCsv, rowsToJson, formatTable } from '../report/table.js';
export { lineChart, barChart } from '../plot/index.js';
export * from '../worker/index.js';
