// squared: ℓ(r) = ½ r², ∇ℓ(r) = r   (spec: math.md, Losses)
@inline export function squaredValue(r: f64): f64 {
  return 0.5 * r * r;
}
@inline export function squaredGrad(r: f64): f64 {
  return r;
}
