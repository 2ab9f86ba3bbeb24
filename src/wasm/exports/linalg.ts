/** Typed signatures of the WASM exports from assembly/linalg/ (pointers are byte offsets). */
import type { Ptr, I32, F64 } from '../types.js';

export interface LinalgExports {
  /** L (packed lower, n(n+1)/2) with L·Lᵀ = A (packed lower); −1 on success, else the first failing pivot. */
  cholesky(n: I32, A: Ptr, L: Ptr): I32;
  /** B (n×k) ← (L·Lᵀ)⁻¹·B in place, L packed lower. */
  cholSolve(n: I32, k: I32, L: Ptr, B: Ptr): void;
  /** P (packed lower) ← the lower triangle of M (n×n). */
  packLower(n: I32, M: Ptr, P: Ptr): void;
  /** Householder LQ in place, row pivoting when perm ≠ 0; returns the numerical rank. See assembly/linalg/lq.ts. */
  lqFactor(m: I32, d: I32, A: Ptr, tau: Ptr, diag: Ptr, perm: Ptr, norms: Ptr, rtol: F64): I32;
  /** M (len×k) ← Q·M with Q = H_0 ⋯ H_{r−1} from lqFactor (row stride len). w: k doubles. */
  lqApplyQ(len: I32, k: I32, r: I32, A: Ptr, tau: Ptr, M: Ptr, w: Ptr): void;
  /** M (len×k) ← Qᵀ·M. */
  lqApplyQt(len: I32, k: I32, r: I32, A: Ptr, tau: Ptr, M: Ptr, w: Ptr): void;
  /** C (m×k) ← L⁻¹C; L[i, j] at A[i·lda + j] (j < i), diagonal in diag. w: k doubles. */
  triSolveLower(m: I32, k: I32, A: Ptr, lda: I32, diag: Ptr, C: Ptr, w: Ptr): void;
  /** C[0..m) ← L⁻ᵀC[0..m); same storage as triSolveLower. */
  triSolveLowerT(m: I32, k: I32, A: Ptr, lda: I32, diag: Ptr, C: Ptr, w: Ptr): void;
  /** C[i, :] = B[perm[i], :] (perm: m i32). */
  lqGatherRows(m: I32, k: I32, perm: Ptr, B: Ptr, C: Ptr): void;
  /** Lt (r×m) = transpose of the first r columns of the pivoted L of an m×d lqFactor. */
  lqLowerTranspose(m: I32, d: I32, r: I32, A: Ptr, diag: Ptr, Lt: Ptr): void;
  /**
   * out[0] ≤ σ_1 ≤ … ≤ σ_r ≤ out[1]: power and inverse iteration (`steps` each) on the lower triangle
   * T (r×r) stored as triSolveLower's. work: 2r doubles. See assembly/linalg/triangle_extremes.ts.
   */
  triangleExtremes(r: I32, A: Ptr, lda: I32, diag: Ptr, steps: I32, work: Ptr, out: Ptr): void;
  /** A power of two s bringing max|x| into [2^−400, 2^400] (1 when it already is). */
  lqPow2Scale(len: I32, x: Ptr): F64;
  /** dst = s·src (dst may equal src). */
  lqScaledCopy(len: I32, s: F64, src: Ptr, dst: Ptr): void;
  /** Rows of A (m×d, m ≤ d) ← orthonormal rows spanning the same space (A = L·E, diag(L) ≥ 0). */
  orthonormalizeRows(m: I32, d: I32, A: Ptr, scratch: Ptr): void;
  /** Doubles of scratch orthonormalizeRows needs (2m). */
  orthonormalizeScratchLen(m: I32, d: I32): I32;
}
