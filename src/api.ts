/**
 * The library's API, one list for both entries: src/index.ts (Node) and
 * src/browser/api.ts (browsers) re-export all of it and add only what exists
 * in one runtime. Everything here runs in any runtime: it reads no files.
 */
export { solve, solveBatch, type SolveOptions, type SolveResult, type Progress, type PathOption, type BatchOptions } from './solve.js';
export { Problem, requiredBytes, type ProblemData } from './problem.js';
export { generate, singularValues, GENERATOR_KINDS, type GenerateOptions, type GeneratorKind } from './generate.js';
export { DspgdError, isDspgdError, type DspgdErrorCode } from './errors.js';
export type { Matrix, MatrixInput } from './matrix.js';
export { toNested } from './matrix.js';
export { STATUSES, type Status, type StoppingOptions, type StallOptions } from './stopping.js';
export { DEFAULTS } from './options.js';
export type { Trace } from './trace.js';
export type { BiasReport } from './bias/report.js';
export type { RunAdvice, Suggestion } from './advice.js';
export { suggestLearningRate, autoLrGuarantee } from './lr.js';
export { parseLr, parseLrList, type LrSpec, type LrText } from './lr-spec.js';
export { squared, huber, logcosh, lp, resolveLoss, LOSSES, LOSS_NAMES, type Loss, type Reduction } from './losses/index.js';
export * from './precond/index.js';
export { parseSpec, formatSpec } from './spec.js';
export { setWasmSource } from './wasm/module.js';
export { runGrid, ROW_COLUMNS, type GridOptions, type GridResult, type RunRow, type RunTrace } from './experiment.js';
// In-memory codecs: bytes or text in, matrices out, and back (a page parses uploads with them;
// a Node script saves W with encodeNpy).
export { parseNpy, encodeNpy } from './io/npy.js';
export { parseNpz, encodeNpz } from './io/npz.js';
export { parseCsv, encodeCsv } from './io/csv.js';
export { parseJsonMatrix, encodeJsonMatrix } from './io/json.js';
export { rowsToCsv, rowsToJson, formatTable } from './report/table.js';
export { lineChart, barChart } from './plot/index.js';
// The solver in a Web Worker (browsers) or a worker thread (Node); also the entry 'dspgd/worker'.
export * from './worker/index.js';
