// Householder LQ of a row-major matrix, optionally with row pivoting
// (= QR with column pivoting of Aᵀ, LAPACK dgeqp3/dlaqp2 transposed).
//
// Why LQ on rows rather than QR on columns: X is stored row-major and is
// usually wide (n ≪ d), so every reflector and every row it updates is a
// contiguous slice of length ≤ d, and each update is one dot + one axpy on
// f64x2 lanes. The pivoted factorization is rank-revealing in practice and,
// being orthogonal, backward stable: the pseudo-inverse built on it is
// accurate to O(ε·cond(X)), as a least-squares solver based on the SVD is.
// The rows below a reflector take it four at a time (reflectRows), with the
// arithmetic of one row at a time, so the factors do not depend on that blocking.
import { sumsq } from "../kernels/dot";
import { reflectorGen, reflectRows } from "./householder";

// Recompute a downdated row norm when it has lost about half its digits (LAPACK's tol3z).
const NORM_RECOMPUTE: f64 = 1.4901161193847656e-8; // √ε

/**
 * Factors Π·A = L·Qᵀ in place, A m×d row-major (row stride d).
 * Q = H_0·H_1 ⋯ H_{r−1} (d×d orthogonal), H_j = I − τ_j v_j v_jᵀ with v_j zero before entry j.
 *
 * On exit, for j < r (r the return value):
 *   A[j, 0..j)  = L[j, 0..j)           (strictly lower part of row j)
 *   A[j, j..d)  = v_j[j..d), A[j, j] = 1
 *   diag[j]     = L[j, j],   tau[j] = τ_j
 * and for rows i ≥ r, A[i, 0..r) = L[i, 0..r); A[i, r..d) is the unreduced
 * remainder (each of its rows has norm ≤ rtol·|L[0,0]| when pivoting stopped early).
 *
 * perm ≠ 0: row pivoting. perm (m i32, out): row i of the factored A is row perm[i]
 * of the input. norms: 2m doubles of scratch (partial and reference row norms).
 * The pivot of step j is the remaining row of largest residual norm (the first one
 * on ties), so |L[0,0]| ≥ |L[1,1]| ≥ … in practice; the factorization stops at the
 * first j whose pivot norm is 0 or ≤ rtol·|L[0,0]|, and r = j is the numerical rank.
 * perm = 0: no pivoting (norms and rtol unused); all min(m, d) steps are taken.
 *
 * tau, diag: min(m, d) doubles each. Returns r (≤ min(m, d)).
 */
export function lqFactor(m: i32, d: i32, A: usize, tau: usize, diag: usize, perm: usize, norms: usize, rtol: f64): i32 {
  const steps = m < d ? m : d;
  const rowBytes = <usize>d << 3;
  const pivot = perm != 0;
  const vn1 = norms;
  const vn2 = norms + (<usize>m << 3);
  if (pivot) {
    for (let i = 0; i < m; i++) {
      const nr = Math.sqrt(sumsq(d, A + <usize>i * rowBytes));
      store<i32>(perm + (<usize>i << 2), i);
      store<f64>(vn1 + (<usize>i << 3), nr);
      store<f64>(vn2 + (<usize>i << 3), nr);
    }
  }
  let ref: f64 = 0;
  for (let j = 0; j < steps; j++) {
    const len = d - j;
    const jo = <usize>j << 3;
    if (pivot) {
      let p = j;
      let best = load<f64>(vn1 + jo);
      for (let i = j + 1; i < m; i++) {
        const v = load<f64>(vn1 + (<usize>i << 3));
        if (v > best) { best = v; p = i; }
      }
      if (p != j) {
        swapRows(d, A + <usize>p * rowBytes, A + <usize>j * rowBytes);
        const po = <usize>p << 3;
        swapF64(vn1 + po, vn1 + jo);
        swapF64(vn2 + po, vn2 + jo);
        const a = load<i32>(perm + (<usize>p << 2));
        store<i32>(perm + (<usize>p << 2), load<i32>(perm + (<usize>j << 2)));
        store<i32>(perm + (<usize>j << 2), a);
      }
      // Decide on the exact norm of the pivot row (|L[j,j]| to be), not the downdated estimate.
      const a = Math.sqrt(sumsq(len, A + <usize>j * rowBytes + jo));
      if (j == 0) ref = a;
      if (a == 0 || (j > 0 && a <= rtol * ref)) return j;
    }
    const x = A + <usize>j * rowBytes + jo;
    const t = reflectorGen(len, x, diag + jo);
    store<f64>(tau + jo, t);
    if (t != 0) reflectRows(len, t, x, A + <usize>(j + 1) * rowBytes + jo, rowBytes, m - j - 1);
    if (pivot && j + 1 < d) {
      for (let i = j + 1; i < m; i++) {
        const io = <usize>i << 3;
        const n1 = load<f64>(vn1 + io);
        if (n1 == 0) continue;
        const row = A + <usize>i * rowBytes;
        const q = Math.abs(load<f64>(row + jo)) / n1;
        let t1 = 1.0 - q * q;
        if (t1 < 0) t1 = 0;
        const ratio = n1 / load<f64>(vn2 + io);
        if (t1 * ratio * ratio <= NORM_RECOMPUTE) {
          const nr = Math.sqrt(sumsq(len - 1, row + jo + 8));
          store<f64>(vn1 + io, nr);
          store<f64>(vn2 + io, nr);
        } else {
          store<f64>(vn1 + io, n1 * Math.sqrt(t1));
        }
      }
    }
  }
  return steps;
}

function swapRows(d: i32, a: usize, b: usize): void {
  let j = 0;
  for (; j + 2 <= d; j += 2) {
    const o = <usize>j << 3;
    const t = v128.load(a + o);
    v128.store(a + o, v128.load(b + o));
    v128.store(b + o, t);
  }
  if (j < d) swapF64(a + (<usize>j << 3), b + (<usize>j << 3));
}

// @ts-ignore: decorator
@inline
function swapF64(a: usize, b: usize): void {
  const t = load<f64>(a);
  store<f64>(a, load<f64>(b));
  store<f64>(b, t);
}
