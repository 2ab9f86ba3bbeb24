// Level-1 scaling: P = s·G, P = G/s, x ← a·x and a scaled copy, one loop each
// (the isotropic preconditioners, rownorm row by row, the Householder steps and the
// LQ's power-of-two rescaling all use these). Multiplication and division are kept
// apart so each caller rounds exactly as its formula is written (G·min(1, c/‖G‖)
// multiplies, G/√(‖G‖² + ε²) divides); s·g and g·s are the same IEEE product.

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

/** x[i] *= a for i < len (in place). */
export function scal(len: i32, a: f64, x: usize): void {
  scaleInto(len, a, x, x);
}

/** dst[i] = s·src[i] for i < len (dst may equal src); a plain copy when s = 1. */
export function scaledCopy(len: i32, s: f64, src: usize, dst: usize): void {
  if (s == 1) {
    if (dst != src) memory.copy(dst, src, <usize>len << 3);
    return;
  }
  scaleInto(len, s, src, dst);
}
