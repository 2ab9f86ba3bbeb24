// lp {p > 1}: ℓ(r) = (1/p)|r|^p,  ∇ℓ(r) = sign(r)|r|^{p−1}
@inline export function lpValue(r: f64, p: f64): f64 {
  return Math.pow(abs(r), p) / p;
}
@inline export function lpGrad(r: f64, p: f64): f64 {
  const a = Math.pow(abs(r), p - 1.0);
  return r < 0 ? -a : r > 0 ? a : 0.0;
}
