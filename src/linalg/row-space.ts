/**
 * The row space of X and the exact GD limit (spec: "The GD limit and the
 * implicit-bias report"), on a rank-revealing Householder LQ of X.
 *
 * Method. Π·X = L·Qᵀ with row pivoting Π (LAPACK's QR with column pivoting,
 * applied to Xᵀ), stopped at the numerical rank r: the first pivot whose residual
 * row norm is ≤ rtol·|L₀₀|. Then Π·X ≈ L̃·Q1ᵀ with L̃ (n×r) of full column rank and
 * Q1 (d×r) orthonormal, so X⁺ = Q1·L̃⁺·Π:
 * - r = n (full row rank, the overparameterized case): L̃ is square lower
 *   triangular and X⁺B = Q1·L̃⁻¹·ΠB (one forward substitution);
 * - r < n: L̃⁺c is the least-squares solution of L̃z = c, from a second, unpivoted
 *   LQ of the small r×n matrix L̃ᵀ (complete orthogonal decomposition, as LAPACK
 *   dgelsy). This is the minimum-norm solution, i.e. exactly X⁺B for the rank-r X.
 * Everything is orthogonal but one triangular solve, so X⁺B has error O(ε·cond(X))
 * relative, like an SVD-based least-squares solver (measured < 1e-12 against
 * LAPACK at cond 1e4, see test/linalg.test.ts), at a fraction of the cost
 * (≈ 2n²d flops for the factorization, 4(n + d)·r·k per solve).
 *
 * Projections need no pseudo-inverse: Qᵀ = H_{r−1}⋯H_0 maps V (d×k) to
 * coordinates whose first r rows are Q1ᵀV (the row space) and whose last d − r
 * rows are Q2ᵀV (the null space, up to the numerical rank), so ‖P_row V‖ and
 * ‖P_null V‖ are both norms of computed coordinates — the null part is never
 * obtained by subtracting squares or nearly equal matrices.
 *
 * Memory. The factor keeps a copy of X (n·d doubles, the factorization runs in
 * place and X must stay intact for the solver), plus O(n) doubles, plus r·n when
 * X is rank-deficient. Forming X⁺ (d×n) is never needed. A later change could
 * factor X in place when the caller no longer needs it.
 */
import { DspgdError } from '../errors.js';
import type { Wasm } from '../wasm/module.js';

/** Default rank tolerance factor: rtol = max(n, d)·ε (as numpy.linalg.lstsq's rcond). */
export const EPS = 2.220446049250313e-16;

export interface RowSpaceFactor {
  readonly n: number;
  readonly d: number;
  /** Numerical rank: the number of pivots with |L_ii| > rtol·|L_00|. */
  readonly rank: number;
  /** The rank tolerance used (relative to |L_00|). */
  readonly rtol: number;
  /**
   * Estimates of the extreme nonzero singular values σ_1 ≥ σ_r of X from the diagonal
   * of the final triangular factor (0 and 0 for X = 0), guaranteed to bracket inwards:
   * σ_1/√n ≤ max ≤ σ_1 and σ_r ≤ min. With pivoting, min is typically within a small
   * factor of σ_r, so max/min estimates cond(X) from below.
   */
  readonly singularEstimate: { max: number; min: number };
  /** out (d×k) = X⁺B for B (n×k); B is not modified. Pointers into WASM memory (wasm.allocF64). */
  pinv(B: number, k: number, out: number): void;
  /** Frobenius norms of P_row V and P_null V for V (d×k), P_row = X⁺X, P_null = I − P_row. */
  split(V: number, k: number): { row: number; null: number };
  /** out (d×k) = P_row·V (out may equal V). */
  projectRow(V: number, k: number, out: number): void;
  /** Frees the factor's WASM memory; later calls throw E_DISPOSED. Idempotent. */
  dispose(): void;
}

/**
 * Factors X (n×d, row-major, at byte pointer X in WASM memory) for X⁺ and the
 * row/null-space projections. X is copied and left intact.
 * opts.rtol: rank tolerance relative to the largest pivot, default max(n, d)·ε.
 */
export function factorRowSpace(wasm: Wasm, X: number, n: number, d: number, opts: { rtol?: number } = {}): RowSpaceFactor {
  checkDim(n, 'n');
  checkDim(d, 'd');
  const rtol = opts.rtol ?? Math.max(n, d) * EPS;
  if (typeof rtol !== 'number' || !Number.isFinite(rtol) || rtol < 0) {
    throw new DspgdError('E_PARAM', `rtol: expected a finite number ≥ 0, got ${String(rtol)}`, 'rtol');
  }
  const e = wasm.exports;
  const m = Math.min(n, d);
  // aux: tau (m), diag (m), perm (n i32 = ⌈n/2⌉ doubles)
  const A = wasm.allocF64(n * d, 'row-space factor (copy of X)');
  let aux = 0, norms = 0, lt = 0;
  try {
    aux = wasm.allocF64(2 * m + Math.ceil(n / 2), 'row-space factor');
    norms = wasm.allocF64(2 * n, 'row-space factor (pivot norms)');
    const tau = aux, diag = aux + 8 * m, perm = aux + 16 * m;
    const scale = e.lqPow2Scale(n * d, X);
    e.lqScaledCopy(n * d, scale, X, A);
    const rank = e.lqFactor(n, d, A, tau, diag, perm, norms, rtol);
    wasm.free(norms);
    norms = 0;
    // Rank-deficient: LQ of L̃ᵀ (r×n) for the least-squares step; layout Lt (r·n), tau2 (r), diag2 (r).
    let tau2 = 0, diag2 = 0;
    if (rank > 0 && rank < n) {
      lt = wasm.allocF64(rank * n + 2 * rank, 'row-space factor (rank-deficient part)');
      tau2 = lt + 8 * rank * n;
      diag2 = tau2 + 8 * rank;
      e.lqLowerTranspose(n, d, rank, A, diag, lt);
      e.lqFactor(rank, n, lt, tau2, diag2, 0, 0, 0);
    }
    const singularEstimate = estimate(wasm, rank, rank < n ? diag2 : diag, Math.abs(wasm.f64(diag, m)[0]), scale);
    return new Factor(wasm, n, d, rank, rtol, singularEstimate, scale, A, aux, tau, diag, perm, lt, tau2, diag2);
  } catch (err) {
    if (norms) wasm.free(norms);
    if (lt) wasm.free(lt);
    if (aux) wasm.free(aux);
    wasm.free(A);
    throw err;
  }
}

class Factor implements RowSpaceFactor {
  private disposed = false;

  constructor(
    private readonly wasm: Wasm,
    readonly n: number,
    readonly d: number,
    readonly rank: number,
    readonly rtol: number,
    readonly singularEstimate: { max: number; min: number },
    private readonly scale: number,
    private readonly A: number,
    private readonly aux: number,
    private readonly tau: number,
    private readonly diag: number,
    private readonly perm: number,
    private readonly lt: number,
    private readonly tau2: number,
    private readonly diag2: number,
  ) {}

  pinv(B: number, k: number, out: number): void {
    this.check(k);
    const { wasm, n, d, rank: r } = this;
    const e = wasm.exports;
    const C = wasm.allocF64(n * k + k, 'pseudo-inverse work');
    const w = C + 8 * n * k;
    try {
      if (r > 0) {
        e.lqGatherRows(n, k, this.perm, B, C);
        if (r === n) {
          e.triSolveLower(n, k, this.A, d, this.diag, C, w);
        } else {
          e.lqApplyQt(n, k, r, this.lt, this.tau2, C, w);
          e.triSolveLowerT(r, k, this.lt, n, this.diag2, C, w);
        }
        // X = X_s / s with X_s the scaled copy, so X⁺ = s·X_s⁺ (exact: s is a power of two).
        e.lqScaledCopy(r * k, this.scale, C, out);
      }
      e.zero((d - r) * k, out + 8 * r * k);
      e.lqApplyQ(d, k, r, this.A, this.tau, out, w);
    } finally {
      wasm.free(C);
    }
  }

  split(V: number, k: number): { row: number; null: number } {
    this.check(k);
    const { wasm, d, rank: r } = this;
    const e = wasm.exports;
    const U = wasm.allocF64(d * k + k, 'row/null-space split work');
    try {
      e.copy(d * k, V, U);
      e.lqApplyQt(d, k, r, this.A, this.tau, U, U + 8 * d * k);
      return {
        row: Math.sqrt(e.sumsq(r * k, U)),
        null: Math.sqrt(e.sumsq((d - r) * k, U + 8 * r * k)),
      };
    } finally {
      wasm.free(U);
    }
  }

  projectRow(V: number, k: number, out: number): void {
    this.check(k);
    const { wasm, d, rank: r } = this;
    const e = wasm.exports;
    const w = wasm.allocF64(k, 'row-space projection work');
    try {
      if (out !== V) e.copy(d * k, V, out);
      e.lqApplyQt(d, k, r, this.A, this.tau, out, w);
      e.zero((d - r) * k, out + 8 * r * k);
      e.lqApplyQ(d, k, r, this.A, this.tau, out, w);
    } finally {
      wasm.free(w);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.lt) this.wasm.free(this.lt);
    this.wasm.free(this.aux);
    this.wasm.free(this.A);
  }

  private check(k: number): void {
    if (this.disposed) throw new DspgdError('E_DISPOSED', 'the row-space factorization was disposed');
    checkDim(k, 'k');
  }
}

export interface GdLimit {
  /** Numerical rank of X. */
  rank: number;
  /** Whether X·W_GD∞ = Y up to round-off, i.e. Y − XW0 lies in the range of X (see backwardError). */
  interpolates: boolean;
  /** ‖X W_GD∞ − Y‖_F / ‖Y‖_F (‖Y‖_F = 0: the absolute residual). */
  relResidual: number;
  /** ‖X W_GD∞ − Y‖_F / (‖X‖_F·(‖W0‖_F + ‖W_GD∞ − W0‖_F) + ‖Y‖_F): what `interpolates` is decided on. */
  backwardError: number;
}

/**
 * The threshold on backwardError under which W_GD∞ counts as interpolating:
 * 10·√n·max(rtol, max(n, d)·ε).
 *
 * Why a backward error and not relResidual against a cond-scaled bound: the
 * orthogonal solve is backward stable, so when Y − XW0 is in range(X) the computed
 * W_GD∞ solves a problem within O(ε) of (X, Y), and ‖XW − Y‖ is O(ε)·(‖X‖‖W‖ + ‖Y‖)
 * whatever cond(X) is; truncating X to its numerical rank adds at most
 * √(n − r)·rtol·‖X‖‖W‖ to the residual. A residual above that is not round-off:
 * Y − XW0 has a component outside range(X) (n > d, or rank-deficient X), and no
 * interpolating solution exists; W_GD∞ is then the least-squares solution closest to W0.
 */
export function interpolationTolerance(f: RowSpaceFactor): number {
  return 10 * Math.sqrt(f.n) * Math.max(f.rtol, Math.max(f.n, f.d) * EPS);
}

/**
 * Writes W_GD∞ = W0 + X⁺(Y − XW0) into outW (d×k) and says whether it interpolates.
 * X (n×d), Y (n×k), W0 (d×k), outW (d×k): pointers into WASM memory; f = factorRowSpace(X).
 * outW must not overlap X, Y or W0.
 */
export function gdLimit(wasm: Wasm, f: RowSpaceFactor, X: number, Y: number, W0: number, k: number, outW: number): GdLimit {
  checkDim(k, 'k');
  const { n, d } = f;
  const e = wasm.exports;
  const R = wasm.allocF64(n * k, 'GD limit residual');
  try {
    e.matmulXW(n, d, k, X, W0, R);
    e.sub(n * k, Y, R, R);                 // R = Y − X W0
    f.pinv(R, k, outW);                    // outW = X⁺R
    const stepNorm = Math.sqrt(e.sumsq(d * k, outW));
    e.axpy(d * k, 1, W0, outW);            // outW = W0 + X⁺R
    e.matmulXW(n, d, k, X, outW, R);
    e.sub(n * k, R, Y, R);                 // R = X W_GD − Y
    const res = Math.sqrt(e.sumsq(n * k, R));
    const yNorm = Math.sqrt(e.sumsq(n * k, Y));
    const xNorm = Math.sqrt(e.sumsq(n * d, X));
    const w0Norm = Math.sqrt(e.sumsq(d * k, W0));
    const scale = xNorm * (w0Norm + stepNorm) + yNorm;
    const backwardError = scale > 0 ? res / scale : 0; // scale = 0 ⇒ everything, the residual included, is 0
    return {
      rank: f.rank,
      interpolates: backwardError <= interpolationTolerance(f),
      relResidual: yNorm > 0 ? res / yNorm : res,
      backwardError,
    };
  } finally {
    wasm.free(R);
  }
}

/**
 * The nonzero singular values of X are those of the final r×r triangle R (L11 when
 * r = n, else the T of L̃ᵀ = [T 0]Pᵀ), and for a triangle σ_min ≤ min|R_ii| ≤ max|R_ii| ≤ σ_max.
 * |L_00| (the largest row norm of X) is also ≤ σ_max, and ≥ σ_max/√n.
 */
function estimate(wasm: Wasm, r: number, diag: number, l00: number, scale: number): { max: number; min: number } {
  if (r === 0) return { max: 0, min: 0 };
  const dg = wasm.f64(diag, r);
  let max = l00, min = Infinity;
  for (let i = 0; i < r; i++) {
    const a = Math.abs(dg[i]);
    if (a > max) max = a;
    if (a < min) min = a;
  }
  return { max: max / scale, min: min / scale };
}

function checkDim(v: number, name: string): void {
  if (!Number.isInteger(v) || v < 1) {
    throw new DspgdError('E_SHAPE', `${name}: expected a positive integer, got ${String(v)}`, name);
  }
}
