// normalized {eps}: ∇K(G) = G / √(‖G‖² + ε²), K(G) = √(‖G‖² + ε²).
// Steps have length < η however large G is; near the optimum it is GD with step η/ε.
import { sumsq } from "../kernels/dot";
import { divInto } from "./elementwise";

export function normalizedGrad(len: i32, G: usize, P: usize, eps: f64): void {
  divInto(len, Math.sqrt(sumsq(len, G) + eps * eps), G, P);
}

export function normalizedValue(len: i32, G: usize, eps: f64): f64 {
  return Math.sqrt(sumsq(len, G) + eps * eps);
}
