/**
 * A Problem is X, Y and W0 resident in WASM memory: copied in once, reused by
 * every solve on it, and released by dispose(). It also caches what depends
 * on the data alone: the row-space factorization, the GD limit and λmax(XᵀX).
 */
import { DspgdError } from './errors.js';
import { toDense, toMatrix, type Matrix, type MatrixInput, type Dense } from './matrix.js';
import { getWasm, formatBytes, WASM_MAX_BYTES, WASM_MAX_ARRAY_BYTES, type Wasm } from './wasm/module.js';
import { factorRowSpace, gdLimit, type RowSpaceFactor, type GdLimit } from './linalg/index.js';
import { factorGram, withFallback } from './linalg/gram-factor.js';

/** X with at least this many entries (16 MiB) takes the Gram route to X⁺ (see linalg/gram-factor.ts). */
export const GRAM_ROUTE_MIN_ENTRIES = 1 << 21;

export interface ProblemData {
  /** Data, n×d. */
  X: MatrixInput;
  /** Labels, n×k, or a length-n vector (k = 1; results then come back 1-D). */
  Y: MatrixInput;
  /** Initialization, d×k (or length d when Y is 1-D). Default: zeros. */
  W0?: MatrixInput;
}

/** Doubles a solve needs besides X, Y, W0 (W, G, P, R, D, last good W, trace pairs, adam moments). */
function workDoubles(n: number, d: number, k: number): number {
  return 12 * d * k + 8 * n * k + 64;
}

/**
 * Bytes a problem of this size needs in WASM memory, including one solve and the GD-limit
 * factorization: two n×n matrices on the Gram route (large X with n ≤ d), else a copy of X and
 * a min(n, d)×n factor (the LQ route, taken for every n > d: memory then follows 3·n·d, never
 * n²; an ill-conditioned large X with n ≤ d falls back to it and may then need more).
 */
export function requiredBytes(n: number, d: number, k: number): number {
  // LQ route: the copy of X and, when rank r < n (always for n > d, r ≤ d), the r×n second factor.
  const factor = n * d >= GRAM_ROUTE_MIN_ENTRIES && n <= d ? 2 * n * n : n * d + Math.min(n, d) * n;
  const doubles = n * d /* X */ + n * k /* Y */ + d * k /* W0 */ + workDoubles(n, d, k)
    + factor + 2 * d * k /* W_GD, refinement */ + 4 * n * k + k + 4 * n /* gdLimit work */;
  return doubles * 8;
}

export class Problem {
  readonly n: number;
  readonly d: number;
  readonly k: number;
  /** True when Y was given 1-D: W and W_GD then come back 1-D. */
  readonly labelsOneD: boolean;
  /** Pointers (byte offsets) into WASM memory. */
  readonly ptr: { readonly X: number; readonly Y: number; readonly W0: number };
  /** ‖Y‖_F, used to make the residual relative. */
  readonly yNorm: number;

  private readonly wasm: Wasm;
  private disposed = false;
  private factor?: RowSpaceFactor;
  private gd?: { ptr: number; info: GdLimit; norm: number };
  private lmax?: number;
  private gram?: number;

  private constructor(wasm: Wasm, n: number, d: number, k: number, labelsOneD: boolean, ptr: Problem['ptr']) {
    this.wasm = wasm;
    this.n = n;
    this.d = d;
    this.k = k;
    this.labelsOneD = labelsOneD;
    this.ptr = ptr;
    this.yNorm = wasm.exports.norm2(n * k, ptr.Y);
  }

  /** Validates the data and copies it into WASM memory. */
  static async create(data: ProblemData): Promise<Problem> {
    if (data === null || typeof data !== 'object') {
      throw new DspgdError('E_PARAM', `problem: expected { X, Y, W0? }, got ${String(data)}`, 'problem');
    }
    const X = toDense(data.X, 'X');
    if (X.oneD) {
      throw new DspgdError('E_SHAPE', `X: expected a 2-D matrix (n×d), got a 1-D array of length ${X.rows}`, 'X');
    }
    const Y = toDense(data.Y, 'Y');
    if (Y.rows !== X.rows) {
      throw new DspgdError('E_SHAPE', `Y: expected ${X.rows} rows to match X (${X.rows}×${X.cols}), got ${Y.rows}`, 'Y');
    }
    const n = X.rows, d = X.cols, k = Y.cols;
    let W0: Dense | undefined;
    if (data.W0 !== undefined) {
      W0 = toDense(data.W0, 'W0');
      if (W0.rows !== d || W0.cols !== k) {
        throw new DspgdError('E_SHAPE', `W0: expected shape ${Y.oneD ? `[${d}]` : `[${d}, ${k}]`} (d×k from X and Y), got [${W0.rows}${W0.oneD ? '' : `, ${W0.cols}`}]`, 'W0');
      }
    }
    const wasm = await getWasm();
    checkFits(wasm, n, d, k);
    const ptrs: number[] = [];
    try {
      const pX = wasm.allocF64(n * d, 'X'); ptrs.push(pX);
      const pY = wasm.allocF64(n * k, 'Y'); ptrs.push(pY);
      const pW0 = wasm.allocF64(d * k, 'W0'); ptrs.push(pW0);
      wasm.f64(pX, n * d).set(X.data);
      wasm.f64(pY, n * k).set(Y.data);
      if (W0) wasm.f64(pW0, d * k).set(W0.data);
      return new Problem(wasm, n, d, k, Y.oneD, { X: pX, Y: pY, W0: pW0 });
    } catch (e) {
      for (const p of ptrs) wasm.free(p);
      throw e;
    }
  }

  /**
   * A problem whose arrays are filled in place by `fill` (no JS-side copy of X):
   * used by the seeded generators and by callers that stream data in.
   */
  static async allocate(
    n: number, d: number, k: number, labelsOneD: boolean,
    fill: (wasm: Wasm, ptr: Problem['ptr']) => void,
  ): Promise<Problem> {
    for (const [name, v] of [['n', n], ['d', d], ['k', k]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new DspgdError('E_PARAM', `${name}: expected an integer ≥ 1, got ${v}`, name);
    }
    const wasm = await getWasm();
    checkFits(wasm, n, d, k);
    const pX = wasm.allocF64(n * d, 'X');
    const pY = wasm.allocF64(n * k, 'Y');
    const pW0 = wasm.allocF64(d * k, 'W0');
    const ptr = { X: pX, Y: pY, W0: pW0 };
    try {
      fill(wasm, ptr);
    } catch (e) {
      for (const p of [pX, pY, pW0]) wasm.free(p);
      throw e;
    }
    return new Problem(wasm, n, d, k, labelsOneD, ptr);
  }

  get overparameterized(): boolean {
    return this.n < this.d;
  }

  /** Copies of the data (row-major float64), shapes mirroring the input. */
  get X(): Matrix {
    return toMatrix(this.read(this.ptr.X, this.n * this.d), this.n, this.d, false);
  }
  get Y(): Matrix {
    return toMatrix(this.read(this.ptr.Y, this.n * this.k), this.n, this.k, this.labelsOneD);
  }
  get W0(): Matrix {
    return toMatrix(this.read(this.ptr.W0, this.d * this.k), this.d, this.k, this.labelsOneD);
  }

  /** The rank-revealing factorization of X (computed on first use, then cached). */
  rowSpace(): RowSpaceFactor {
    this.check();
    if (!this.factor) {
      const lq = () => factorRowSpace(this.wasm, this.ptr.X, this.n, this.d);
      // Large X: the Gram route needs two n×n matrices instead of a copy of X.
      const gram = this.n * this.d >= GRAM_ROUTE_MIN_ENTRIES ? factorGram(this.wasm, this.ptr.X, this.n, this.d, this.gram) : undefined;
      this.factor = gram ? withFallback(gram, lq) : lq();
    }
    return this.factor;
  }

  /**
   * W_GD∞ = W0 + X⁺(Y − XW0) in WASM memory (d×k), with rank and interpolation facts and
   * norm = ‖W_GD∞ − W0‖ (the bias report's and the bias path's gdNorm); cached.
   */
  gdLimitPtr(): { ptr: number; info: GdLimit; norm: number } {
    this.check();
    if (!this.gd) {
      const f = this.rowSpace();
      const len = this.d * this.k;
      const ptr = this.wasm.allocF64(len, 'W_GD');
      let norm: number;
      try {
        const info = gdLimit(this.wasm, f, this.ptr.X, this.ptr.Y, this.ptr.W0, this.k, ptr);
        const tmp = this.wasm.allocF64(len, 'W_GD − W0');
        try {
          this.wasm.exports.sub(len, ptr, this.ptr.W0, tmp);
          norm = this.wasm.exports.norm2(len, tmp);
        } finally {
          this.wasm.free(tmp);
        }
        this.gd = { ptr, info, norm };
      } catch (err) {
        this.wasm.free(ptr);
        throw err;
      }
    }
    return this.gd;
  }

  /** The exact GD limit as a Matrix (shape mirrors W0). */
  gdLimit(): Matrix & GdLimit {
    const { ptr, info } = this.gdLimitPtr();
    return { ...toMatrix(this.read(ptr, this.d * this.k), this.d, this.k, this.labelsOneD), ...info };
  }

  /** The Gram matrix XXᵀ (n×n) in WASM memory, for the row-space fast path (computed on first use, then cached). */
  gramPtr(): number {
    this.check();
    if (this.gram === undefined) {
      const p = this.wasm.allocF64(this.n * this.n, 'Gram matrix XXᵀ');
      this.wasm.exports.gramXXt(this.n, this.d, this.ptr.X, p);
      this.gram = p;
    }
    return this.gram;
  }

  /** Whether the Gram matrix is already computed (the path choice counts its cost otherwise). */
  get hasGram(): boolean {
    return this.gram !== undefined;
  }

  /** λmax(XᵀX) by power iteration (a few digits; cached). */
  lambdaMax(): number {
    this.check();
    if (this.lmax === undefined) {
      const { d, n } = this;
      const v = this.wasm.allocF64(d, 'power iteration');
      const u = this.wasm.allocF64(n + d, 'power iteration'); // u (n), then w (d)
      try {
        // A fixed, dense start vector: deterministic and never orthogonal to the top singular vector in practice.
        const vv = this.wasm.f64(v, d);
        for (let j = 0; j < d; j++) vv[j] = 1 + ((j * 7919) % 13) / 13;
        this.lmax = this.wasm.exports.powerIterXtX(n, d, this.ptr.X, v, u, u + 8 * n, 60);
      } finally {
        this.wasm.free(v);
        this.wasm.free(u);
      }
    }
    return this.lmax;
  }

  /** Releases the problem's WASM memory. Using the problem afterwards throws E_DISPOSED. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.factor?.dispose();
    if (this.gd) this.wasm.free(this.gd.ptr);
    if (this.gram !== undefined) this.wasm.free(this.gram);
    this.wasm.free(this.ptr.X);
    this.wasm.free(this.ptr.Y);
    this.wasm.free(this.ptr.W0);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** @internal */
  get wasmInstance(): Wasm {
    this.check();
    return this.wasm;
  }

  private check(): void {
    if (this.disposed) throw new DspgdError('E_DISPOSED', 'problem: used after dispose()', 'problem');
  }

  private read(ptr: number, len: number): Float64Array {
    this.check();
    return this.wasm.f64(ptr, len).slice();
  }
}

function checkFits(wasm: Wasm, n: number, d: number, k: number): void {
  const need = requiredBytes(n, d, k);
  // Live blocks, not the size memory has grown to (which never shrinks after dispose()).
  const inUse = wasm.bytesInUse();
  if (need + inUse > WASM_MAX_BYTES) {
    throw new DspgdError('E_TOO_LARGE',
      `problem: n=${n}, d=${d}, k=${k} needs about ${formatBytes(need)} of WASM memory (X, Y, W, work buffers and the GD-limit factorization), more than the 4 GiB a wasm32 module can address${inUse > 65536 * 32 ? ` with ${formatBytes(inUse)} already in use` : ''}`,
      'X');
  }
  if (n * d * 8 > WASM_MAX_ARRAY_BYTES) {
    throw new DspgdError('E_TOO_LARGE',
      `X: n=${n}, d=${d} is ${formatBytes(n * d * 8)} of float64, more than the ${WASM_MAX_ARRAY_BYTES / 2 ** 20} MiB one array can have in WASM memory`, 'X');
  }
}
