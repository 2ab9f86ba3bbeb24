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
// on Ĝ = G/m and ε̂ = ε/m (kernels/scaled.ts): Ĝ(ĜᵀĜ + ε̂²I)^{−1/2} = G(GᵀG + ε²I)^{−1/2}
// exactly in real arithmetic, and K = m·tr(ĜᵀĜ + ε̂²I)^{1/2}. Inside that range
// nothing changes. The scaled rows are staged in M (during the Gram) and in S
// (for the product), which are free at those times.
import { axpy, dot } from "../kernels/dot";
import { maxAbsStrided } from "../kernels/scaled";
import { jacobiEigen } from "../linalg/jacobi_eigen";

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
