// power {p > 1}: ∇K(G) = ‖G‖^{p−2} G, K(G) = ‖G‖^p / p.
// When ‖G‖² over- or underflows, ‖G‖ = m·‖G/m‖ (scaled.ts).
import { sumsq } from "../kernels/dot";
import { scaleInto } from "./elementwise";
import { unsafeSumsq, scaledNorm, normM, normR } from "./scaled";

function norm(len: i32, G: usize): f64 {
  const s = sumsq(len, G);
  if (!unsafeSumsq(s)) return Math.sqrt(s);
  scaledNorm(len, G, 8, 0);
  return normM * normR;
}

export function powerGrad(len: i32, G: usize, P: usize, p: f64): void {
  const n = norm(len, G);
  // At G = 0 the limit of ‖G‖^{p−1} is 0 for every p > 1, so ∇K(0) = 0 (avoids 0·∞ for p < 2).
  scaleInto(len, n > 0 ? Math.pow(n, p - 2.0) : 0.0, G, P);
}

export function powerValue(len: i32, G: usize, p: f64): f64 {
  return Math.pow(norm(len, G), p) / p;
}
