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
 * Rows of W and G per column panel of the four-row kernels (k ≥ 2). A panel of W (or G), 8·k bytes
 * a row, and the four rows' panel of X, 32 bytes a column, take at most 256 KiB, which stays in L2
 * while every tile of columns (four, two or one) passes over it; so W, G and X leave L2 once per
 * four rows instead of once per tile. Measured against whole rows (one process, interleaved):
 * equal for k = 4, 1–6% faster for k = 8 (W2, W5), 12–25% for k = 6, 10, 12, 14 (W3: 17%);
 * panels sized for L1 (256 rows) were slower than whole rows for k = 8.
 */
@inline function panelRows(k: i32): i32 {
  return max(64, (32768 / (k + 4)) & ~15);
}

/**
 * out[r·k + c] = Σ_j x_r[j]·W[j, c] for the four rows x_r = x + r·xStride (bytes),
 * W d×k row-major, out 4×k row-major. k ≥ 2 (see rows4Dot for k = 1).
 * Columns j go in panels (panelRows); each output keeps one accumulator and adds its
 * terms in j order, carried across panels through `out`, so a row's result does not
 * depend on the panels either.
 */
export function rows4TimesW(d: i32, k: i32, x: usize, xStride: usize, W: usize, out: usize): void {
  const kRow = <usize>k << 3;
  const P = panelRows(k);
  let j0 = 0;
  do {
    const j1 = min(d, j0 + P);
    const first = j0 == 0;
    let c = 0;
    for (; c + 4 <= k; c += 4) timesW4x4(j0, j1, kRow, x, xStride, W + (<usize>c << 3), out + (<usize>c << 3), first);
    if (c + 2 <= k) {
      timesW4x2(j0, j1, kRow, x, xStride, W + (<usize>c << 3), out + (<usize>c << 3), first);
      c += 2;
    }
    if (c < k) timesW4x1(j0, j1, kRow, x, xStride, W + (<usize>c << 3), out + (<usize>c << 3), first);
    j0 = j1;
  } while (j0 < d);
}

/** Four rows × four columns of rows4TimesW over j ∈ [j0, j1): accumulators start at 0 (first) or at out. */
@inline function timesW4x4(j0: i32, j1: i32, kRow: usize, x: usize, xStride: usize, W: usize, out: usize, first: bool): void {
  const x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
  const o1 = out + kRow, o2 = o1 + kRow, o3 = o2 + kRow;
  let a00 = f64x2.splat(0), a01 = f64x2.splat(0);
  let a10 = f64x2.splat(0), a11 = f64x2.splat(0);
  let a20 = f64x2.splat(0), a21 = f64x2.splat(0);
  let a30 = f64x2.splat(0), a31 = f64x2.splat(0);
  if (!first) {
    a00 = v128.load(out); a01 = v128.load(out, 16);
    a10 = v128.load(o1); a11 = v128.load(o1, 16);
    a20 = v128.load(o2); a21 = v128.load(o2, 16);
    a30 = v128.load(o3); a31 = v128.load(o3, 16);
  }
  let w = W + <usize>j0 * kRow;
  for (let j = j0; j < j1; j++) {
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
  v128.store(out, a00); v128.store(out, a01, 16);
  v128.store(o1, a10); v128.store(o1, a11, 16);
  v128.store(o2, a20); v128.store(o2, a21, 16);
  v128.store(o3, a30); v128.store(o3, a31, 16);
}

/** Four rows × two columns of rows4TimesW over j ∈ [j0, j1). */
@inline function timesW4x2(j0: i32, j1: i32, kRow: usize, x: usize, xStride: usize, W: usize, out: usize, first: bool): void {
  const x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
  const o1 = out + kRow, o2 = o1 + kRow, o3 = o2 + kRow;
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  if (!first) {
    a0 = v128.load(out); a1 = v128.load(o1); a2 = v128.load(o2); a3 = v128.load(o3);
  }
  let w = W + <usize>j0 * kRow;
  for (let j = j0; j < j1; j++) {
    const jo = <usize>j << 3;
    const w0 = v128.load(w);
    a0 = madd(v128.load64_splat(x + jo), w0, a0);
    a1 = madd(v128.load64_splat(x1 + jo), w0, a1);
    a2 = madd(v128.load64_splat(x2 + jo), w0, a2);
    a3 = madd(v128.load64_splat(x3 + jo), w0, a3);
    w += kRow;
  }
  v128.store(out, a0); v128.store(o1, a1); v128.store(o2, a2); v128.store(o3, a3);
}

/** Four rows × the last (odd) column of rows4TimesW over j ∈ [j0, j1), in scalars. */
@inline function timesW4x1(j0: i32, j1: i32, kRow: usize, x: usize, xStride: usize, W: usize, out: usize, first: bool): void {
  const x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
  const o1 = out + kRow, o2 = o1 + kRow, o3 = o2 + kRow;
  let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
  if (!first) {
    s0 = load<f64>(out); s1 = load<f64>(o1); s2 = load<f64>(o2); s3 = load<f64>(o3);
  }
  let w = W + <usize>j0 * kRow;
  for (let j = j0; j < j1; j++) {
    const jo = <usize>j << 3;
    const wv = load<f64>(w);
    s0 += load<f64>(x + jo) * wv;
    s1 += load<f64>(x1 + jo) * wv;
    s2 += load<f64>(x2 + jo) * wv;
    s3 += load<f64>(x3 + jo) * wv;
    w += kRow;
  }
  store<f64>(out, s0); store<f64>(o1, s1); store<f64>(o2, s2); store<f64>(o3, s3);
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
  // Columns j go in panels (panelRows), every tile of G's columns over one panel before the
  // next panel. Within a tile the four rows of g stay in registers across the j loop, two column
  // pairs at a time (eight v128 plus four splats and two accumulators fit the sixteen x64 vector
  // registers); reloading them for every j made this kernel load-bound. Each G entry still gets
  // its four terms added in row order, as in the one-row kernel.
  const P = panelRows(k);
  const pairs = k >> 1;
  for (let j0 = 0; j0 < d; j0 += P) {
    const j1 = min(d, j0 + P);
    let p = 0;
    for (; p + 2 <= pairs; p += 2) addOuter4x4(j0, j1, kRow, x, xStride, g + (<usize>p << 4), G + (<usize>p << 4));
    if (p < pairs) addOuter4x2(j0, j1, kRow, x, xStride, g + (<usize>p << 4), G + (<usize>p << 4));
    if ((k & 1) != 0) addOuter4x1(j0, j1, kRow, x, xStride, g + (<usize>(k - 1) << 3), G + (<usize>(k - 1) << 3));
  }
}

/** G[j, 0..4) += Σ_r x_r[j]·g_r[0..4) for j ∈ [j0, j1), rows r in order (g, G at the tile's first column). */
@inline function addOuter4x4(j0: i32, j1: i32, kRow: usize, x: usize, xStride: usize, g: usize, G: usize): void {
  const x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
  const g1 = g + kRow, g2 = g1 + kRow, g3 = g2 + kRow;
  const ga0 = v128.load(g), gb0 = v128.load(g, 16);
  const ga1 = v128.load(g1), gb1 = v128.load(g1, 16);
  const ga2 = v128.load(g2), gb2 = v128.load(g2, 16);
  const ga3 = v128.load(g3), gb3 = v128.load(g3, 16);
  let row = G + <usize>j0 * kRow;
  for (let j = j0; j < j1; j++) {
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

/** The same for one column pair. */
@inline function addOuter4x2(j0: i32, j1: i32, kRow: usize, x: usize, xStride: usize, g: usize, G: usize): void {
  const x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
  const ga0 = v128.load(g), ga1 = v128.load(g + kRow), ga2 = v128.load(g + 2 * kRow), ga3 = v128.load(g + 3 * kRow);
  let row = G + <usize>j0 * kRow;
  for (let j = j0; j < j1; j++) {
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

/** The same for the last (odd) column, in scalars. */
@inline function addOuter4x1(j0: i32, j1: i32, kRow: usize, x: usize, xStride: usize, g: usize, G: usize): void {
  const x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
  const s0 = load<f64>(g), s1 = load<f64>(g + kRow), s2 = load<f64>(g + 2 * kRow), s3 = load<f64>(g + 3 * kRow);
  let row = G + <usize>j0 * kRow;
  for (let j = j0; j < j1; j++) {
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
