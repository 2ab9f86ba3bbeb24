/**
 * The SVD of the small r×r triangle that the rank-revealing LQ of X leaves
 * (row-space.ts), for the cases where pivoting alone does not reveal the rank.
 *
 * One-sided Jacobi (Hestenes): plane rotations orthogonalize the columns of
 * M·V until every pair is orthogonal to working precision; then M·V = U·diag(σ).
 * It computes small singular values to high relative accuracy for the
 * triangular factors of a pivoted QR/LQ (Demmel–Veselić), which is what the
 * rank decision σ_i > rtol·σ_1 needs. Cost O(sweeps·r³), so row-space.ts only
 * calls it when a cheap bracket (assembly/linalg/triangle_extremes.ts) says the triangle's smallest singular value is
 * near the rank tolerance.
 */

export interface SmallSvd {
  /** Singular values, largest first. */
  sigma: Float64Array;
  /** Left singular vectors: column j is U[j·r .. (j+1)·r). */
  U: Float64Array;
  /** Right singular vectors, stored like U. */
  V: Float64Array;
}

/** SVD of M (r×r, row-major). */
export function smallSvd(M: Float64Array, r: number): SmallSvd {
  // Work on columns: A[j] is column j of M·V.
  const A = new Float64Array(r * r);
  const V = new Float64Array(r * r);
  for (let j = 0; j < r; j++) {
    for (let i = 0; i < r; i++) A[j * r + i] = M[i * r + j];
    V[j * r + j] = 1;
  }
  const norm2 = new Float64Array(r);
  for (let j = 0; j < r; j++) norm2[j] = sumsq(A, j * r, r);
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let a = 0; a < r - 1; a++) {
      for (let b = a + 1; b < r; b++) {
        const alpha = norm2[a], beta = norm2[b];
        if (alpha === 0 || beta === 0) continue;
        let gamma = 0;
        const oa = a * r, ob = b * r;
        for (let i = 0; i < r; i++) gamma += A[oa + i] * A[ob + i];
        if (Math.abs(gamma) <= 2.220446049250313e-16 * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.hypot(1, zeta));
        const c = 1 / Math.hypot(1, t), s = c * t;
        rotate(A, oa, ob, r, c, s);
        rotate(V, oa, ob, r, c, s);
        // Recomputed, not updated: the updated norms drift for tiny columns.
        norm2[a] = sumsq(A, oa, r);
        norm2[b] = sumsq(A, ob, r);
      }
    }
    if (!rotated) break;
  }
  const order = Array.from({ length: r }, (_, j) => j);
  const sig = order.map((j) => Math.sqrt(norm2[j]));
  order.sort((x, y) => sig[y] - sig[x]);
  const sigma = new Float64Array(r);
  const U = new Float64Array(r * r);
  const Vs = new Float64Array(r * r);
  order.forEach((j, p) => {
    sigma[p] = sig[j];
    for (let i = 0; i < r; i++) {
      U[p * r + i] = sig[j] > 0 ? A[j * r + i] / sig[j] : 0;
      Vs[p * r + i] = V[j * r + i];
    }
  });
  return { sigma, U, V: Vs };
}

function sumsq(x: Float64Array, o: number, len: number): number {
  // Scaled, so that columns of 1e-200 keep their norm.
  let scale = 0;
  for (let i = 0; i < len; i++) scale = Math.max(scale, Math.abs(x[o + i]));
  if (scale === 0) return 0;
  let s = 0;
  for (let i = 0; i < len; i++) {
    const v = x[o + i] / scale;
    s += v * v;
  }
  return s * scale * scale;
}

function rotate(X: Float64Array, oa: number, ob: number, len: number, c: number, s: number): void {
  for (let i = 0; i < len; i++) {
    const xa = X[oa + i], xb = X[ob + i];
    X[oa + i] = c * xa - s * xb;
    X[ob + i] = s * xa + c * xb;
  }
}
