// sign {eps}: ∇K(G) = g / √(g² + ε²) elementwise (smoothed sign descent),
// K(G) = Σ √(g² + ε²).

export function signGrad(len: i32, G: usize, P: usize, eps: f64): void {
  const e2 = f64x2.splat(eps * eps);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    const g = v128.load(G + o);
    v128.store(P + o, f64x2.div(g, f64x2.sqrt(f64x2.add(f64x2.mul(g, g), e2))));
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    const g = load<f64>(G + o);
    store<f64>(P + o, g / Math.sqrt(g * g + eps * eps));
  }
}

export function signValue(len: i32, G: usize, eps: f64): f64 {
  let s: f64 = 0;
  for (let i = 0; i < len; i++) {
    const g = load<f64>(G + (<usize>i << 3));
    s += Math.sqrt(g * g + eps * eps);
  }
  return s;
}
