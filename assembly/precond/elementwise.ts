// Shared loops for the isotropic preconditioners, which all reduce to
// P = s·G for one scalar s computed from ‖G‖.

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
