// Scale-safe norms: overflow/underflow fallbacks for every map that squares entries
// (the norm kernels, and the preconditioners normalized, clip, power, colnorm, rownorm,
// sign, spectral). The spec writes them with squares,
// √(‖G‖² + ε²), and that is what the kernels compute whenever it is safe, so
// results in the normal range are unchanged bit for bit. Only when the sum of
// squares overflows (|g| above ~1e154) or is so small that squares lost their
// precision (below 2^−969, i.e. entries below ~1e−146 with ε as small) is the
// same formula evaluated on G/m and ε/m with m = max(max|g|, ε):
//   √(‖G‖² + ε²) = m·√(‖G/m‖² + (ε/m)²),   G/√(‖G‖² + ε²) = (G/m)/√(‖G/m‖² + (ε/m)²),
// mathematically identical, with every square in [0, 1].

/** Below this a sum of squares may have lost bits to subnormal squares (2^−969). The one copy of the threshold. */
export const SUMSQ_SAFE_LO: f64 = 2.004168360008973e-292;

/** True when a sum of squares s cannot be trusted: overflowed, or tiny enough to have underflowed. NaN is "safe" (it propagates). */
@inline export function unsafeSumsq(s: f64): bool {
  return s < SUMSQ_SAFE_LO || s == Infinity;
}

/** max |x[i·stride]| for i < len (stride in bytes). */
export function maxAbsStrided(len: i32, x: usize, stride: usize): f64 {
  let m: f64 = 0;
  for (let i = 0; i < len; i++) m = max(m, abs(load<f64>(x + <usize>i * stride)));
  return m;
}

/** Σ (x[i·stride]/m)² for i < len (m > 0). */
export function scaledSumsqStrided(len: i32, x: usize, stride: usize, m: f64): f64 {
  let s: f64 = 0;
  for (let i = 0; i < len; i++) {
    const v = load<f64>(x + <usize>i * stride) / m;
    s += v * v;
  }
  return s;
}

/** out[i·stride] = (x[i·stride]/m)/r for i < len. */
export function scaledDivStrided(len: i32, x: usize, out: usize, stride: usize, m: f64, r: f64): void {
  for (let i = 0; i < len; i++) {
    const o = <usize>i * stride;
    store<f64>(out + o, load<f64>(x + o) / m / r);
  }
}

/** out[i·stride] = (x[i·stride]/m)·f for i < len. */
export function scaledMulStrided(len: i32, x: usize, out: usize, stride: usize, m: f64, f: f64): void {
  for (let i = 0; i < len; i++) {
    const o = <usize>i * stride;
    store<f64>(out + o, (load<f64>(x + o) / m) * f);
  }
}

/** Results of scaledNorm (globals: kernels do not allocate). */
export let normM: f64 = 0;
export let normR: f64 = 0;

/**
 * For a vector x (len entries, stride bytes) and ε ≥ 0, sets normM = max(max|x|, ε)
 * and normR = √(Σ(x/m)² + (ε/m)²), so that √(Σx² + ε²) = normM·normR.
 * normM = 0 (and normR = 0) only when x = 0 and ε = 0.
 */
export function scaledNorm(len: i32, x: usize, stride: usize, eps: f64): void {
  const m = max(maxAbsStrided(len, x, stride), eps);
  normM = m;
  if (m == 0) {
    normR = 0;
    return;
  }
  const e = eps / m;
  normR = Math.sqrt(scaledSumsqStrided(len, x, stride, m) + e * e);
}

/**
 * ‖x‖₂ (contiguous, len entries) given s = Σx² as summed by the caller: √s when s is
 * safe, else m·√(Σ(x/m)²) with m = max|x| (entries of 1e−170 have norm ≈ 1e−170, not 0).
 * The one scale-safe norm: norm2, power and clip all go through it.
 */
@inline export function normFromSumsq(s: f64, len: i32, x: usize): f64 {
  if (!unsafeSumsq(s)) return Math.sqrt(s);
  scaledNorm(len, x, 8, 0);
  return normM * normR;
}
