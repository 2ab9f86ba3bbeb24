// rownorm {eps}: each row (one feature, its k outputs) normalized on its own,
// ∇K(G)_{i,:} = g_{i,:} / √(‖g_{i,:}‖² + ε²), K(G) = Σ_i √(‖g_{i,:}‖² + ε²).
// A left multiplication by a diagonal: it leaves the row space of X.
import { dot } from "../kernels/dot";
import { scaleInto } from "./elementwise";

export function rownormGrad(d: i32, k: i32, G: usize, P: usize, eps: f64): void {
  const kRow = <usize>k << 3;
  for (let i = 0; i < d; i++) {
    const gi = G + <usize>i * kRow;
    scaleInto(k, 1.0 / Math.sqrt(dot(k, gi, gi) + eps * eps), gi, P + <usize>i * kRow);
  }
}

export function rownormValue(d: i32, k: i32, G: usize, eps: f64): f64 {
  const kRow = <usize>k << 3;
  let s: f64 = 0;
  for (let i = 0; i < d; i++) {
    const gi = G + <usize>i * kRow;
    s += Math.sqrt(dot(k, gi, gi) + eps * eps);
  }
  return s;
}
