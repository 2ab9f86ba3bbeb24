// huber {delta}: ℓ(r) = ½r² if |r| ≤ δ else δ|r| − ½δ²,  ∇ℓ(r) = clamp(r, −δ, δ)
@inline export function huberValue(r: f64, delta: f64): f64 {
  const a = abs(r);
  return a <= delta ? 0.5 * r * r : delta * a - 0.5 * delta * delta;
}
@inline export function huberGrad(r: f64, delta: f64): f64 {
  return min(max(r, -delta), delta);
}
