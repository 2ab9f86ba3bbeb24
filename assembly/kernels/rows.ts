// Row-level building blocks shared by the fused iteration kernel and the plain products.
import { madd } from "./madd";

/** out[0..k) = x[0..d) · W (W d×k row-major), k ≥ 2: f64x2 lanes run over columns. */
export function rowTimesW(d: i32, k: i32, x: usize, W: usize, out: usize): void {
  const kRow = <usize>k << 3;
  let c = 0;
  // Blocks of 8 columns keep four accumulators in registers while x streams by.
  for (; c + 8 <= k; c += 8) {
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    let w = W + (<usize>c << 3);
    for (let j = 0; j < d; j++) {
      const xv = v128.load64_splat(x + (<usize>j << 3));
      a0 = madd(xv, v128.load(w), a0);
      a1 = madd(xv, v128.load(w, 16), a1);
      a2 = madd(xv, v128.load(w, 32), a2);
      a3 = madd(xv, v128.load(w, 48), a3);
      w += kRow;
    }
    const o = out + (<usize>c << 3);
    v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
  }
  for (; c + 2 <= k; c += 2) {
    let a0 = f64x2.splat(0);
    let w = W + (<usize>c << 3);
    for (let j = 0; j < d; j++) {
      a0 = madd(v128.load64_splat(x + (<usize>j << 3)), v128.load(w), a0);
      w += kRow;
    }
    v128.store(out + (<usize>c << 3), a0);
  }
  if (c < k) {
    let s: f64 = 0;
    let w = W + (<usize>c << 3);
    for (let j = 0; j < d; j++) {
      s += load<f64>(x + (<usize>j << 3)) * load<f64>(w);
      w += kRow;
    }
    store<f64>(out + (<usize>c << 3), s);
  }
}

/** G += xᵀ·g for x of length d and g of length k (G d×k row-major), k ≥ 2. */
export function addOuter(d: i32, k: i32, x: usize, g: usize, G: usize): void {
  const kRow = <usize>k << 3;
  const pairs = k >> 1;
  const odd = (k & 1) != 0;
  const gLast = odd ? load<f64>(g + (<usize>(k - 1) << 3)) : 0.0;
  let row = G;
  for (let j = 0; j < d; j++) {
    const xs = load<f64>(x + (<usize>j << 3));
    const xv = f64x2.splat(xs);
    for (let p = 0; p < pairs; p++) {
      const o = <usize>p << 4;
      v128.store(row + o, madd(xv, v128.load(g + o), v128.load(row + o)));
    }
    if (odd) {
      const o = row + (<usize>(k - 1) << 3);
      store<f64>(o, load<f64>(o) + xs * gLast);
    }
    row += kRow;
  }
}

/** G += g·x (k = 1), in the entry order of rows4AddOuter. */
export function addOuter1(d: i32, g: f64, x: usize, G: usize): void {
  const gv = f64x2.splat(g);
  let j = 0;
  for (; j + 2 <= d; j += 2) {
    const jo = <usize>j << 3;
    v128.store(G + jo, madd(gv, v128.load(x + jo), v128.load(G + jo)));
  }
  if (j < d) {
    const jo = <usize>j << 3;
    store<f64>(G + jo, load<f64>(G + jo) + g * load<f64>(x + jo));
  }
}
