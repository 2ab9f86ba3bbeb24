// Householder reflectors H = I − τ v vᵀ kept as one contiguous slice each, with
// the unit v[0] = 1 stored explicitly (not implied, as LAPACK does) so that
// applying a reflector is a plain dot + axpy over that slice, with no special
// case for the first entry. Internal to assembly/linalg (not exported).
import { dot, axpy, sumsq } from "../kernels/dot";
import { dot4, axpy4, dot4s0, dot4s1, dot4s2, dot4s3 } from "../kernels/dot4";
import { rowTimesW, addOuter } from "../kernels/rows";
import { scal } from "../kernels/scale";

/**
 * Generates H with H·x = β·e1 for the contiguous x (len ≥ 1), as LAPACK dlarfg
 * without its rescaling loop (callers keep entries in a range where squares
 * neither overflow nor underflow; see lqPow2Scale).
 *
 * On exit x holds v (x[0] = 1), β is stored at `beta` and τ is returned.
 * τ = 0 (H = I) when x[1..len) = 0; then β = x[0].
 * β takes the sign opposite to x[0] so that x[0] − β never cancels.
 */
export function reflectorGen(len: i32, x: usize, beta: usize): f64 {
  const alpha = load<f64>(x);
  const tail = len > 1 ? sumsq(len - 1, x + 8) : 0.0;
  if (tail == 0) {
    store<f64>(beta, alpha);
    store<f64>(x, 1.0);
    return 0;
  }
  const norm = Math.sqrt(alpha * alpha + tail);
  const b = alpha >= 0 ? -norm : norm;
  scal(len - 1, 1.0 / (alpha - b), x + 8);
  store<f64>(x, 1.0);
  store<f64>(beta, b);
  return (b - alpha) / b;
}

/**
 * y ← y·H = y − τ (v·y) v for contiguous v, y of length len (a row times a
 * reflector from the right; H is symmetric, so also H·y for a column y).
 */
// @ts-ignore: decorator
@inline
export function reflectVec(len: i32, tau: f64, v: usize, y: usize): void {
  axpy(len, -tau * dot(len, v, y), v, y);
}

/**
 * y_r ← y_r·H for `rows` rows y_r = y + r·stride (bytes) of length len: reflectVec on each,
 * four rows at a time (kernels/dot4.ts: one load of v serves four rows). Each row gets
 * reflectVec's arithmetic exactly, so the result is the same to the bit as row by row.
 */
export function reflectRows(len: i32, tau: f64, v: usize, y: usize, stride: usize, rows: i32): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const yr = y + <usize>r * stride;
    dot4(len, v, yr, stride);
    axpy4(len, -tau * dot4s0, -tau * dot4s1, -tau * dot4s2, -tau * dot4s3, v, yr, stride);
  }
  for (; r < rows; r++) reflectVec(len, tau, v, y + <usize>r * stride);
}

/**
 * M ← H·M for M (len×k row-major, contiguous) and v of length len.
 * w: k doubles of scratch (unused when k = 1).
 * k ≥ 2 works row-wise: w = vᵀM (one pass, f64x2 over columns), then M += v·(−τw)ᵀ.
 */
export function reflectLeft(len: i32, k: i32, tau: f64, v: usize, M: usize, w: usize): void {
  if (tau == 0) return;
  if (k == 1) {
    reflectVec(len, tau, v, M);
    return;
  }
  rowTimesW(len, k, v, M, w);
  scal(k, -tau, w);
  addOuter(len, k, v, w, M);
}
