// Cholesky factorization of the Gram matrix XXᵀ and solves with it: the
// memory-lean route to X⁺ for a full-row-rank, reasonably conditioned X
// (src/linalg/gram-factor.ts refines its solutions with passes over X).
//
// Triangles are stored packed: row i of the lower triangle (entries 0..i) starts at
// entry i(i+1)/2, so an n×n factor takes n(n+1)/2 doubles instead of n² (15 MiB
// instead of 31 for n = 2000). Rows stay contiguous, so every inner product below
// runs over the same contiguous row prefixes, in the same order, as with full storage.
import { dot } from "../kernels/dot";

@inline function at(A: usize, i: i32, j: i32): usize {
  return A + ((<usize>i * <usize>(i + 1) / 2 + <usize>j) << 3);
}

/** P (packed lower, n(n+1)/2) ← the lower triangle of M (n×n, row-major). P must not overlap M. */
export function packLower(n: i32, M: usize, P: usize): void {
  for (let i = 0; i < n; i++) memory.copy(at(P, i, 0), M + ((<usize>i * <usize>n) << 3), <usize>(i + 1) << 3);
}

/**
 * L (packed lower) with L·Lᵀ = A for a symmetric A (packed lower). Row-oriented
 * (Cholesky–Crout): L[i][j] = (A[i][j] − L[i][0:j]·L[j][0:j]) / L[j][j], the
 * inner products on contiguous row prefixes. Returns −1 on success, or the index
 * of the first pivot that is not positive (A not numerically positive definite).
 * L may be A: each A[i][j] is read once, just before L[i][j] takes its place.
 */
export function cholesky(n: i32, A: usize, L: usize): i32 {
  for (let i = 0; i < n; i++) {
    const li = at(L, i, 0);
    for (let j = 0; j < i; j++) {
      const lj = at(L, j, 0);
      store<f64>(at(L, i, j), (load<f64>(at(A, i, j)) - dot(j, li, lj)) / load<f64>(at(L, j, j)));
    }
    const p = load<f64>(at(A, i, i)) - dot(i, li, li);
    if (!(p > 0)) return i;
    store<f64>(at(L, i, i), Math.sqrt(p));
  }
  return -1;
}

/** B (n×k, row-major) ← (L·Lᵀ)⁻¹·B, L packed lower: forward substitution with L, then back substitution with Lᵀ. */
export function cholSolve(n: i32, k: i32, L: usize, B: usize): void {
  const kRow = <usize>k << 3;
  // L·Y = B, one row of Y at a time: Y_i = (B_i − Σ_{p<i} L_ip·Y_p) / L_ii.
  for (let i = 0; i < n; i++) {
    const bi = B + <usize>i * kRow;
    for (let p = 0; p < i; p++) {
      const l = load<f64>(at(L, i, p));
      if (l == 0) continue;
      const bp = B + <usize>p * kRow;
      for (let c = 0; c < k; c++) store<f64>(bi + (<usize>c << 3), load<f64>(bi + (<usize>c << 3)) - l * load<f64>(bp + (<usize>c << 3)));
    }
    const inv = load<f64>(at(L, i, i));
    for (let c = 0; c < k; c++) store<f64>(bi + (<usize>c << 3), load<f64>(bi + (<usize>c << 3)) / inv);
  }
  // Lᵀ·Z = Y from the last row up; row i of L holds column i of Lᵀ, so each solved Z_i
  // is pushed into the rows above it (contiguous reads of L).
  for (let i = n - 1; i >= 0; i--) {
    const bi = B + <usize>i * kRow;
    const lii = load<f64>(at(L, i, i));
    for (let c = 0; c < k; c++) store<f64>(bi + (<usize>c << 3), load<f64>(bi + (<usize>c << 3)) / lii);
    for (let p = 0; p < i; p++) {
      const l = load<f64>(at(L, i, p));
      if (l == 0) continue;
      const bp = B + <usize>p * kRow;
      for (let c = 0; c < k; c++) store<f64>(bp + (<usize>c << 3), load<f64>(bp + (<usize>c << 3)) - l * load<f64>(bi + (<usize>c << 3)));
    }
  }
}
