// spectral {eps}: with the thin SVD G = U Σ Vᵀ (d×k, m = min(d, k) singular values),
//   ∇K(G) = U diag(σᵢ/√(σᵢ² + ε²)) Vᵀ = G (GᵀG + ε²I_k)^{−1/2},
//   K(G)  = Σᵢ √(σᵢ² + ε²) + (k − m)·ε        = tr (GᵀG + ε²I_k)^{1/2}
// (GᵀG has the m eigenvalues σᵢ² and k − m zeros). The smoothed polar factor that
// Muon's Newton–Schulz iteration approximates; not Muon (no momentum, no Newton–Schulz).
//
// Evaluated from the singular values, never from GᵀG + ε²I: forming GᵀG squares the
// condition number, and a σ below √u·‖G‖ is lost in it (a step with singular value 487
// at ε = 1e−9). One-sided Jacobi (Hestenes) on the rows of the smaller side — G's d rows
// when d ≤ k, else Gᵀ's k rows — orthogonalizes them by plane rotations T ← JT, keeping
// the product Q of the rotations: G = Q·T (or Gᵀ = Q·T) with T's rows σᵢ vᵢᵀ. The step is
// then Q diag(gᵢ) T with gᵢ = 1/√(σᵢ² + ε²): each row of T has norm σᵢ, so each singular
// value of the step is σᵢgᵢ ≤ 1 to round-off, for every ε > 0. Work per sweep is
// O(d·k·m): it follows the rank bound m, not k² (k = 1000, d = 3 rotates 3 rows).
//
// Scale: G and ε are multiplied by 2^−e, e = ⌊log₂ max(max|g|, ε)⌋ (exact, a power of
// two), so every dot product of the rotations is of size ≤ 4·len: no overflow for
// |g| ~ 1e300 and no underflow unless an entry is 1e−150 below the largest. The step is
// invariant under that scaling and K scales back by 2^e.
//
// Scratch (spectralScratchLen(d, k) doubles): T (d·k) | Q (m²) | W (m²) | σ (m).
import { axpy, dot, norm2, sumsq } from "../kernels/dot";
import { maxAbsStrided, SUMSQ_SAFE_LO } from "../kernels/scaled";

/** Doubles of scratch spectralGrad/spectralValue need for a d×k G. */
export function spectralScratchLen(d: i32, k: i32): i32 {
  const m = min(d, k);
  return d * k + 2 * m * m + m;
}

// Rotate rows (p, q) while |⟨t_p, t_q⟩| > tol·‖t_p‖‖t_q‖ with tol = u·max(2, √len): the
// dot products themselves carry ~√len·u of relative round-off, so a tighter test only
// spins. Quadratic convergence: a handful of sweeps; the cap guards against NaN input.
const HALF_ULP: f64 = 1.1102230246251565e-16; // 2^−53
const MAX_SWEEPS: i32 = 60;

/** 2^k for −1022 ≤ k ≤ 1023. */
@inline function pow2(k: i32): f64 {
  return reinterpret<f64>(<u64>(k + 1023) << 52);
}

/** ⌊log₂ x⌋ for finite x > 0 (subnormals included). */
function floorLog2(x: f64): i32 {
  const bits = reinterpret<u64>(x);
  const ex = <i32>((bits >> 52) & 0x7ff);
  if (ex != 0) return ex - 1023;
  return (63 - <i32>clz(bits)) - 1074;
}

/** x[i·stride] and y[i·stride] ← (c x − s y, s x + c y) for i < len (stride in bytes). */
@inline function rotate(len: i32, x: usize, y: usize, stride: usize, c: f64, s: f64): void {
  for (let i = 0; i < len; i++) {
    const o = <usize>i * stride;
    const xi = load<f64>(x + o), yi = load<f64>(y + o);
    store<f64>(x + o, c * xi - s * yi);
    store<f64>(y + o, s * xi + c * yi);
  }
}

/**
 * One-sided Jacobi on the m rows (length len) of T, in place: afterwards the rows are
 * mutually orthogonal and T_in = Q·T_out with Q (m×m, row-major) orthogonal; sig[i] = ‖row i‖.
 */
export function jacobiRows(m: i32, len: i32, T: usize, Q: usize, sig: usize): void {
  memory.fill(Q, 0, <usize>m * <usize>m << 3);
  for (let i = 0; i < m; i++) store<f64>(Q + ((<usize>i * <usize>m + <usize>i) << 3), 1.0);
  const row = <usize>len << 3;
  const qCol = <usize>m << 3;
  const tol = HALF_ULP * max(2.0, Math.sqrt(<f64>len));
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < m - 1; p++) {
      const tp = T + <usize>p * row;
      for (let q = p + 1; q < m; q++) {
        const tq = T + <usize>q * row;
        const a = sumsq(len, tp), b = sumsq(len, tq);
        // A row whose squares underflow is 1e−146 below the scale: left as it is.
        if (a < SUMSQ_SAFE_LO || b < SUMSQ_SAFE_LO) continue;
        const g = dot(len, tp, tq);
        if (!(abs(g) > tol * Math.sqrt(a) * Math.sqrt(b))) continue;
        rotated = true;
        // The smaller angle that makes the two rows orthogonal: t = tan θ solves
        // t² + 2ζt − 1 = 0, ζ = (b − a)/(2g).
        const zeta = (b - a) / (2.0 * g);
        const t = abs(zeta) > 1e150 ? 0.5 / zeta : (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + Math.sqrt(1.0 + zeta * zeta));
        const c = 1.0 / Math.sqrt(1.0 + t * t);
        const s = c * t;
        rotate(len, tp, tq, 8, c, s);
        // Q ← Q Jᵀ: columns p and q.
        rotate(m, Q + (<usize>p << 3), Q + (<usize>q << 3), qCol, c, s);
      }
    }
    if (!rotated) break;
  }
  for (let i = 0; i < m; i++) store<f64>(sig + (<usize>i << 3), norm2(len, T + <usize>i * row));
}

/** K(G), and P = ∇K(G) when P ≠ 0 (P must not alias G). */
function spectralEval(d: i32, k: i32, G: usize, P: usize, eps: f64, scratch: usize): f64 {
  const m = min(d, k);
  const len = d * k;
  const T = scratch;
  const Q = T + (<usize>len << 3);
  const W = Q + (<usize>(m * m) << 3);
  const sig = W + (<usize>(m * m) << 3);
  const top = max(maxAbsStrided(len, G, 8), eps);
  if (top == 0 || !isFinite(top)) {
    // G = 0 with ε = 0: the limit 0. Non-finite input: NaN out, for the divergence test.
    const v: f64 = top == 0 ? 0.0 : NaN;
    if (P) for (let i = 0; i < len; i++) store<f64>(P + (<usize>i << 3), v);
    return v;
  }
  // 2^−e as two factors, each a normal power of two, so the scaling is exact (e can be −1074).
  const e = floorLog2(top);
  const k1 = -(e >> 1), k2 = -e - k1;
  const s1 = pow2(k1), s2 = pow2(k2);
  const epsS = (eps * s1) * s2;
  const rowsOfG = d <= k;
  if (rowsOfG) {
    for (let i = 0; i < len; i++) store<f64>(T + (<usize>i << 3), (load<f64>(G + (<usize>i << 3)) * s1) * s2);
  } else {
    // T = Gᵀ (k×d), so that G's columns are contiguous rows.
    for (let j = 0; j < d; j++) {
      for (let c = 0; c < k; c++) {
        store<f64>(T + ((<usize>c * <usize>d + <usize>j) << 3), (load<f64>(G + ((<usize>j * <usize>k + <usize>c) << 3)) * s1) * s2);
      }
    }
  }
  const L = rowsOfG ? k : d;
  jacobiRows(m, L, T, Q, sig);
  let K: f64 = 0;
  for (let i = 0; i < m; i++) {
    const o = sig + (<usize>i << 3);
    const h = Math.hypot(load<f64>(o), epsS);
    K += h;
    store<f64>(o, h > 0 ? 1.0 / h : 0.0); // gᵢ = 1/√(σᵢ² + ε²)
  }
  K += <f64>(k - m) * epsS;
  if (P) {
    memory.fill(P, 0, <usize>len << 3);
    const kRow = <usize>k << 3;
    if (rowsOfG) {
      // G = Q·T: row r of the step is Σᵢ Q[r,i]·gᵢ·Tᵢ.
      for (let r = 0; r < d; r++) {
        for (let i = 0; i < m; i++) {
          const a = load<f64>(Q + ((<usize>r * <usize>m + <usize>i) << 3)) * load<f64>(sig + (<usize>i << 3));
          axpy(k, a, T + <usize>i * kRow, P + <usize>r * kRow);
        }
      }
    } else {
      // Gᵀ = Q·T (Q k×k): G = Tᵀ Qᵀ, step = Tᵀ diag(g) Qᵀ; W's row i is gᵢ·(column i of Q).
      for (let i = 0; i < m; i++) {
        const gi = load<f64>(sig + (<usize>i << 3));
        for (let c = 0; c < k; c++) {
          store<f64>(W + ((<usize>i * <usize>k + <usize>c) << 3), gi * load<f64>(Q + ((<usize>c * <usize>m + <usize>i) << 3)));
        }
      }
      for (let j = 0; j < d; j++) {
        for (let i = 0; i < m; i++) {
          axpy(k, load<f64>(T + ((<usize>i * <usize>d + <usize>j) << 3)), W + <usize>i * kRow, P + <usize>j * kRow);
        }
      }
    }
  }
  // K = 2^e·K̂, again as two exact factors.
  return (K * pow2(-k1)) * pow2(-k2);
}

export function spectralGrad(d: i32, k: i32, G: usize, P: usize, eps: f64, scratch: usize): void {
  spectralEval(d, k, G, P, eps, scratch);
}

export function spectralValue(d: i32, k: i32, G: usize, eps: f64, scratch: usize): f64 {
  return spectralEval(d, k, G, 0, eps, scratch);
}
