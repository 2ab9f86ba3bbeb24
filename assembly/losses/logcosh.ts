// logcosh: ℓ(r) = log cosh r,  ∇ℓ(r) = tanh r.
// log cosh r is evaluated as |r| + log1p(e^{−2|r|}) − log 2: the same number
// mathematically, but it does not overflow cosh for |r| > 710.
const LN2: f64 = 0.6931471805599453;
@inline export function logcoshValue(r: f64): f64 {
  const a = abs(r);
  return a + Math.log1p(Math.exp(-2.0 * a)) - LN2;
}
@inline export function logcoshGrad(r: f64): f64 {
  return Math.tanh(r);
}
