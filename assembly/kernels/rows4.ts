// Four-row (register-blocked) versions of the row building blocks in rows.ts.
//
// Why: one row of X against W (d×k) does 2k flops per 8 bytes of W read, so a
// row-at-a-time pass streams all of W and G through the cache once per row of X
// and is bound by cache bandwidth, not arithmetic. Taking four rows at once
// reuses every W and G element four times from registers.
//
// Every output entry is accumulated in the same order as the one-row kernels
// (sequentially over j for X·W; over rows i for Xᵀ·D), so a row's result does
// not depend on which block it falls in: row ranges can be split freely
// (threads, batches) without changing a bit.
import { madd } from "./madd";
import { rowTimesW } from "./rows";

/**
 * out[r·k + c] = Σ_j x_r[j]·W[j, c] for the four rows x_r = x + r·xStride (bytes),
 * W d×k row-major, out 4×k row-major. k ≥ 2 (see rows4Dot for k = 1).
 */
export function rows4TimesW(d: i32, k: i32, x: usize, xStride: usize, W: usize, out: usize): void {
  const kRow = <usize>k << 3;
  const x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
  const o1 = out + kRow, o2 = o1 + kRow, o3 = o2 + kRow;
  let c = 0;
  for (; c + 4 <= k; c += 4) {
    let a00 = f64x2.splat(0), a01 = f64x2.splat(0);
    let a10 = f64x2.splat(0), a11 = f64x2.splat(0);
    let a20 = f64x2.splat(0), a21 = f64x2.splat(0);
    let a30 = f64x2.splat(0), a31 = f64x2.splat(0);
    let w = W + (<usize>c << 3);
    for (let j = 0; j < d; j++) {
      const jo = <usize>j << 3;
      const w0 = v128.load(w), w1 = v128.load(w, 16);
      const v0 = v128.load64_splat(x + jo);
      const v1 = v128.load64_splat(x1 + jo);
      const v2 = v128.load64_splat(x2 + jo);
      const v3 = v128.load64_splat(x3 + jo);
      a00 = madd(v0, w0, a00); a01 = madd(v0, w1, a01);
      a10 = madd(v1, w0, a10); a11 = madd(v1, w1, a11);
      a20 = madd(v2, w0, a20); a21 = madd(v2, w1, a21);
      a30 = madd(v3, w0, a30); a31 = madd(v3, w1, a31);
      w += kRow;
    }
    const co = <usize>c << 3;
    v128.store(out + co, a00); v128.store(out + co, a01, 16);
    v128.store(o1 + co, a10); v128.store(o1 + co, a11, 16);
    v128.store(o2 + co, a20); v128.store(o2 + co, a21, 16);
    v128.store(o3 + co, a30); v128.store(o3 + co, a31, 16);
  }
  if (c + 2 <= k) {
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    let w = W + (<usize>c << 3);
    for (let j = 0; j < d; j++) {
      const jo = <usize>j << 3;
      const w0 = v128.load(w);
      a0 = madd(v128.load64_splat(x + jo), w0, a0);
      a1 = madd(v128.load64_splat(x1 + jo), w0, a1);
      a2 = madd(v128.load64_splat(x2 + jo), w0, a2);
      a3 = madd(v128.load64_splat(x3 + jo), w0, a3);
      w += kRow;
    }
    const co = <usize>c << 3;
    v128.store(out + co, a0); v128.store(o1 + co, a1); v128.store(o2 + co, a2); v128.store(o3 + co, a3);
    c += 2;
  }
  if (c < k) {
    let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
    let w = W + (<usize>c << 3);
    for (let j = 0; j < d; j++) {
      const jo = <usize>j << 3;
      const wv = load<f64>(w);
      s0 += load<f64>(x + jo) * wv;
      s1 += load<f64>(x1 + jo) * wv;
      s2 += load<f64>(x2 + jo) * wv;
      s3 += load<f64>(x3 + jo) * wv;
      w += kRow;
    }
    const co = <usize>c << 3;
    store<f64>(out + co, s0); store<f64>(o1 + co, s1); store<f64>(o2 + co, s2); store<f64>(o3 + co, s3);
  }
}

/**
 * The k = 1 case: out[r] = x_r · w for four rows. Each row keeps one f64x2
 * accumulator (even and odd j) plus a scalar tail, exactly as dotPairs below,
 * so the four-row and one-row paths agree bit for bit.
 */
export function rows4Dot(d: i32, x: usize, xStride: usize, w: usize, out: usize): void {
  const x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  let j = 0;
  for (; j + 2 <= d; j += 2) {
    const jo = <usize>j << 3;
    const wv = v128.load(w + jo);
    a0 = madd(v128.load(x + jo), wv, a0);
    a1 = madd(v128.load(x1 + jo), wv, a1);
    a2 = madd(v128.load(x2 + jo), wv, a2);
    a3 = madd(v128.load(x3 + jo), wv, a3);
  }
  let s0 = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  let s1 = f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
  let s2 = f64x2.extract_lane(a2, 0) + f64x2.extract_lane(a2, 1);
  let s3 = f64x2.extract_lane(a3, 0) + f64x2.extract_lane(a3, 1);
  if (j < d) {
    const jo = <usize>j << 3;
    const wv = load<f64>(w + jo);
    s0 += load<f64>(x + jo) * wv;
    s1 += load<f64>(x1 + jo) * wv;
    s2 += load<f64>(x2 + jo) * wv;
    s3 += load<f64>(x3 + jo) * wv;
  }
  store<f64>(out, s0); store<f64>(out, s1, 8); store<f64>(out, s2, 16); store<f64>(out, s3, 24);
}

/** One-row k = 1 product with the accumulation order of rows4Dot. */
export function dotPairs(d: i32, x: usize, w: usize): f64 {
  let a = f64x2.splat(0);
  let j = 0;
  for (; j + 2 <= d; j += 2) {
    const jo = <usize>j << 3;
    a = madd(v128.load(x + jo), v128.load(w + jo), a);
  }
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  if (j < d) s += load<f64>(x + (<usize>j << 3)) * load<f64>(w + (<usize>j << 3));
  return s;
}

/**
 * G += Σ_{r<4} x_rᵀ·g_r: the four rows x_r = x + r·xStride (length d) times the
 * four rows of g (4×k row-major), added to G (d×k) one row at a time, in row order.
 * Works for every k ≥ 1.
 */
export function rows4AddOuter(d: i32, k: i32, x: usize, xStride: usize, g: usize, G: usize): void {
  const kRow = <usize>k << 3;
  const x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
  const g1 = g + kRow, g2 = g1 + kRow, g3 = g2 + kRow;
  if (k == 1) {
    const d0 = f64x2.splat(load<f64>(g)), d1 = f64x2.splat(load<f64>(g1));
    const d2 = f64x2.splat(load<f64>(g2)), d3 = f64x2.splat(load<f64>(g3));
    let j = 0;
    for (; j + 2 <= d; j += 2) {
      const jo = <usize>j << 3;
      let a = v128.load(G + jo);
      a = madd(d0, v128.load(x + jo), a);
      a = madd(d1, v128.load(x1 + jo), a);
      a = madd(d2, v128.load(x2 + jo), a);
      a = madd(d3, v128.load(x3 + jo), a);
      v128.store(G + jo, a);
    }
    if (j < d) {
      const jo = <usize>j << 3;
      let s = load<f64>(G + jo);
      s += load<f64>(g) * load<f64>(x + jo);
      s += load<f64>(g1) * load<f64>(x1 + jo);
      s += load<f64>(g2) * load<f64>(x2 + jo);
      s += load<f64>(g3) * load<f64>(x3 + jo);
      store<f64>(G + jo, s);
    }
    return;
  }
  // The four rows of g stay in registers across the whole j loop, two column pairs at a
  // time (eight v128 plus four splats and two accumulators fit the sixteen x64 vector
  // registers); reloading them for every j made this kernel load-bound. Each G entry
  // still gets its four terms added in row order, as in the one-row kernel.
  const pairs = k >> 1;
  let p = 0;
  for (; p + 2 <= pairs; p += 2) {
    const o = <usize>p << 4;
    const ga0 = v128.load(g + o), gb0 = v128.load(g + o, 16);
    const ga1 = v128.load(g1 + o), gb1 = v128.load(g1 + o, 16);
    const ga2 = v128.load(g2 + o), gb2 = v128.load(g2 + o, 16);
    const ga3 = v128.load(g3 + o), gb3 = v128.load(g3 + o, 16);
    let row = G + o;
    for (let j = 0; j < d; j++) {
      const jo = <usize>j << 3;
      const v0 = v128.load64_splat(x + jo), v1 = v128.load64_splat(x1 + jo);
      const v2 = v128.load64_splat(x2 + jo), v3 = v128.load64_splat(x3 + jo);
      let a = v128.load(row), b = v128.load(row, 16);
      a = madd(v0, ga0, a); b = madd(v0, gb0, b);
      a = madd(v1, ga1, a); b = madd(v1, gb1, b);
      a = madd(v2, ga2, a); b = madd(v2, gb2, b);
      a = madd(v3, ga3, a); b = madd(v3, gb3, b);
      v128.store(row, a); v128.store(row, b, 16);
      row += kRow;
    }
  }
  if (p < pairs) {
    const o = <usize>p << 4;
    const ga0 = v128.load(g + o), ga1 = v128.load(g1 + o), ga2 = v128.load(g2 + o), ga3 = v128.load(g3 + o);
    let row = G + o;
    for (let j = 0; j < d; j++) {
      const jo = <usize>j << 3;
      let a = v128.load(row);
      a = madd(v128.load64_splat(x + jo), ga0, a);
      a = madd(v128.load64_splat(x1 + jo), ga1, a);
      a = madd(v128.load64_splat(x2 + jo), ga2, a);
      a = madd(v128.load64_splat(x3 + jo), ga3, a);
      v128.store(row, a);
      row += kRow;
    }
  }
  if ((k & 1) != 0) {
    const last = <usize>(k - 1) << 3;
    const s0 = load<f64>(g + last), s1 = load<f64>(g1 + last), s2 = load<f64>(g2 + last), s3 = load<f64>(g3 + last);
    let row = G + last;
    for (let j = 0; j < d; j++) {
      const jo = <usize>j << 3;
      let s = load<f64>(row);
      s += load<f64>(x + jo) * s0;
      s += load<f64>(x1 + jo) * s1;
      s += load<f64>(x2 + jo) * s2;
      s += load<f64>(x3 + jo) * s3;
      store<f64>(row, s);
      row += kRow;
    }
  }
}

/**
 * out (rows×k) = the rows [0, rows) of x (stride xStride) times W, rows = 4 or 1: the
 * product both forms of the pass start a row block with (k = 1 takes the dot-product kernels).
 */
@inline export function rowBlockTimesW(rows: i32, d: i32, k: i32, x: usize, xStride: usize, W: usize, out: usize): void {
  if (rows == 4) {
    if (k == 1) rows4Dot(d, x, xStride, W, out);
    else rows4TimesW(d, k, x, xStride, W, out);
  } else {
    if (k == 1) store<f64>(out, dotPairs(d, x, W));
    else rowTimesW(d, k, x, W, out);
  }
}
