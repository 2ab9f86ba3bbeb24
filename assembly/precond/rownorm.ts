// rownorm {eps}: each row (one feature, its k outputs) normalized on its own,
// ∇K(G)_{i,:} = g_{i,:} / √(‖g_{i,:}‖² + ε²), K(G) = Σ_i √(‖g_{i,:}‖² + ε²).
// A left multiplication by a diagonal: it leaves the row space of X.
// A row whose ‖g_{i,:}‖² + ε² over- or underflows is scaled first (kernels/scaled.ts).
import { sumsq } from "../kernels/dot";
import { divInto } from "../kernels/scale";
import { unsafeSumsq, scaledNorm, scaledDivStrided, normM, normR } from "../kernels/scaled";

export function rownormGrad(d: i32, k: i32, G: usize, P: usize, eps: f64): void {
  const kRow = <usize>k << 3;
  const e2 = eps * eps;
  for (let i = 0; i < d; i++) {
    const gi = G + <usize>i * kRow;
    const pi = P + <usize>i * kRow;
    const s = sumsq(k, gi) + e2;
    if (!unsafeSumsq(s)) {
      divInto(k, Math.sqrt(s), gi, pi);
    } else {
      scaledNorm(k, gi, 8, eps);
      scaledDivStrided(k, gi, pi, 8, normM, normR);
    }
  }
}

export function rownormValue(d: i32, k: i32, G: usize, eps: f64): f64 {
  const kRow = <usize>k << 3;
  const e2 = eps * eps;
  let s: f64 = 0;
  for (let i = 0; i < d; i++) {
    const gi = G + <usize>i * kRow;
    const si = sumsq(k, gi) + e2;
    if (!unsafeSumsq(si)) {
      s += Math.sqrt(si);
    } else {
      scaledNorm(k, gi, 8, eps);
      s += normM * normR;
    }
  }
  return s;
}
