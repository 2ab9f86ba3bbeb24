/**
 * X⁺ through the Gram matrix XXᵀ, for the common case of a full-row-rank,
 * reasonably conditioned X (n ≤ d): the memory-lean alternative to the LQ
 * factorization in row-space.ts, which needs a full copy of X.
 *
 * Method (semi-normal equations with iterative refinement). XXᵀ = LLᵀ by
 * Cholesky; X⁺B = Xᵀz with XXᵀz = B. A first z from the Cholesky solve is
 * refined by z ← z + (LLᵀ)⁻¹(B − X(Xᵀz)), the residual always computed through
 * X itself, never through the Gram matrix. Each step contracts the error by about
 * cond(X)²·ε, and the fixed point is limited only by the residual's round-off,
 * so Xᵀz reaches the O(ε·cond(X)) accuracy of an orthogonal factorization
 * (Björck, "Numerical Methods for Least Squares Problems", §2.5 and §6.6).
 * When the Cholesky factorization fails or flags cond(X) beyond ~1e6, or the
 * refinement stalls, the caller falls back to the LQ factorization.
 *
 * Memory: one packed triangle of n(n+1)/2 doubles (L, factored in place of the lower
 * triangle of XXᵀ; plus the n×n XXᵀ when the row-space solver has cached it) and
 * O(n·k + d·k) work, instead of n·d.
 */
import { DspgdError } from '../errors.js';
import type { Wasm } from '../wasm/module.js';
import { EPS, type RowSpaceFactor } from './row-space.js';

/** Pivot ratio min L_ii / max L_ii under which the Gram route is not trusted (cond(X) ≳ 1e6). */
const MIN_PIVOT_RATIO = 1e-6;
/** Refinement stops when a correction changes Xᵀz by less than this (relative), or after MAX_STEPS. */
const STEP_TOL = 4 * EPS;
const MAX_STEPS = 12;

/** Thrown by pinv (and so by split and projectRow) when refinement stalls; withFallback catches it and moves to LQ for good. */
export class GramRefinementStalled extends Error {}

/**
 * Factors the Gram matrix G = XXᵀ (the cached n×n one at `gram` if given, else computed
 * here). Returns undefined when X is not (numerically) of full row rank
 * with cond(X) below ~1e6, or n > d: use factorRowSpace then.
 */
export function factorGram(wasm: Wasm, X: number, n: number, d: number, gram?: number): RowSpaceFactor | undefined {
  if (n > d) return undefined;
  const e = wasm.exports;
  // L is built in place of the lower triangle of a Gram matrix, packed (assembly/linalg/cholesky.ts):
  // the cached one's, or a fresh one computed straight into it.
  const size = (n * (n + 1)) / 2;
  const diag = (i: number) => (i * (i + 1)) / 2 + i;
  let L: number;
  try {
    L = wasm.allocF64(size, 'Cholesky factor of XXᵀ');
  } catch (err) {
    // The triangle does not fit beside X (n ≳ 32,000 even alone in the 4 GiB): the LQ route may still.
    if (err instanceof DspgdError && err.code === 'E_TOO_LARGE') return undefined;
    throw err;
  }
  if (gram !== undefined) e.packLower(n, gram, L);
  else e.gramXXtPacked(n, d, X, L);
  // Entries beyond ~2^±450 over- or underflow in the Gram matrix (the LQ path scales X first).
  const G = wasm.f64(L, size);
  let gmax = 0;
  for (let i = 0; i < n; i++) gmax = Math.max(gmax, G[diag(i)]);
  const fail = gmax > 2 ** -900 && gmax < 2 ** 900 ? e.cholesky(n, L, L) : 0;
  let lmin = Infinity, lmax = 0;
  if (fail < 0) {
    const Lv = wasm.f64(L, size);
    for (let i = 0; i < n; i++) {
      const v = Lv[diag(i)];
      lmin = Math.min(lmin, v);
      lmax = Math.max(lmax, v);
    }
  }
  if (fail >= 0 || !(lmin >= MIN_PIVOT_RATIO * lmax)) {
    wasm.free(L);
    return undefined;
  }
  return new GramFactor(wasm, X, n, d, L, { max: lmax, min: lmin });
}

class GramFactor implements RowSpaceFactor {
  readonly rank: number;
  readonly rtol: number;
  private disposed = false;

  constructor(
    private readonly wasm: Wasm,
    private readonly X: number,
    readonly n: number,
    readonly d: number,
    private readonly L: number,
    readonly singularEstimate: { max: number; min: number },
  ) {
    this.rank = n;
    this.rtol = Math.max(n, d) * EPS;
  }

  pinv(B: number, k: number, out: number): void {
    this.check(k);
    const z = this.wasm.allocF64(this.n * k, 'X⁺ work');
    try {
      this.solve(B, k, out, z);
    } finally {
      this.wasm.free(z);
    }
  }

  /**
   * out = X⁺B = Xᵀz with XXᵀz = B, z refined (z: n×k, written). dx (d×k): the corrections'
   * work buffer, overwritten; allocated here when not given.
   */
  private solve(B: number, k: number, out: number, z: number, work?: number): void {
    const { wasm, n, d, X, L } = this;
    const e = wasm.exports;
    const nk = n * k, dk = d * k;
    const r = wasm.allocF64(nk, 'X⁺ work');
    let dx = work ?? 0;
    try {
      dx ||= wasm.allocF64(dk, 'X⁺ work');
      e.copy(nk, B, z);
      e.cholSolve(n, k, L, z);
      e.matmulXtV(n, d, k, X, z, out);
      let prev = Infinity;
      for (let step = 0; ; step++) {
        // r = B − X·(Xᵀz), through X.
        e.matmulXW(n, d, k, X, out, r);
        e.sub(nk, B, r, r);
        e.cholSolve(n, k, L, r);
        e.matmulXtV(n, d, k, X, r, dx);
        const dn = Math.sqrt(e.sumsq(dk, dx)), xn = Math.sqrt(e.sumsq(dk, out));
        if (!Number.isFinite(dn)) throw new GramRefinementStalled('non-finite correction');
        e.axpy(nk, 1, r, z);
        e.axpy(dk, 1, dx, out);
        if (dn <= STEP_TOL * xn) break;
        // Round-off floor: the corrections stopped shrinking.
        if (dn >= 0.5 * prev) {
          if (dn <= 1e-10 * xn) break;
          throw new GramRefinementStalled(`refinement stalled at ${dn / xn}`);
        }
        if (step >= MAX_STEPS) throw new GramRefinementStalled('refinement did not converge');
        prev = dn;
      }
    } finally {
      wasm.free(r);
      if (dx && dx !== work) wasm.free(dx);
    }
  }

  /**
   * ‖P_row V‖ and ‖P_null V‖, the null part measured directly: P_null V = V − Xᵀz is the
   * residual of a projection, and V − fl(Xᵀz) has an error of ε·|X|ᵀ|z| ≈ ε·cond(X)·‖V‖
   * (2.6e-11 where the true null part was 3e-15, at cond 1e5). So the first residual is
   * accumulated in double-double (compensated products and sums), which leaves its null-space
   * part exact to ε·‖P_null V‖ + ε²·|X|ᵀ|z|; what remains in the row space (the error of z,
   * ≈ ε·cond²) is then projected out in plain float64, now on a vector of that small size.
   */
  split(V: number, k: number): { row: number; null: number } {
    this.check(k);
    const dk = this.d * k;
    const e = this.wasm.exports;
    return this.splitIn(k, (U) => e.copy(dk, V, U), []);
  }

  splitDiff(A: number, B: number, k: number, work: readonly number[] = []): { row: number; null: number } {
    this.check(k);
    const dk = this.d * k;
    const e = this.wasm.exports;
    return this.splitIn(k, (U) => e.sub(dk, A, B, U), work);
  }

  /**
   * The split of the vector that form(U) writes into U (d×k), in two d×k buffers (U and P:
   * `lent` ones where given, else allocated): U is the refinement's work buffer while P_row V
   * is computed, then formed again (the same bits) for the residual, which is computed and
   * projected in place.
   */
  private splitIn(k: number, form: (U: number) => void, lent: readonly number[]): { row: number; null: number } {
    const { wasm, n, d, X } = this;
    const e = wasm.exports;
    const dk = d * k;
    const XV = wasm.allocF64(n * k, 'row/null-space split work');
    const z = wasm.allocF64(n * k, 'row/null-space split work');
    let U = lent[0] ?? 0, P = lent[1] ?? 0;
    try {
      U ||= wasm.allocF64(dk, 'row/null-space split work');
      P ||= wasm.allocF64(dk, 'row/null-space split work');
      form(U);
      e.matmulXW(n, d, k, X, U, XV);
      this.solve(XV, k, P, z, U);                   // P = P_row V = Xᵀz (U: work)
      const row = Math.sqrt(e.sumsq(dk, P));
      form(U);
      residualDD(wasm.f64(X, n * d), wasm.f64(z, n * k), n, d, k, wasm.f64(U, dk));
      let prev = Math.sqrt(e.sumsq(dk, U));         // U = V − Xᵀz (compensated)
      for (let step = 0; step < 4 && prev > 0; step++) {
        e.matmulXW(n, d, k, X, U, XV);
        e.copy(n * k, XV, z);
        e.cholSolve(n, k, this.L, z);
        // U −= Xᵀz in plain float64, Xᵀz formed in P.
        e.matmulXtV(n, d, k, X, z, P);
        e.sub(dk, U, P, U);
        const now = Math.sqrt(e.sumsq(dk, U));
        // Stop once a projection no longer shrinks the vector: it is in the null space.
        if (now >= prev * (1 - 1e-6)) { prev = now; break; }
        prev = now;
      }
      return { row, null: prev };
    } finally {
      if (U && U !== lent[0]) wasm.free(U);
      if (P && P !== lent[1]) wasm.free(P);
      wasm.free(XV); wasm.free(z);
    }
  }

  projectRow(V: number, k: number, out: number): void {
    this.check(k);
    const { wasm, n, d, X } = this;
    const XV = wasm.allocF64(n * k, 'row-space projection work');
    try {
      // P_row·V = X⁺(X·V).
      wasm.exports.matmulXW(n, d, k, X, V, XV);
      this.pinv(XV, k, out);
    } finally {
      wasm.free(XV);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.wasm.free(this.L);
  }

  private check(k: number): void {
    if (this.disposed) throw new DspgdError('E_DISPOSED', 'the row-space factorization was disposed');
    if (!Number.isInteger(k) || k < 1) throw new DspgdError('E_SHAPE', `k: expected a positive integer, got ${String(k)}`, 'k');
  }
}

/** Columns of X per block of residualDD: the block's low parts (DD_BLOCK·k doubles) stay in L1. */
const DD_BLOCK = 256;

/**
 * U (d×k) ← U − Xᵀz accumulated in double-double (Dekker products, Knuth sums), in place:
 * row-major X (n×d), z (n×k), U (d×k), views of WASM memory.
 *
 * Each entry o = (j, c) is its own recurrence over the rows i = 0, 1, …, n − 1 (high part h,
 * starting at U[o], and low part lo, starting at 0), finished by U[o] = h + lo; entries never
 * mix, so the order in which they are visited changes no bit. They are visited in blocks of
 * DD_BLOCK columns of X: the block's low parts are all the extra memory (DD_BLOCK·k doubles,
 * not a d×k array), and each row of X is still read once, a block's segment at a time.
 */
/** @internal Exported for its test against the unblocked reference. */
export function residualDD(X: Float64Array, z: Float64Array, n: number, d: number, k: number, U: Float64Array): void {
  const SPLIT = 134217729; // 2^27 + 1
  const lo = new Float64Array(Math.min(DD_BLOCK, d) * k);
  for (let j0 = 0; j0 < d; j0 += DD_BLOCK) {
    const j1 = Math.min(d, j0 + DD_BLOCK);
    lo.fill(0);
    for (let i = 0; i < n; i++) {
      const row = i * d;
      for (let c = 0; c < k; c++) {
        const b = -z[i * k + c];
        if (b === 0) continue;
        const tb = SPLIT * b, bh = tb - (tb - b), bl = b - bh;
        for (let j = j0; j < j1; j++) {
          const a = X[row + j];
          const p = a * b;
          const ta = SPLIT * a, ah = ta - (ta - a), al = a - ah;
          const ep = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
          const o = j * k + c;
          const h = U[o];
          const s = h + p;
          const bb = s - h;
          const es = (h - (s - bb)) + (p - bb);
          U[o] = s;
          lo[(j - j0) * k + c] += es + ep;
        }
      }
    }
    for (let o = j0 * k; o < j1 * k; o++) U[o] += lo[o - j0 * k];
  }
}

/**
 * A factor that starts on the Gram route and moves to `fallback()` (the LQ
 * factorization) for good the first time refinement stalls.
 */
export function withFallback(first: RowSpaceFactor, fallback: () => RowSpaceFactor): RowSpaceFactor {
  let cur = first;
  let switched = false;
  const run = <T>(f: (x: RowSpaceFactor) => T): T => {
    try {
      return f(cur);
    } catch (err) {
      if (switched || !(err instanceof GramRefinementStalled)) throw err;
      cur.dispose();
      cur = fallback();
      switched = true;
      return f(cur);
    }
  };
  return {
    get n() { return cur.n; },
    get d() { return cur.d; },
    get rank() { return cur.rank; },
    get rtol() { return cur.rtol; },
    get singularEstimate() { return cur.singularEstimate; },
    pinv: (B, k, out) => run((f) => f.pinv(B, k, out)),
    split: (V, k) => run((f) => f.split(V, k)),
    splitDiff: (A, B, k, work) => run((f) => f.splitDiff(A, B, k, work)),
    projectRow: (V, k, out) => run((f) => f.projectRow(V, k, out)),
    dispose: () => cur.dispose(),
  };
}
