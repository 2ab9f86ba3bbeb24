/**
 * The row space of X and the exact GD limit (spec: "The GD limit and the
 * implicit-bias report"), on a rank-revealing Householder LQ of X.
 *
 * Method. Π·X = L·Qᵀ with row pivoting Π (LAPACK's QR with column pivoting,
 * applied to Xᵀ), stopped at the first pivot whose residual row norm is
 * ≤ rtol/√n·|L₀₀|. Then Π·X ≈ L̃·Q1ᵀ with L̃ (n×r) and Q1 (d×r) orthonormal, so
 * X⁺ = Q1·L̃⁺·Π:
 * - r = n (full row rank, the overparameterized case): L̃ is square lower
 *   triangular and X⁺B = Q1·L̃⁻¹·ΠB (one forward substitution);
 * - r < n: L̃⁺c is the least-squares solution of L̃z = c, from a second, unpivoted
 *   LQ of the small r×n matrix L̃ᵀ (complete orthogonal decomposition, as LAPACK
 *   dgelsy). This is the minimum-norm solution, i.e. exactly X⁺B for the rank-r X.
 * The numerical rank is the SVD's: the number of singular values σ_i > rtol·σ_1
 * (rtol = max(n, d)·ε by default, as numpy.linalg.matrix_rank and lstsq). Pivoting
 * alone does not decide it (its pivots only bracket the singular values, and on a
 * rank-2 matrix it kept 8 noise pivots): the kept r×r triangle M is checked by an
 * inverse-iteration bracket (a WASM kernel, assembly/linalg/triangle_extremes.ts), and when its smallest singular value may be at or
 * below rtol·σ_1, M's SVD (small-svd.ts) truncates it to the s singular values above
 * the tolerance, and X⁺ and the projections use M's singular vectors.
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
import { smallSvd } from './small-svd.js';

/** Steps of power and of inverse iteration in the bracket of the kept triangle's extreme singular values. */
const TRIANGLE_BRACKET_STEPS = 12;

/** Unit round-off of float64 (the default rank tolerance is max(n, d)·EPS, relative to σ_1). */
export const EPS = 2.220446049250313e-16;

export interface RowSpaceFactor {
  readonly n: number;
  readonly d: number;
  /** Numerical rank: the number of singular values σ_i > rtol·σ_1. */
  readonly rank: number;
  /** The rank tolerance used (relative to σ_1). */
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
  /**
   * split(V) for V = A − B (A, B: d×k), bit for bit what split gives on the difference formed
   * by the `sub` kernel; the factor forms it in its own work memory, so the caller needs no
   * d×k buffer for it (and the Gram route forms it twice rather than keep a copy).
   * work: up to two d×k buffers the caller lends as that work memory (their contents are
   * overwritten; neither may be A or B); what is not lent is allocated for the call.
   */
  splitDiff(A: number, B: number, k: number, work?: readonly number[]): { row: number; null: number };
  /** out (d×k) = P_row·V (out may equal V). */
  projectRow(V: number, k: number, out: number): void;
  /** Frees the factor's WASM memory; later calls throw E_DISPOSED. Idempotent. */
  dispose(): void;
}

/**
 * Factors X (n×d, row-major, at byte pointer X in WASM memory) for X⁺ and the
 * row/null-space projections. X is copied and left intact.
 * opts.rtol: rank tolerance relative to σ_1, default max(n, d)·ε.
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
    // 2n doubles of pivot norms, then (r ≤ n) the 2r of the triangle's bracket and its two results.
    norms = wasm.allocF64(2 * n + 2, 'row-space factor (pivot norms)');
    const tau = aux, diag = aux + 8 * m, perm = aux + 16 * m;
    const scale = e.lqPow2Scale(n * d, X);
    e.lqScaledCopy(n * d, scale, X, A);
    // Pivoting stops at rtol/√n: the rows it leaves out then have spectral norm ≤ rtol·σ_1
    // (each row ≤ rtol/√n·|L_00| and |L_00| ≤ σ_1), so no singular value above the
    // tolerance is discarded; those it keeps are checked against the tolerance below.
    const r = e.lqFactor(n, d, A, tau, diag, perm, norms, rtol / Math.sqrt(n));
    // Rank-deficient: LQ of L̃ᵀ (r×n) for the least-squares step; layout Lt (r·n), tau2 (r), diag2 (r).
    let tau2 = 0, diag2 = 0;
    if (r > 0 && r < n) {
      lt = wasm.allocF64(r * n + 2 * r, 'row-space factor (rank-deficient part)');
      tau2 = lt + 8 * r * n;
      diag2 = tau2 + 8 * r;
      e.lqLowerTranspose(n, d, r, A, diag, lt);
      e.lqFactor(r, n, lt, tau2, diag2, 0, 0, 0);
    }
    // The kept singular values of X are those of the r×r triangle M (L11 when r = n, else
    // T2ᵀ from the second LQ). Pivoting orders them only roughly, so the rank is decided on
    // M's own singular values: an inverse-iteration bracket first, and the SVD of M when the
    // smallest one may be at or below rtol·σ_1.
    let svd: Truncation | undefined;
    let singularEstimate = estimate(wasm, r, r < n ? diag2 : diag, Math.abs(wasm.f64(diag, m)[0]), scale);
    if (r > 0) {
      const [Mp, ldm, dm] = r < n ? [lt, n, diag2] : [A, d, diag];
      const out = norms + 16 * r;
      e.triangleExtremes(r, Mp, ldm, dm, TRIANGLE_BRACKET_STEPS, norms, out);
      const [max, min] = wasm.f64(out, 2);
      if (!(min > 100 * rtol * max)) {
        const T = triangle(wasm, r, Mp, ldm, dm);
        svd = truncate(r < n ? transpose(T, r) : T, r, rtol);
        singularEstimate = { max: svd.sigma1 / scale, min: svd.s > 0 ? svd.sigmaS / scale : 0 };
      }
    }
    wasm.free(norms);
    norms = 0;
    return new Factor(wasm, n, d, svd ? svd.s : r, r, rtol, singularEstimate, scale, A, aux, tau, diag, perm, lt, tau2, diag2, svd);
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
    /** The numerical rank (σ_i > rtol·σ_1). */
    readonly rank: number,
    /** Pivoting steps kept: Q1 has this many columns (≥ rank). */
    private readonly kept: number,
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
    /** Present when M's SVD decided the rank: X = Πᵀ·Qa·M·Q1ᵀ, M = U·Σ·Vᵀ truncated. */
    private readonly svd?: Truncation,
  ) {}

  pinv(B: number, k: number, out: number): void {
    this.check(k);
    const { wasm, n, d, kept: r } = this;
    const e = wasm.exports;
    const C = wasm.allocF64(n * k + k, 'pseudo-inverse work');
    const w = C + 8 * n * k;
    try {
      if (r > 0) {
        e.lqGatherRows(n, k, this.perm, B, C);
        if (r < n) e.lqApplyQt(n, k, r, this.lt, this.tau2, C, w);
        if (this.svd) {
          applyPinv(this.svd, wasm.f64(C, r * k), k);
        } else if (r === n) {
          e.triSolveLower(n, k, this.A, d, this.diag, C, w);
        } else {
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
    return this.splitIn(k, (U) => this.wasm.exports.copy(this.d * k, V, U));
  }

  splitDiff(A: number, B: number, k: number, work: readonly number[] = []): { row: number; null: number } {
    this.check(k);
    return this.splitIn(k, (U) => this.wasm.exports.sub(this.d * k, A, B, U), work[0]);
  }

  /** The split of the vector form(U) writes into U (d×k; `lent` when given, else allocated). */
  private splitIn(k: number, form: (U: number) => void, lent?: number): { row: number; null: number } {
    const { wasm, d, kept: r } = this;
    const e = wasm.exports;
    const w = wasm.allocF64(k, 'row/null-space split work');
    let U = lent ?? 0;
    try {
      U ||= wasm.allocF64(d * k, 'row/null-space split work');
      form(U);
      e.lqApplyQt(d, k, r, this.A, this.tau, U, w);
      const tail = e.sumsq((d - r) * k, U + 8 * r * k);
      if (!this.svd) return { row: Math.sqrt(e.sumsq(r * k, U)), null: Math.sqrt(tail) };
      // Coordinates in M's right singular vectors: the first s are the row space, the rest
      // (with the tail) the null space; both are norms of computed coordinates.
      const c = wasm.f64(U, r * k);
      const { row, rest } = svdSplit(this.svd, c, k);
      return { row: Math.sqrt(row), null: Math.sqrt(rest + tail) };
    } finally {
      if (U && U !== lent) wasm.free(U);
      wasm.free(w);
    }
  }

  projectRow(V: number, k: number, out: number): void {
    this.check(k);
    const { wasm, d, kept: r } = this;
    const e = wasm.exports;
    const w = wasm.allocF64(k, 'row-space projection work');
    try {
      if (out !== V) e.copy(d * k, V, out);
      e.lqApplyQt(d, k, r, this.A, this.tau, out, w);
      if (this.svd) svdProject(this.svd, wasm.f64(out, r * k), k);
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

/** The SVD of the kept triangle M (r×r) truncated at rtol·σ_1: s singular values kept. */
interface Truncation {
  r: number;
  s: number;
  sigma1: number;
  sigmaS: number;
  /** 1/σ_i for i < s. */
  inv: Float64Array;
  U: Float64Array;
  V: Float64Array;
}

function truncate(M: Float64Array, r: number, rtol: number): Truncation {
  const { sigma, U, V } = smallSvd(M, r);
  let s = 0;
  while (s < r && sigma[s] > rtol * sigma[0]) s++;
  const inv = new Float64Array(s);
  for (let i = 0; i < s; i++) inv[i] = 1 / sigma[i];
  return { r, s, sigma1: sigma[0], sigmaS: s > 0 ? sigma[s - 1] : 0, inv, U, V };
}

/** c (r×k, row-major) ← M⁺c = V_s·Σ_s⁻¹·U_sᵀ·c. */
function applyPinv(t: Truncation, c: Float64Array, k: number): void {
  const { r, s, U, inv } = t;
  const z = new Float64Array(s * k);
  for (let p = 0; p < s; p++) {
    for (let i = 0; i < r; i++) {
      const u = U[p * r + i] * inv[p];
      for (let j = 0; j < k; j++) z[p * k + j] += u * c[i * k + j];
    }
  }
  expandFromV(t, z, c, k);
}

/** c (r×k) ← V_s·z for z (s×k): the way back from the truncated basis, shared by pinv and projection. */
function expandFromV(t: Truncation, z: Float64Array, c: Float64Array, k: number): void {
  const { r, s, V } = t;
  c.fill(0);
  for (let p = 0; p < s; p++) {
    for (let i = 0; i < r; i++) {
      const v = V[p * r + i];
      for (let j = 0; j < k; j++) c[i * k + j] += v * z[p * k + j];
    }
  }
}

/** Squared norms of V_sᵀc and V_restᵀc for c (r×k). */
function svdSplit(t: Truncation, c: Float64Array, k: number): { row: number; rest: number } {
  const { r, s, V } = t;
  let row = 0, rest = 0;
  for (let p = 0; p < r; p++) {
    for (let j = 0; j < k; j++) {
      let a = 0;
      for (let i = 0; i < r; i++) a += V[p * r + i] * c[i * k + j];
      if (p < s) row += a * a;
      else rest += a * a;
    }
  }
  return { row, rest };
}

/** c (r×k) ← V_s·V_sᵀ·c. */
function svdProject(t: Truncation, c: Float64Array, k: number): void {
  const { r, s, V } = t;
  const z = new Float64Array(s * k);
  for (let p = 0; p < s; p++) {
    for (let i = 0; i < r; i++) {
      const v = V[p * r + i];
      for (let j = 0; j < k; j++) z[p * k + j] += v * c[i * k + j];
    }
  }
  expandFromV(t, z, c, k);
}

/** The lower triangle T (r×r, dense row-major) kept in the rows of A (stride lda) with its diagonal apart. */
function triangle(wasm: Wasm, r: number, A: number, lda: number, diag: number): Float64Array {
  const T = new Float64Array(r * r);
  const a = wasm.f64(A, (r - 1) * lda + r);
  const dg = wasm.f64(diag, r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < i; j++) T[i * r + j] = a[i * lda + j];
    T[i * r + i] = dg[i];
  }
  return T;
}

function transpose(T: Float64Array, r: number): Float64Array {
  const M = new Float64Array(r * r);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) M[j * r + i] = T[i * r + j];
  return M;
}

export interface GdLimit {
  /** Numerical rank of X: the number of singular values σ_i > rankTolerance·σ_1. */
  rank: number;
  /** The rank tolerance relative to σ_1 (max(n, d)·ε by default). */
  rankTolerance: number;
  /**
   * Whether Y − XW0 lies in the range of X, decided on the computed W_GD∞ itself: true only
   * when its residual is at round-off by both tests (backwardError ≤ interpolationTolerance, and
   * ‖X W_GD∞ − Y‖ ≤ √ε·max(‖Y‖, ‖X W0 − Y‖)), so it never comes with a large relResidual.
   */
  interpolates: boolean;
  /** Whether W0 itself interpolates (‖X W0 − Y‖ at round-off: W_GD∞ = W0 up to round-off). */
  w0Interpolates: boolean;
  /** ‖X W_GD∞ − Y‖_F / ‖Y‖_F (‖Y‖_F = 0: the absolute residual). */
  relResidual: number;
  /** ‖X W_GD∞ − Y‖_F / (‖X‖_F·(‖W0‖_F + ‖W_GD∞ − W0‖_F) + ‖Y‖_F). */
  backwardError: number;
}

/** √ε: the largest ‖X W_GD∞ − Y‖ / max(‖Y‖, ‖X W0 − Y‖) that still counts as interpolating. */
export const INTERPOLATION_RESIDUAL = 1.4901161193847656e-8;

/**
 * The threshold on backwardError under which W_GD∞ counts as interpolating:
 * 10·√n·max(rtol, max(n, d)·ε).
 *
 * Why a backward error: the orthogonal solve is backward stable, so when Y − XW0 is in
 * range(X) the computed W_GD∞ solves a problem within O(ε) of (X, Y), and ‖XW − Y‖ is
 * O(ε)·(‖X‖‖W‖ + ‖Y‖); truncating X to its numerical rank adds at most rtol·‖X‖‖W‖.
 * A residual above that is not round-off: Y − XW0 has a component outside range(X)
 * (n > d, or rank-deficient X), and no interpolating solution exists; W_GD∞ is then
 * the least-squares solution closest to W0. The backward error alone is not enough:
 * near the rank tolerance ‖W_GD∞‖ can be 1e13 times ‖Y‖, and a relative residual of
 * 0.7 still has a backward error of 1e-14, hence the second, relative test in gdLimit.
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
    const yNorm = e.norm2(n * k, Y);
    const xNorm = e.norm2(n * d, X);
    const w0Norm = e.norm2(d * k, W0);
    const tol = interpolationTolerance(f);
    e.matmulXW(n, d, k, X, W0, R);
    e.sub(n * k, Y, R, R);                 // R = Y − X W0
    const r0 = e.norm2(n * k, R);
    const scale0 = xNorm * w0Norm + yNorm;
    f.pinv(R, k, outW);                    // outW = X⁺R
    const stepNorm = e.norm2(d * k, outW);
    e.axpy(d * k, 1, W0, outW);            // outW = W0 + X⁺R
    e.matmulXW(n, d, k, X, outW, R);
    e.sub(n * k, R, Y, R);                 // R = X W_GD − Y
    const res = e.norm2(n * k, R);
    const scale = xNorm * (w0Norm + stepNorm) + yNorm;
    const backwardError = scale > 0 ? res / scale : 0; // scale = 0 ⇒ everything, the residual included, is 0
    return {
      rank: f.rank,
      rankTolerance: f.rtol,
      interpolates: backwardError <= tol && res <= INTERPOLATION_RESIDUAL * Math.max(yNorm, r0),
      w0Interpolates: r0 <= tol * scale0,
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
