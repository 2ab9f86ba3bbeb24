// clip-elementwise {c}: ∇K(G) = clamp(g, −c, c) elementwise,
// K(G) = Σ huber_c(g) (½g² if |g| ≤ c else c|g| − ½c²).

export function clipElementwiseGrad(len: i32, G: usize, P: usize, c: f64): void {
  const hi = f64x2.splat(c);
  const lo = f64x2.splat(-c);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    v128.store(P + o, f64x2.min(f64x2.max(v128.load(G + o), lo), hi));
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    store<f64>(P + o, min(max(load<f64>(G + o), -c), c));
  }
}

export function clipElementwiseValue(len: i32, G: usize, c: f64): f64 {
  let s: f64 = 0;
  for (let i = 0; i < len; i++) {
    const g = load<f64>(G + (<usize>i << 3));
    const a = abs(g);
    s += a <= c ? 0.5 * g * g : c * a - 0.5 * c * c;
  }
  return s;
}
