// sign {eps}: ∇K(G) = g / √(g² + ε²) elementwise (smoothed sign descent),
// K(G) = Σ √(g² + ε²). An entry whose g² + ε² over- or underflows is computed
// as (g/m)/√((g/m)² + (ε/m)²) with m = max(|g|, ε) (see kernels/scaled.ts).
import { unsafeSumsq, SUMSQ_SAFE_LO } from "../kernels/scaled";

/** g/√(g² + ε²) for one entry, scaled when the square is unsafe. */
@inline function signOne(g: f64, eps: f64): f64 {
  const s = g * g + eps * eps;
  if (!unsafeSumsq(s)) return g / Math.sqrt(s);
  const m = max(abs(g), eps);
  const a = g / m, e = eps / m;
  return a / Math.sqrt(a * a + e * e);
}

export function signGrad(len: i32, G: usize, P: usize, eps: f64): void {
  const e2 = f64x2.splat(eps * eps);
  const lo = f64x2.splat(SUMSQ_SAFE_LO);
  const inf = f64x2.splat(Infinity);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    const g = v128.load(G + o);
    const s = f64x2.add(f64x2.mul(g, g), e2);
    if (v128.any_true(v128.or(f64x2.lt(s, lo), f64x2.eq(s, inf)))) {
      store<f64>(P + o, signOne(load<f64>(G + o), eps));
      store<f64>(P + o + 8, signOne(load<f64>(G + o + 8), eps));
    } else {
      v128.store(P + o, f64x2.div(g, f64x2.sqrt(s)));
    }
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    store<f64>(P + o, signOne(load<f64>(G + o), eps));
  }
}

export function signValue(len: i32, G: usize, eps: f64): f64 {
  let s: f64 = 0;
  for (let i = 0; i < len; i++) {
    const g = load<f64>(G + (<usize>i << 3));
    const t = g * g + eps * eps;
    if (!unsafeSumsq(t)) {
      s += Math.sqrt(t);
    } else {
      const m = max(abs(g), eps);
      const a = g / m, e = eps / m;
      s += m * Math.sqrt(a * a + e * e);
    }
  }
  return s;
}
