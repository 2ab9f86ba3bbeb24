// logcosh: ℓ(r) = log cosh r,  ∇ℓ(r) = tanh r.
// Two forms, each free of cancellation where it is used (math.md: losses without cancellation):
// - |r| < 1: cosh r − 1 = 2 sinh²(r/2) exactly, so log cosh r = log1p(2 sinh²(r/2)); every
//   factor is accurate to an ulp or two and log1p keeps that relative accuracy. The form
//   |r| + log1p(e^{−2|r|}) − log 2 subtracts nearly equal numbers there (77× too large at
//   |r| = 1.7e−9). 2s·s rather than 2·s²: one rounding, not two, when s² is subnormal.
// - |r| ≥ 1: (|r| − log 2) + log1p(e^{−2|r|}): |r| − log 2 ≥ 0.3 and the last term is
//   positive, so nothing cancels, and cosh (which overflows from |r| ≈ 710) is never formed.
// Measured against a 240-bit reference: ≤ 3 ulps below 1, ≤ 1.1 ulps above.
const LN2: f64 = 0.6931471805599453;
@inline export function logcoshValue(r: f64): f64 {
  const a = abs(r);
  if (a < 1.0) {
    const s = Math.sinh(0.5 * a);
    return Math.log1p((s + s) * s);
  }
  return (a - LN2) + Math.log1p(Math.exp(-2.0 * a));
}
@inline export function logcoshGrad(r: f64): f64 {
  return Math.tanh(r);
}
