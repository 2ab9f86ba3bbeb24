// adam {eps}, beta1 = beta2 = 0: ∇K(G) = g / (|g| + ε) elementwise,
// K(G) = Σ |g| − ε log(1 + |g|/ε). With moments (beta1/beta2 > 0) it is real
// Adam, a stateful method outside the dual-space theory (adamMomentStep).

export function adamGrad(len: i32, G: usize, P: usize, eps: f64): void {
  const ve = f64x2.splat(eps);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    const g = v128.load(G + o);
    v128.store(P + o, f64x2.div(g, f64x2.add(f64x2.abs(g), ve)));
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    const g = load<f64>(G + o);
    store<f64>(P + o, g / (abs(g) + eps));
  }
}

export function adamValue(len: i32, G: usize, eps: f64): f64 {
  let s: f64 = 0;
  for (let i = 0; i < len; i++) {
    const a = abs(load<f64>(G + (<usize>i << 3)));
    // log1p: log(1 + a/ε) without losing a/ε ≪ 1 to the rounding of 1 + a/ε.
    s += a - eps * Math.log1p(a / eps);
  }
  return s;
}

/**
 * Real Adam, step t ≥ 1 (BLAS-style contract):
 *   m ← β1 m + (1−β1) g,  v ← β2 v + (1−β2) g²,
 *   P = m̂ / (√v̂ + ε),  m̂ = m/(1−β1^t),  v̂ = v/(1−β2^t).
 * G, M, V, P: len doubles each; M and V hold the moments between calls
 * (start them at zero) and are updated in place; P must not alias G, M or V.
 * With β1 = β2 = 0 the moments are m = g, v = g² and P is computed by
 * adamGrad itself, so the step equals the stateless `adam` row bit for bit
 * (√(g²) would lose that for |g| beyond 1e154, where g² overflows).
 */
export function adamMomentStep(len: i32, G: usize, M: usize, V: usize, P: usize, beta1: f64, beta2: f64, eps: f64, t: i32): void {
  if (beta1 == 0 && beta2 == 0) {
    memory.copy(M, G, <usize>len << 3);
    let i = 0;
    for (; i + 2 <= len; i += 2) {
      const o = <usize>i << 3;
      const g = v128.load(G + o);
      v128.store(V + o, f64x2.mul(g, g));
    }
    for (; i < len; i++) {
      const o = <usize>i << 3;
      const g = load<f64>(G + o);
      store<f64>(V + o, g * g);
    }
    adamGrad(len, G, P, eps);
    return;
  }
  const c1 = 1.0 - Math.pow(beta1, <f64>t);
  const c2 = 1.0 - Math.pow(beta2, <f64>t);
  const b1 = f64x2.splat(beta1), a1 = f64x2.splat(1.0 - beta1);
  const b2 = f64x2.splat(beta2), a2 = f64x2.splat(1.0 - beta2);
  const vc1 = f64x2.splat(c1), vc2 = f64x2.splat(c2), ve = f64x2.splat(eps);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    const g = v128.load(G + o);
    const m = f64x2.add(f64x2.mul(b1, v128.load(M + o)), f64x2.mul(a1, g));
    const v = f64x2.add(f64x2.mul(b2, v128.load(V + o)), f64x2.mul(f64x2.mul(a2, g), g));
    v128.store(M + o, m);
    v128.store(V + o, v);
    v128.store(P + o, f64x2.div(f64x2.div(m, vc1), f64x2.add(f64x2.sqrt(f64x2.div(v, vc2)), ve)));
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    const g = load<f64>(G + o);
    const m = beta1 * load<f64>(M + o) + (1.0 - beta1) * g;
    const v = beta2 * load<f64>(V + o) + (1.0 - beta2) * g * g;
    store<f64>(M + o, m);
    store<f64>(V + o, v);
    store<f64>(P + o, (m / c1) / (Math.sqrt(v / c2) + eps));
  }
}
