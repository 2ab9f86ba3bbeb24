// rownorm {eps}: each row (one feature, its k outputs) normalized on its own,
// ∇K(G)_{i,:} = g_{i,:} / √(‖g_{i,:}‖² + ε²), K(G) = Σ_i √(‖g_{i,:}‖² + ε²).
// A left multiplication by a diagonal: it leaves the row space of X.
import { sumsq } from "../kernels/dot";
import { divInto } from "./elementwise";

export function rownormGrad(d: i32, k: i32, G: usize, P: usize, eps: f64): void {
  const kRow = <usize>k << 3;
  const e2 = eps * eps;
  for (let i = 0; i < d; i++) {
    const gi = G + <usize>i * kRow;
    divInto(k, Math.sqrt(sumsq(k, gi) + e2), gi, P + <usize>i * kRow);
  }
}

export function rownormValue(d: i32, k: i32, G: usize, eps: f64): f64 {
  const kRow = <usize>k << 3;
  const e2 = eps * eps;
  let s: f64 = 0;
  for (let i = 0; i < d; i++) s += Math.sqrt(sumsq(k, G + <usize>i * kRow) + e2);
  return s;
}
