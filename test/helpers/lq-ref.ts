/**
 * A plain JS lqFactor (assembly/linalg/lq.ts) that does the kernel's arithmetic to the bit:
 * the pivoted Householder LQ row by row, with the sums of dot (kernels/dot.ts) in its order
 * (lanes [i, i+1] and [i+2, i+3] of each step of four in two accumulators, then the tail).
 * It is the reference that the blocked kernel (four rows per reflector, kernels/dot4.ts) must
 * equal exactly; its accuracy is tested apart, against the Jacobi SVD (test/linalg.test.ts).
 */

/** dot(len, x + xo, y + yo) with the WASM kernel's order of additions. */
function dotRef(len: number, x: Float64Array, xo: number, y: Float64Array, yo: number): number {
  let a0 = 0, a1 = 0, b0 = 0, b1 = 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    a0 += x[xo + i]! * y[yo + i]!;
    a1 += x[xo + i + 1]! * y[yo + i + 1]!;
    b0 += x[xo + i + 2]! * y[yo + i + 2]!;
    b1 += x[xo + i + 3]! * y[yo + i + 3]!;
  }
  let s = (a0 + b0) + (a1 + b1);
  for (; i < len; i++) s += x[xo + i]! * y[yo + i]!;
  return s;
}

export interface LqRef { A: Float64Array; tau: Float64Array; diag: Float64Array; perm: Int32Array; rank: number }

/** lqFactor(m, d, A, …, rtol) on a copy of A (m×d row-major); pivot: row pivoting (perm ≠ 0). */
export function lqFactorRef(m: number, d: number, A0: Float64Array, pivot: boolean, rtol: number): LqRef {
  const A = Float64Array.from(A0);
  const steps = Math.min(m, d);
  const tau = new Float64Array(steps), diag = new Float64Array(steps), perm = Int32Array.from({ length: m }, (_, i) => i);
  const vn1 = new Float64Array(m), vn2 = new Float64Array(m);
  const done = (rank: number): LqRef => ({ A, tau, diag, perm, rank });
  if (pivot) {
    for (let i = 0; i < m; i++) vn1[i] = vn2[i] = Math.sqrt(dotRef(d, A, i * d, A, i * d));
  }
  let ref = 0;
  for (let j = 0; j < steps; j++) {
    const len = d - j;
    if (pivot) {
      let p = j;
      for (let i = j + 1; i < m; i++) if (vn1[i]! > vn1[p]!) p = i;
      if (p !== j) {
        for (let c = 0; c < d; c++) { const t = A[p * d + c]!; A[p * d + c] = A[j * d + c]!; A[j * d + c] = t; }
        for (const v of [vn1, vn2]) { const t = v[p]!; v[p] = v[j]!; v[j] = t; }
        const t = perm[p]!; perm[p] = perm[j]!; perm[j] = t;
      }
      const a = Math.sqrt(dotRef(len, A, j * d + j, A, j * d + j));
      if (j === 0) ref = a;
      if (a === 0 || (j > 0 && a <= rtol * ref)) return done(j);
    }
    // reflectorGen
    const x = j * d + j;
    const alpha = A[x]!;
    const tail = len > 1 ? dotRef(len - 1, A, x + 1, A, x + 1) : 0;
    let t = 0;
    if (tail === 0) {
      diag[j] = alpha;
      A[x] = 1;
    } else {
      const norm = Math.sqrt(alpha * alpha + tail);
      const b = alpha >= 0 ? -norm : norm;
      const s = 1 / (alpha - b);
      for (let c = 1; c < len; c++) A[x + c] = s * A[x + c]!;
      A[x] = 1;
      diag[j] = b;
      t = (b - alpha) / b;
    }
    tau[j] = t;
    if (t !== 0) {
      for (let i = j + 1; i < m; i++) {
        const y = i * d + j;
        const c = -t * dotRef(len, A, x, A, y);
        for (let q = 0; q < len; q++) A[y + q] = A[y + q]! + c * A[x + q]!;
      }
    }
    if (pivot && j + 1 < d) {
      for (let i = j + 1; i < m; i++) {
        const n1 = vn1[i]!;
        if (n1 === 0) continue;
        const q = Math.abs(A[i * d + j]!) / n1;
        let t1 = 1 - q * q;
        if (t1 < 0) t1 = 0;
        const ratio = n1 / vn2[i]!;
        if (t1 * ratio * ratio <= 1.4901161193847656e-8) {
          vn1[i] = vn2[i] = Math.sqrt(dotRef(len - 1, A, i * d + j + 1, A, i * d + j + 1));
        } else {
          vn1[i] = n1 * Math.sqrt(t1);
        }
      }
    }
  }
  return done(steps);
}
