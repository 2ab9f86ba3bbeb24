// normalized {eps}: ∇K(G) = G / √(‖G‖² + ε²), K(G) = √(‖G‖² + ε²).
// Steps have length < η however large G is; near the optimum it is GD with step η/ε.
// When ‖G‖² + ε² over- or underflows, the same formula on G/m, ε/m (kernels/scaled.ts).
import { sumsq } from "../kernels/dot";
import { divInto } from "../kernels/scale";
import { unsafeSumsq, scaledNorm, scaledDivStrided, normM, normR } from "../kernels/scaled";

export function normalizedGrad(len: i32, G: usize, P: usize, eps: f64): void {
  const s = sumsq(len, G) + eps * eps;
  if (!unsafeSumsq(s)) {
    divInto(len, Math.sqrt(s), G, P);
    return;
  }
  scaledNorm(len, G, 8, eps); // eps > 0, so normM > 0
  scaledDivStrided(len, G, P, 8, normM, normR);
}

export function normalizedValue(len: i32, G: usize, eps: f64): f64 {
  const s = sumsq(len, G) + eps * eps;
  if (!unsafeSumsq(s)) return Math.sqrt(s);
  scaledNorm(len, G, 8, eps);
  return normM * normR;
}
