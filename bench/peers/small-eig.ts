/**
 * S^(−1/2) of a small symmetric positive definite k×k matrix by cyclic Jacobi
 * rotations, in float64. For the tfjs peer's `spectral`: tfjs has no symmetric
 * eigensolver, so the k×k step runs in JS (it is O(k³), nothing next to the pass over X).
 */
export function invSqrtSym(S: ArrayLike<number>, k: number): Float64Array {
  const A = Float64Array.from(S);
  const V = new Float64Array(k * k);
  for (let i = 0; i < k; i++) V[i * k + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, diag = 0;
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) (i === j ? (diag += A[i * k + j] ** 2) : (off += A[i * k + j] ** 2));
    if (off <= 1e-30 * diag) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = A[p * k + q];
        if (apq === 0) continue;
        const theta = (A[q * k + q] - A[p * k + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let r = 0; r < k; r++) { // A ← A·J
          const arp = A[r * k + p], arq = A[r * k + q];
          A[r * k + p] = c * arp - s * arq; A[r * k + q] = s * arp + c * arq;
        }
        for (let r = 0; r < k; r++) { // A ← Jᵀ·A
          const apr = A[p * k + r], aqr = A[q * k + r];
          A[p * k + r] = c * apr - s * aqr; A[q * k + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < k; r++) { // V ← V·J
          const vrp = V[r * k + p], vrq = V[r * k + q];
          V[r * k + p] = c * vrp - s * vrq; V[r * k + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const out = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
    let s = 0;
    for (let m = 0; m < k; m++) s += V[a * k + m] * V[b * k + m] / Math.sqrt(A[m * k + m]);
    out[a * k + b] = s;
  }
  return out;
}
