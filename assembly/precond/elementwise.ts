// Shared loops for the maps that reduce to P = s·G or P = G/s for one scalar
// s (the isotropic ones, and rownorm row by row). Multiplication and division
// are kept apart so each kernel rounds exactly as its formula in the spec is
// written (G·min(1, c/‖G‖) multiplies, G/√(‖G‖² + ε²) divides).

/** P[i] = s·G[i] for i < len. */
export function scaleInto(len: i32, s: f64, G: usize, P: usize): void {
  const vs = f64x2.splat(s);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    v128.store(P + o, f64x2.mul(vs, v128.load(G + o)));
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    store<f64>(P + o, s * load<f64>(G + o));
  }
}

/** P[i] = G[i] / s for i < len. */
export function divInto(len: i32, s: f64, G: usize, P: usize): void {
  const vs = f64x2.splat(s);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    v128.store(P + o, f64x2.div(v128.load(G + o), vs));
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    store<f64>(P + o, load<f64>(G + o) / s);
  }
}
