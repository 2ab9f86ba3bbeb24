// clip {c}: ∇K(G) = G·min(1, c/‖G‖) (gradient-norm clipping),
// K(G) = ½‖G‖² if ‖G‖ ≤ c else c‖G‖ − ½c².
// When ‖G‖² over- or underflows, ‖G‖ = m·‖G/m‖ (kernels/scaled.ts).
import { sumsq } from "../kernels/dot";
import { scaleInto } from "../kernels/scale";
import { unsafeSumsq, normFromSumsq, scaledNorm, scaledMulStrided, normM, normR } from "../kernels/scaled";

export function clipGrad(len: i32, G: usize, P: usize, c: f64): void {
  const s = sumsq(len, G);
  if (!unsafeSumsq(s)) {
    const n = Math.sqrt(s);
    // n = 0 (or n ≤ c) leaves G unscaled: no division by zero.
    scaleInto(len, n <= c ? 1.0 : c / n, G, P);
    return;
  }
  scaledNorm(len, G, 8, 0);
  // ‖G‖ = m·r; m = 0 means G = 0. Clipped: c·G/‖G‖ = (G/m)·(c/r), finite even when m·r is not.
  if (normM == 0 || normM * normR <= c) scaleInto(len, 1.0, G, P);
  else scaledMulStrided(len, G, P, 8, normM, c / normR);
}

export function clipValue(len: i32, G: usize, c: f64): f64 {
  let n2 = sumsq(len, G);
  const n = normFromSumsq(n2, len, G);
  if (unsafeSumsq(n2)) n2 = n * n;
  return n <= c ? 0.5 * n2 : c * n - 0.5 * c * c;
}
