// Symmetric positive definite eigen-solve for small k×k matrices (the k×k Gram
// matrices of spectral, on both paths). Row-major, contiguous.

@inline function at(A: usize, k: i32, i: i32, j: i32): usize {
  return A + ((<usize>i * <usize>k + <usize>j) << 3);
}

// Rotate (p, q) only while |s_pq| > JACOBI_TOL·√(s_pp s_qq): the Demmel–Veselić
// criterion, under which Jacobi on a positive definite matrix delivers every
// eigenvalue, the small ones included, to high relative accuracy. That matters
// here because the smallest λ (≥ ε²) is the one raised to the power −1/2.
const JACOBI_TOL: f64 = 1.1102230246251565e-16; // 2^−53
// Quadratic convergence needs ~5–10 sweeps for k ≤ 100; the cap only guards against a pathological input (NaN).
const JACOBI_MAX_SWEEPS: i32 = 50;

/**
 * Cyclic Jacobi: diagonalizes the symmetric positive definite S (k×k,
 * destroyed) into eigenvalues lam (k) and orthonormal eigenvectors, the
 * columns of V (k×k).
 */
export function jacobiEigen(k: i32, S: usize, V: usize, lam: usize): void {
  memory.fill(V, 0, <usize>(k * k) << 3);
  for (let i = 0; i < k; i++) store<f64>(at(V, k, i, i), 1.0);
  for (let sweep = 0; sweep < JACOBI_MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = load<f64>(at(S, k, p, q));
        const app = load<f64>(at(S, k, p, p));
        const aqq = load<f64>(at(S, k, q, q));
        if (!(abs(apq) > JACOBI_TOL * Math.sqrt(abs(app)) * Math.sqrt(abs(aqq)))) continue;
        rotated = true;
        // Smaller of the two angles that annihilate s_pq (Golub & Van Loan, Alg. 8.5.1).
        const tau = (aqq - app) / (2.0 * apq);
        const t = tau >= 0 ? 1.0 / (tau + Math.sqrt(1.0 + tau * tau)) : -1.0 / (-tau + Math.sqrt(1.0 + tau * tau));
        const c = 1.0 / Math.sqrt(1.0 + t * t);
        const s = t * c;
        // S ← JᵀSJ: columns p, q, then rows p, q.
        for (let r = 0; r < k; r++) {
          const srp = load<f64>(at(S, k, r, p));
          const srq = load<f64>(at(S, k, r, q));
          store<f64>(at(S, k, r, p), c * srp - s * srq);
          store<f64>(at(S, k, r, q), s * srp + c * srq);
        }
        for (let r = 0; r < k; r++) {
          const spr = load<f64>(at(S, k, p, r));
          const sqr = load<f64>(at(S, k, q, r));
          store<f64>(at(S, k, p, r), c * spr - s * sqr);
          store<f64>(at(S, k, q, r), s * spr + c * sqr);
        }
        // The rotation was chosen to zero s_pq; store the exact zero rather than its round-off.
        store<f64>(at(S, k, p, q), 0.0);
        store<f64>(at(S, k, q, p), 0.0);
        // V ← VJ
        for (let r = 0; r < k; r++) {
          const vrp = load<f64>(at(V, k, r, p));
          const vrq = load<f64>(at(V, k, r, q));
          store<f64>(at(V, k, r, p), c * vrp - s * vrq);
          store<f64>(at(V, k, r, q), s * vrp + c * vrq);
        }
      }
    }
    if (!rotated) break;
  }
  for (let i = 0; i < k; i++) store<f64>(lam + (<usize>i << 3), load<f64>(at(S, k, i, i)));
}
