// lion {eps, beta1, beta2}: Lion (Chen et al. 2023, "Symbolic Discovery of
// Optimization Algorithms", Algorithm 2 without weight decay) with the sign
// smoothed as in `sign`:
//   c = β1·m + (1−β1)·g,   P = c / √(c² + ε²)  (elementwise),   m ← β2·m + (1−β2)·g.
// Stateful (m) and outside the dual-space theory when β1 > 0. With β1 = 0 the step is
// sign's map g/√(g² + ε²), so the stateless kernels here are sign's.
// For |c| ≫ ε (ε² below c²'s last bit) the smoothed sign is ±1 exactly: Lion's sign(c).
import { signGrad, signValue } from "./sign";

/** Lion, stateless form (β1 = 0): sign's ∇K. */
export function lionGrad(len: i32, G: usize, P: usize, eps: f64): void {
  signGrad(len, G, P, eps);
}

/** K of the stateless form: sign's Σ √(g² + ε²). */
export function lionValue(len: i32, G: usize, eps: f64): f64 {
  return signValue(len, G, eps);
}

/**
 * One Lion step: P = smoothsign(β1·m + (1−β1)·g), then m ← β2·m + (1−β2)·g in place.
 * G, M, P: len doubles each; M starts at zero; P must not alias G or M.
 */
export function lionStep(len: i32, G: usize, M: usize, P: usize, eps: f64, beta1: f64, beta2: f64): void {
  const b1 = f64x2.splat(beta1), a1 = f64x2.splat(1.0 - beta1);
  const b2 = f64x2.splat(beta2), a2 = f64x2.splat(1.0 - beta2);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    const g = v128.load(G + o);
    const m = v128.load(M + o);
    v128.store(P + o, f64x2.add(f64x2.mul(b1, m), f64x2.mul(a1, g)));
    v128.store(M + o, f64x2.add(f64x2.mul(b2, m), f64x2.mul(a2, g)));
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    const g = load<f64>(G + o);
    const m = load<f64>(M + o);
    store<f64>(P + o, beta1 * m + (1.0 - beta1) * g);
    store<f64>(M + o, beta2 * m + (1.0 - beta2) * g);
  }
  // The smoothed sign of c, in place (elementwise, so P may be both input and output).
  signGrad(len, P, P, eps);
}
