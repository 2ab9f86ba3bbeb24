// power {p > 1}: ∇K(G) = ‖G‖^{p−2} G, K(G) = ‖G‖^p / p.
// ‖G‖ is the scale-safe norm2 (kernels/scaled.ts), finite when ‖G‖² is not.
import { norm2 } from "../kernels/dot";
import { scaleInto } from "../kernels/scale";

export function powerGrad(len: i32, G: usize, P: usize, p: f64): void {
  const n = norm2(len, G);
  // At G = 0 the limit of ‖G‖^{p−1} is 0 for every p > 1, so ∇K(0) = 0 (avoids 0·∞ for p < 2).
  scaleInto(len, n > 0 ? Math.pow(n, p - 2.0) : 0.0, G, P);
}

export function powerValue(len: i32, G: usize, p: f64): f64 {
  return Math.pow(norm2(len, G), p) / p;
}
