/**
 * Seeded synthetic problems. Numbers come from the WASM generator
 * (assembly/random/xoshiro.ts), so one seed gives the same bytes on every
 * platform, and arrays are written straight into WASM memory.
 *
 * Draw order for a seed (part of the contract, so problems never change):
 * stream 1 → X, stream 2 → teacher weights W*, stream 3 → Y or label noise,
 * stream 4 → W0, streams 5–6 → the orthonormal factors of `spectrum`.
 */
import { DspgdError } from './errors.js';
import { Problem } from './problem.js';
import { requireParam } from './spec.js';
import { checkOptionKeys } from './options.js';
import { getWasm, type Wasm } from './wasm/module.js';
import { GENERATOR_KINDS, type GeneratorKind } from './generator-kinds.js';

export { GENERATOR_KINDS, type GeneratorKind };

export interface GenerateOptions {
  /** Number of samples (rows of X). */
  n: number;
  /** Number of parameters per output (columns of X). */
  d: number;
  /** Number of outputs. Default 1; with k = 1 and `oneD` (default true) labels are 1-D. */
  k?: number;
  /** Integer seed in [0, 2^53). Default 0. */
  seed?: number;
  /**
   * - `gaussian`: X_ij ~ N(0, 1/d), Y_ij ~ N(0, 1).
   * - `teacher`: X as above, W* ~ N(0, 1), Y = X W* + noise·N(0, 1).
   * - `spectrum`: X = U diag(s) V with U (n×n) and V (n×d) random with orthonormal rows and
   *   singular values s geometric from 1 down to 1/cond; Y ~ N(0, 1). Needs n ≤ d.
   */
  kind?: GeneratorKind;
  /** Label noise for `teacher`. Default 0.1. */
  noise?: number;
  /** Condition number for `spectrum`. Default 100. */
  cond?: number;
  /** Initialization: 'zeros' (default) or 'gaussian' (W0_ij ~ N(0, w0Scale²)). */
  w0?: 'zeros' | 'gaussian';
  /** Scale of a gaussian W0. Default 1. */
  w0Scale?: number;
  /** Return 1-D labels when k = 1. Default true. */
  oneD?: boolean;
}

/** Builds a seeded problem directly in WASM memory. */
export async function generate(opts: GenerateOptions): Promise<Problem> {
  if (opts === null || typeof opts !== 'object') {
    throw new DspgdError('E_PARAM', 'generate: expected options { n, d, k?, seed?, kind? }', 'generate');
  }
  checkOptionKeys(opts, ['n', 'd', 'k', 'seed', 'kind', 'noise', 'cond', 'w0', 'w0Scale', 'oneD'] satisfies (keyof GenerateOptions)[], 'generate');
  const { n, d } = opts;
  const k = opts.k ?? 1;
  const seed = opts.seed ?? 0;
  const kind = opts.kind ?? 'gaussian';
  const noise = opts.noise ?? 0.1;
  const cond = opts.cond ?? 100;
  const w0 = opts.w0 ?? 'zeros';
  const w0Scale = opts.w0Scale ?? 1;
  for (const [name, v] of [['n', n], ['d', d], ['k', k]] as const) {
    requireParam(Number.isInteger(v) && v >= 1, name, 'an integer ≥ 1', v);
  }
  requireParam(Number.isInteger(seed) && seed >= 0 && seed <= Number.MAX_SAFE_INTEGER, 'seed', 'an integer in [0, 2^53)', seed);
  if (!GENERATOR_KINDS.includes(kind)) {
    throw new DspgdError('E_UNKNOWN_NAME', `kind: unknown generator "${kind}" (known: ${GENERATOR_KINDS.join(', ')})`, 'kind');
  }
  requireParam(Number.isFinite(noise) && noise >= 0, 'noise', 'a finite number ≥ 0', noise);
  requireParam(Number.isFinite(cond) && cond >= 1, 'cond', 'a finite number ≥ 1', cond);
  requireParam(w0 === 'zeros' || w0 === 'gaussian', 'w0', '"zeros" or "gaussian"', w0);
  requireParam(Number.isFinite(w0Scale) && w0Scale >= 0, 'w0Scale', 'a finite number ≥ 0', w0Scale);
  if (kind === 'spectrum' && n > d) {
    throw new DspgdError('E_PARAM', `kind: "spectrum" needs n ≤ d, got n=${n}, d=${d}`, 'kind');
  }
  const oneD = (opts.oneD ?? true) && k === 1;

  return Problem.allocate(n, d, k, oneD, (wasm, ptr) => {
    const e = wasm.exports;
    const xScale = 1 / Math.sqrt(d);
    if (kind === 'spectrum') {
      fillSpectrum(wasm, n, d, seed, cond, ptr.X);
    } else {
      e.rngSeed(seed, 1);
      e.fillNormal(n * d, ptr.X, 0, xScale);
    }
    if (kind === 'teacher') {
      const Wstar = wasm.allocF64(d * k, 'teacher weights');
      try {
        e.rngSeed(seed, 2);
        e.fillNormal(d * k, Wstar, 0, 1);
        e.matmulXW(n, d, k, ptr.X, Wstar, ptr.Y);
        const noiseBuf = wasm.allocF64(n * k, 'label noise');
        e.rngSeed(seed, 3);
        e.fillNormal(n * k, noiseBuf, 0, noise);
        e.axpy(n * k, 1, noiseBuf, ptr.Y);
        wasm.free(noiseBuf);
      } finally {
        wasm.free(Wstar);
      }
    } else {
      e.rngSeed(seed, 3);
      e.fillNormal(n * k, ptr.Y, 0, 1);
    }
    if (w0 === 'gaussian') {
      e.rngSeed(seed, 4);
      e.fillNormal(d * k, ptr.W0, 0, w0Scale);
    }
  });
}

/** X = U diag(s) V: U n×n and V n×d with orthonormal rows, s_i = cond^(−i/(n−1)). */
function fillSpectrum(wasm: Wasm, n: number, d: number, seed: number, cond: number, X: number): void {
  const e = wasm.exports;
  const scratchLen = e.orthonormalizeScratchLen(n, d);
  const V = X; // V is built in place in X's storage, then scaled and mixed
  const U = wasm.allocF64(n * n, 'spectrum U');
  const tmp = wasm.allocF64(n * d, 'spectrum work');
  const scratch = wasm.allocF64(Math.max(scratchLen, e.orthonormalizeScratchLen(n, n)), 'spectrum scratch');
  const s = wasm.allocF64(n, 'singular values');
  try {
    e.rngSeed(seed, 5);
    e.fillNormal(n * d, V, 0, 1);
    e.orthonormalizeRows(n, d, V, scratch);
    e.rngSeed(seed, 6);
    e.fillNormal(n * n, U, 0, 1);
    e.orthonormalizeRows(n, n, U, scratch);
    // tmp = diag(s) V, then X = U · tmp (U n×n times tmp n×d)
    e.fillGeometric(n, s, cond);
    e.copy(n * d, V, tmp);
    e.scaleRows(n, d, tmp, s);
    e.matmulXW(n, n, d, U, tmp, X);
  } finally {
    wasm.free(U);
    wasm.free(tmp);
    wasm.free(scratch);
    wasm.free(s);
  }
}

/** The prescribed singular values of `spectrum`: geometric from 1 to 1/cond. */
export async function singularValues(n: number, cond: number): Promise<Float64Array> {
  const wasm = await getWasm();
  const p = wasm.allocF64(n, 'singular values');
  try {
    wasm.exports.fillGeometric(n, p, cond);
    return wasm.f64(p, n).slice();
  } finally {
    wasm.free(p);
  }
}
