// spectral {eps}: ∇K(G) = G (GᵀG + ε²I_k)^{−1/2}, K(G) = tr (GᵀG + ε²I_k)^{1/2}
// (Muon-style orthogonalized update, smoothed by ε). S = GᵀG + ε²I is k×k
// with k small, so it is diagonalized exactly by cyclic Jacobi rotations:
// S = V Λ Vᵀ, S^{−1/2} = V Λ^{−1/2} Vᵀ, and P = G·S^{−1/2} (a right
// multiplication: the row space is preserved).
//
// Scratch layout (3k² + k doubles): S | V | M | λ.
import { dot } from "../kernels/dot";

export function spectralScratchLen(k: i32): i32 {
  return 3 * k * k + k;
}

/** S (k×k) = GᵀG + ε²I for G d×k row-major. */
function gram(d: i32, k: i32, G: usize, eps: f64, S: usize): void {
  memory.fill(S, 0, <usize>(k * k) << 3);
  const kRow = <usize>k << 3;
  let row = G;
  for (let i = 0; i < d; i++) {
    for (let a = 0; a < k; a++) {
      const ga = load<f64>(row + (<usize>a << 3));
      if (ga == 0) continue;
      const sa = S + <usize>a * kRow;
      // upper triangle only; mirrored below
      for (let b = a; b < k; b++) {
        const o = sa + (<usize>b << 3);
        store<f64>(o, load<f64>(o) + ga * load<f64>(row + (<usize>b << 3)));
      }
    }
    row += kRow;
  }
  for (let a = 0; a < k; a++) {
    const da = S + <usize>a * kRow + (<usize>a << 3);
    store<f64>(da, load<f64>(da) + eps * eps);
    for (let b = a + 1; b < k; b++) {
      store<f64>(S + <usize>b * kRow + (<usize>a << 3), load<f64>(S + <usize>a * kRow + (<usize>b << 3)));
    }
  }
}

@inline function at(A: usize, k: i32, i: i32, j: i32): usize {
  return A + ((<usize>i * <usize>k + <usize>j) << 3);
}

/**
 * Cyclic Jacobi: diagonalizes the symmetric S (k×k, destroyed) into
 * eigenvalues lam (k) and orthonormal eigenvectors V (columns, k×k).
 * Sweeps until the off-diagonal mass is below 1e-30 of the diagonal's
 * (or 60 sweeps; quadratic convergence makes ~6–10 the norm).
 */
function jacobiEigen(k: i32, S: usize, V: usize, lam: usize): void {
  memory.fill(V, 0, <usize>(k * k) << 3);
  for (let i = 0; i < k; i++) store<f64>(at(V, k, i, i), 1.0);
  for (let sweep = 0; sweep < 60; sweep++) {
    let off: f64 = 0, diag: f64 = 0;
    for (let i = 0; i < k; i++) {
      const sii = load<f64>(at(S, k, i, i));
      diag += sii * sii;
      for (let j = i + 1; j < k; j++) {
        const sij = load<f64>(at(S, k, i, j));
        off += sij * sij;
      }
    }
    if (off <= 1e-30 * diag) break;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = load<f64>(at(S, k, p, q));
        if (apq == 0) continue;
        const app = load<f64>(at(S, k, p, p));
        const aqq = load<f64>(at(S, k, q, q));
        // Rotation angle from the stable formula (Golub & Van Loan, Alg. 8.5.1).
        const tau = (aqq - app) / (2.0 * apq);
        const t = tau >= 0 ? 1.0 / (tau + Math.sqrt(1.0 + tau * tau)) : -1.0 / (-tau + Math.sqrt(1.0 + tau * tau));
        const c = 1.0 / Math.sqrt(1.0 + t * t);
        const s = t * c;
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
        for (let r = 0; r < k; r++) {
          const vrp = load<f64>(at(V, k, r, p));
          const vrq = load<f64>(at(V, k, r, q));
          store<f64>(at(V, k, r, p), c * vrp - s * vrq);
          store<f64>(at(V, k, r, q), s * vrp + c * vrq);
        }
      }
    }
  }
  for (let i = 0; i < k; i++) store<f64>(lam + (<usize>i << 3), load<f64>(at(S, k, i, i)));
}

export function spectralGrad(d: i32, k: i32, G: usize, P: usize, eps: f64, scratch: usize): void {
  const kk = <usize>(k * k) << 3;
  const S = scratch, V = scratch + kk, M = scratch + 2 * kk, lam = scratch + 3 * kk;
  gram(d, k, G, eps, S);
  jacobiEigen(k, S, V, lam);
  // M = V diag(λ^{−1/2}) Vᵀ (symmetric)
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let s: f64 = 0;
      for (let r = 0; r < k; r++) {
        s += load<f64>(at(V, k, a, r)) * load<f64>(at(V, k, b, r)) / Math.sqrt(load<f64>(lam + (<usize>r << 3)));
      }
      store<f64>(at(M, k, a, b), s);
      store<f64>(at(M, k, b, a), s);
    }
  }
  // P_i = G_i · M for each row i; M's column b is its row b (symmetric), so each entry is a contiguous dot.
  const kRow = <usize>k << 3;
  for (let i = 0; i < d; i++) {
    const gi = G + <usize>i * kRow;
    const pi = P + <usize>i * kRow;
    for (let b = 0; b < k; b++) store<f64>(pi + (<usize>b << 3), dot(k, gi, M + <usize>b * kRow));
  }
}

export function spectralValue(d: i32, k: i32, G: usize, eps: f64, scratch: usize): f64 {
  const kk = <usize>(k * k) << 3;
  const S = scratch, V = scratch + kk, lam = scratch + 3 * kk;
  gram(d, k, G, eps, S);
  jacobiEigen(k, S, V, lam);
  let s: f64 = 0;
  // λ ≥ ε² > 0 in exact arithmetic; clamp round-off below zero before the root.
  for (let i = 0; i < k; i++) s += Math.sqrt(max(load<f64>(lam + (<usize>i << 3)), 0.0));
  return s;
}
