/**
 * The contract with the WASM module, checked when it loads. The numbers (preconditioner and
 * loss ids, the batch record layout, the norm threshold) are declared once, in
 * assembly/abi.ts, and exported by the module as globals: the batch layout and the threshold
 * are read from there, and the ids the TypeScript registries carry must equal the module's.
 * Every export the TypeScript layer calls must exist with the arity written below. A module
 * that disagrees is refused (with noAssert a mismatch would be silent memory corruption).
 */
import { DspgdError } from '../errors.js';
import type { DspgdExports } from './module.js';

type FunctionKeys<T> = { [K in keyof T]: T[K] extends (...a: never[]) => unknown ? K : never }[keyof T];

/** Parameters of every export the TypeScript layer calls (a function's WASM arity). */
export const EXPORT_ARITY = {
  alloc: 1, free: 1, memoryBytes: 0,
  dot: 3, sumsq: 2, norm2: 2, axpy: 4, axpyInto: 5, sub: 4, copy: 3, zero: 2, allFinite: 2,
  matmulXW: 6, matmulXtV: 6,
  residualGrad: 13, residualGradRows: 14, sumStats: 3, residualGradBatch: 8, lossRow: 6,
  residualRows: 8, lossRows: 9, gradPanel: 11,
  gramXXt: 4, gramXXtPacked: 4, gramMetric: 6, gramMetricScratchLen: 1, gramMetricSupports: 1, crossDtS: 5, rightMulAdd: 7,
  spectralRowFactor: 4, spectralRowStep: 11, spectralRowValue: 9,
  powerIterXtX: 7, powerStepXtX: 6,
  lossEval: 7,
  precondGrad: 7, precondValue: 6, precondScratchLen: 3, adamMomentStep: 9, precondStateLen: 2, precondStep: 7,
  cholesky: 3, cholSolve: 4, packLower: 3, lqFactor: 8, lqApplyQ: 7, lqApplyQt: 7, triSolveLower: 7, triSolveLowerT: 7, triangleExtremes: 7,
  lqGatherRows: 5, lqLowerTranspose: 6, lqPow2Scale: 2, lqScaledCopy: 4, orthonormalizeRows: 4, orthonormalizeScratchLen: 2,
  rngSeed: 2, fillNormal: 4, fillUniform: 4, fillGeometric: 3, scaleRows: 4,
} as const satisfies Record<FunctionKeys<DspgdExports>, number>;

/** residualGradBatch's run record, as indices into a Float64Array (read from the module). */
export interface BatchRecord {
  readonly doubles: number;
  readonly W: number; readonly G: number; readonly R: number; readonly D: number; readonly stats: number;
  readonly lossId: number; readonly lossParam: number; readonly scale: number;
}

/** What the TypeScript layer reads from the module's ABI globals. */
export interface Abi {
  readonly batch: BatchRecord;
  /** Below this a sum of squares may have lost bits to subnormal squares (kernels/scaled.ts). */
  readonly sumsqSafeLo: number;
}

/** The module's global for a registry name: 'clip-elementwise' → PRECOND_CLIP_ELEMENTWISE. */
export const abiGlobalName = (prefix: 'PRECOND' | 'LOSS', name: string) => `${prefix}_${name.toUpperCase().replace(/-/g, '_')}`;

/**
 * Compares the raw instance exports with the TypeScript side and returns the layout read
 * from the module; throws E_FORMAT listing every disagreement.
 */
export function checkAbi(raw: Readonly<Record<string, unknown>>, ids: { precond: Readonly<Record<string, number>>; loss: Readonly<Record<string, number>> }): Abi {
  const problems: string[] = [];
  const global = (name: string): number | undefined => {
    const g = raw[name];
    if (!(g instanceof WebAssembly.Global)) {
      problems.push(`global ${name} is missing`);
      return undefined;
    }
    return Number(g.value);
  };
  for (const [prefix, table] of [['PRECOND', ids.precond], ['LOSS', ids.loss]] as const) {
    for (const [name, id] of Object.entries(table)) {
      const g = abiGlobalName(prefix, name);
      const v = global(g);
      if (v !== undefined && v !== id) problems.push(`${g} is ${v} in the module, ${id} here`);
    }
  }
  for (const [name, arity] of Object.entries(EXPORT_ARITY)) {
    const f = raw[name];
    if (typeof f !== 'function') problems.push(`function ${name} is missing`);
    else if (f.length !== arity) problems.push(`function ${name} takes ${f.length} arguments in the module, ${arity} here`);
  }
  const doubles = global('BATCH_RECORD_DOUBLES') ?? 0;
  const field = (name: string): number => {
    const bytes = global(name) ?? 0;
    if (bytes % 8 !== 0 || bytes < 0 || bytes >= doubles * 8) problems.push(`${name} = ${bytes} is not a double inside the ${doubles}-double record`);
    return bytes / 8;
  };
  const batch: BatchRecord = Object.freeze({
    doubles, W: field('BATCH_W'), G: field('BATCH_G'), R: field('BATCH_R'), D: field('BATCH_D'), stats: field('BATCH_STATS'),
    lossId: field('BATCH_LOSS_ID'), lossParam: field('BATCH_LOSS_PARAM'), scale: field('BATCH_SCALE'),
  });
  const sumsqSafeLo = global('SUMSQ_SAFE_LO') ?? 0;
  if (problems.length) {
    throw new DspgdError('E_FORMAT', `the WASM module does not match this version of dspgd (rebuild with npm run build): ${problems.join('; ')}`);
  }
  return Object.freeze({ batch, sumsqSafeLo });
}
