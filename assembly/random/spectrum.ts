// Pieces of the `spectrum` generator that must give the same bytes everywhere:
// the singular values use AssemblyScript's own pow (not the host's Math.pow,
// whose last bit may differ between JS engines).

/** out[i] = cond^(−i/(len−1)) for i < len (out[0] = 1); len = 1 gives [1]. */
export function fillGeometric(len: i32, out: usize, cond: f64): void {
  for (let i = 0; i < len; i++) {
    const v = len == 1 ? 1.0 : Math.pow(cond, -(<f64>i) / <f64>(len - 1));
    store<f64>(out + (<usize>i << 3), v);
  }
}

/** Row i of A (m×d row-major) *= s[i]. */
export function scaleRows(m: i32, d: i32, A: usize, s: usize): void {
  for (let i = 0; i < m; i++) {
    const f = f64x2.splat(load<f64>(s + (<usize>i << 3)));
    const row = A + <usize>i * (<usize>d << 3);
    let j = 0;
    for (; j + 2 <= d; j += 2) {
      const p = row + (<usize>j << 3);
      v128.store(p, f64x2.mul(v128.load(p), f));
    }
    for (; j < d; j++) {
      const p = row + (<usize>j << 3);
      store<f64>(p, load<f64>(p) * load<f64>(s + (<usize>i << 3)));
    }
  }
}
