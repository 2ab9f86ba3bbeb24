// Orthonormal rows spanning the row space of a given matrix, for the seeded
// `spectrum` generator (X = U diag(s) V with random orthonormal U, V).
// Householder rather than Gram–Schmidt: the rows come out orthonormal to
// O(ε) whatever the conditioning of A, which Gram–Schmidt cannot promise.
import { lqFactor } from "./lq";
import { reflectVec } from "./householder";
import { scal } from "../kernels/scale";

/** Doubles of scratch orthonormalizeRows(m, d, …) needs: 2m (τ and the diagonal of L). */
export function orthonormalizeScratchLen(m: i32, d: i32): i32 {
  return 2 * m;
}

/**
 * Replaces the rows of A (m×d row-major, m ≤ d) by orthonormal rows E with
 * A = L·E, L lower triangular with a nonnegative diagonal: the rows Gram–Schmidt
 * would give in exact arithmetic. E spans the row space of A when A has full row
 * rank; it is orthonormal in any case. The sign fix makes E unique, so that for
 * Gaussian A it is Haar distributed (random signs from the reflectors would not be).
 * scratch: orthonormalizeScratchLen(m, d) doubles.
 *
 * Q is formed in place (as LAPACK dorgl2): after the unpivoted LQ, rows are
 * built from the last reflector back to the first, E = first m rows of
 * H_{m−1} ⋯ H_0, row i being e_iᵀ·H_i once the later reflectors have been
 * applied to the rows below it.
 */
export function orthonormalizeRows(m: i32, d: i32, A: usize, scratch: usize): void {
  if (m > d) unreachable(); // more rows than dimensions cannot be orthonormal: trap rather than corrupt memory
  const tau = scratch;
  const diag = scratch + (<usize>m << 3);
  lqFactor(m, d, A, tau, diag, 0, 0, 0);
  const rowBytes = <usize>d << 3;
  for (let i = m - 1; i >= 0; i--) {
    const row = A + <usize>i * rowBytes;
    const v = row + (<usize>i << 3);
    const len = d - i;
    const t = load<f64>(tau + (<usize>i << 3));
    // Rows below already hold (H_{m−1}⋯H_{i+1}) rows, zero before column i+1.
    if (t != 0) {
      for (let l = i + 1; l < m; l++) reflectVec(len, t, v, A + <usize>l * rowBytes + (<usize>i << 3));
    }
    // Row i = e_iᵀ·H_i = e_i − τ·v_i (v_i[i] = 1).
    scal(len - 1, -t, v + 8);
    store<f64>(v, 1.0 - t);
    memory.fill(row, 0, <usize>i << 3);
  }
  for (let i = 0; i < m; i++) {
    if (load<f64>(diag + (<usize>i << 3)) < 0) scal(d, -1.0, A + <usize>i * rowBytes);
  }
}
