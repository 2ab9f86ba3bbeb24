// clip {c}: ∇K(G) = G·min(1, c/‖G‖) (gradient-norm clipping),
// K(G) = ½‖G‖² if ‖G‖ ≤ c else c‖G‖ − ½c².
import { sumsq } from "../kernels/dot";
import { scaleInto } from "./elementwise";

export function clipGrad(len: i32, G: usize, P: usize, c: f64): void {
  const n = Math.sqrt(sumsq(len, G));
  // n = 0 (or n ≤ c) leaves G unscaled: no division by zero.
  scaleInto(len, n <= c ? 1.0 : c / n, G, P);
}

export function clipValue(len: i32, G: usize, c: f64): f64 {
  const n2 = sumsq(len, G);
  const n = Math.sqrt(n2);
  return n <= c ? 0.5 * n2 : c * n - 0.5 * c * c;
}
