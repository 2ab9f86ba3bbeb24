// spectral {eps}: ∇K(G) = G (GᵀG + ε²I_k)^{−1/2}, K(G) = tr (GᵀG + ε²I_k)^{1/2}
// (Muon-style orthogonalized update, smoothed by ε). S = GᵀG + ε²I is k×k
// with k small, so it is diagonalized by cyclic Jacobi rotations:
// S = V Λ Vᵀ, S^{−1/2} = V Λ^{−1/2} Vᵀ, and P = G·S^{−1/2} (a right
// multiplication: the row space is preserved). K = Σ √λ_i.
//
// Scratch layout (3k² + k doubles): S | V | M | λ. After the eigensolve S is
// dead and is reused for V Λ^{−1/2}.
//
// GᵀG overflows for entries above ~1e154 and loses the small ones below ~1e−146.
// Outside [2^−480, 2^480] for m = max(max|g|, ε), the same formula is evaluated
// on Ĝ = G/m and ε̂ = ε/m (scaled.ts): Ĝ(ĜᵀĜ + ε̂²I)^{−1/2} = G(GᵀG + ε²I)^{−1/2}
// exactly in real arithmetic, and K = m·tr(ĜᵀĜ + ε̂²I)^{1/2}. Inside that range
// nothing changes. The scaled rows are staged in M (during the Gram) and in S
// (for the product), which are free at those times.
import { axpy, dot } from "../kernels/dot";
import { maxAbsStrided } from "./scaled";

const SCALE_HI: f64 = 3.1217485503159922e+144; // 2^480
const SCALE_LO: f64 = 3.2033329522929615e-145; // 2^−480

/** 1, or the m to scale G and ε by when their squares would over- or underflow. */
function spectralScale(len: i32, G: usize, eps: f64): f64 {
  const m = max(maxAbsStrided(len, G, 8), eps);
  return m > SCALE_HI || m < SCALE_LO ? m : 1.0;
}

/** buf[a] = row[a]/m for a < k. */
@inline function scaleRow(k: i32, row: usize, m: f64, buf: usize): void {
  for (let a = 0; a < k; a++) store<f64>(buf + (<usize>a << 3), load<f64>(row + (<usize>a << 3)) / m);
}

/** Doubles of scratch spectralGrad/spectralValue need for k outputs. */
export function spectralScratchLen(k: i32): i32 {
  return 3 * k * k + k;
}

@inline function at(A: usize, k: i32, i: i32, j: i32): usize {
  return A + ((<usize>i * <usize>k + <usize>j) << 3);
}

/**
 * S (k×k) = ĜᵀĜ + ε̂²I for Ĝ = G/m (d×k row-major), ε̂ = ε/m: rank-one row updates,
 * fixed row order. m = 1 is the unscaled Gram; otherwise each row is staged in buf (k doubles).
 */
function gram(d: i32, k: i32, G: usize, eps: f64, S: usize, m: f64, buf: usize): void {
  memory.fill(S, 0, <usize>(k * k) << 3);
  const kRow = <usize>k << 3;
  let row = G;
  for (let i = 0; i < d; i++) {
    let r = row;
    if (m != 1.0) {
      scaleRow(k, row, m, buf);
      r = buf;
    }
    // Upper triangle only (row a from column a on); mirrored below so S is exactly symmetric.
    for (let a = 0; a < k; a++) {
      const ga = load<f64>(r + (<usize>a << 3));
      axpy(k - a, ga, r + (<usize>a << 3), at(S, k, a, a));
    }
    row += kRow;
  }
  eps = eps / m; // exact for m = 1
  const e2 = eps * eps;
  for (let a = 0; a < k; a++) {
    store<f64>(at(S, k, a, a), load<f64>(at(S, k, a, a)) + e2);
    for (let b = a + 1; b < k; b++) store<f64>(at(S, k, b, a), load<f64>(at(S, k, a, b)));
  }
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

/** Eigenvalues of ĜᵀĜ + ε̂²I (Ĝ = G/m, ε̂ = ε/m) into lam, clamped to their exact lower bound ε̂² (round-off can dip below it). */
function eigenGram(d: i32, k: i32, G: usize, eps: f64, S: usize, V: usize, lam: usize, m: f64, buf: usize): void {
  gram(d, k, G, eps, S, m, buf);
  jacobiEigen(k, S, V, lam);
  const em = eps / m;
  const e2 = em * em;
  for (let i = 0; i < k; i++) {
    const o = lam + (<usize>i << 3);
    store<f64>(o, max(load<f64>(o), e2));
  }
}

export function spectralGrad(d: i32, k: i32, G: usize, P: usize, eps: f64, scratch: usize): void {
  const kk = <usize>(k * k) << 3;
  const S = scratch, V = scratch + kk, M = scratch + 2 * kk, lam = scratch + 3 * kk;
  const sc = spectralScale(d * k, G, eps);
  eigenGram(d, k, G, eps, S, V, lam, sc, M);
  // T = V Λ^{−1/2} (into S's space), then M = T Vᵀ: entry (a, b) is the dot of rows V_a and T_b.
  const T = S;
  for (let b = 0; b < k; b++) {
    for (let r = 0; r < k; r++) {
      store<f64>(at(T, k, b, r), load<f64>(at(V, k, b, r)) / Math.sqrt(load<f64>(lam + (<usize>r << 3))));
    }
  }
  const kRow = <usize>k << 3;
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      const m = dot(k, V + <usize>a * kRow, T + <usize>b * kRow);
      store<f64>(at(M, k, a, b), m);
      store<f64>(at(M, k, b, a), m);
    }
  }
  // P_i = Ĝ_i·M for each row i; M is symmetric, so column b is the contiguous row b.
  // Scaled rows are staged in S (T is dead once M is formed).
  for (let i = 0; i < d; i++) {
    let gi = G + <usize>i * kRow;
    const pi = P + <usize>i * kRow;
    if (sc != 1.0) {
      scaleRow(k, gi, sc, S);
      gi = S;
    }
    for (let b = 0; b < k; b++) store<f64>(pi + (<usize>b << 3), dot(k, gi, M + <usize>b * kRow));
  }
}

export function spectralValue(d: i32, k: i32, G: usize, eps: f64, scratch: usize): f64 {
  const kk = <usize>(k * k) << 3;
  const S = scratch, V = scratch + kk, M = scratch + 2 * kk, lam = scratch + 3 * kk;
  const sc = spectralScale(d * k, G, eps);
  eigenGram(d, k, G, eps, S, V, lam, sc, M);
  let s: f64 = 0;
  for (let i = 0; i < k; i++) s += Math.sqrt(load<f64>(lam + (<usize>i << 3)));
  return sc * s;
}
