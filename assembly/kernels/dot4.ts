// Four-row forms of dot and axpy (dot.ts), for the level-2 loops that apply one
// vector to many rows: the Householder updates of the LQ (linalg/householder.ts)
// and power iteration (power_iteration.ts).
//
// Why: row by row, each element of the shared vector v is loaded once per row,
// and dot's two accumulators make it wait on the latency of f64x2.add. Four rows
// at a time, one load of v serves four rows and eight accumulator chains run side
// by side.
//
// Per row the arithmetic is that of dot and axpy, operation for operation (the
// same pairs of lanes, the same order of the sums, mul then add), so a row's result
// does not depend on the block it falls in: the same bits as dot and axpy called
// row by row (test/kernels.test.ts).

/** The four sums of the last dot4 (globals: per instance, so per thread on shared memory). */
export let dot4s0: f64 = 0;
export let dot4s1: f64 = 0;
export let dot4s2: f64 = 0;
export let dot4s3: f64 = 0;

/**
 * dot4s_r = dot(len, v, y + r·stride) for r < 4 (stride in bytes): v·y_r with dot's
 * accumulation (lanes [i, i+1] and [i+2, i+3] of each step of four in two accumulators,
 * added, then the tail in order).
 */
// @ts-ignore: decorator
@inline
export function dot4(len: i32, v: usize, y: usize, stride: usize): void {
  const y1 = y + stride, y2 = y1 + stride, y3 = y2 + stride;
  let a0 = f64x2.splat(0), b0 = f64x2.splat(0);
  let a1 = f64x2.splat(0), b1 = f64x2.splat(0);
  let a2 = f64x2.splat(0), b2 = f64x2.splat(0);
  let a3 = f64x2.splat(0), b3 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 3;
    const va = v128.load(v + o), vb = v128.load(v + o, 16);
    a0 = f64x2.add(a0, f64x2.mul(va, v128.load(y + o)));
    b0 = f64x2.add(b0, f64x2.mul(vb, v128.load(y + o, 16)));
    a1 = f64x2.add(a1, f64x2.mul(va, v128.load(y1 + o)));
    b1 = f64x2.add(b1, f64x2.mul(vb, v128.load(y1 + o, 16)));
    a2 = f64x2.add(a2, f64x2.mul(va, v128.load(y2 + o)));
    b2 = f64x2.add(b2, f64x2.mul(vb, v128.load(y2 + o, 16)));
    a3 = f64x2.add(a3, f64x2.mul(va, v128.load(y3 + o)));
    b3 = f64x2.add(b3, f64x2.mul(vb, v128.load(y3 + o, 16)));
  }
  a0 = f64x2.add(a0, b0);
  a1 = f64x2.add(a1, b1);
  a2 = f64x2.add(a2, b2);
  a3 = f64x2.add(a3, b3);
  let s0 = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  let s1 = f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
  let s2 = f64x2.extract_lane(a2, 0) + f64x2.extract_lane(a2, 1);
  let s3 = f64x2.extract_lane(a3, 0) + f64x2.extract_lane(a3, 1);
  for (; i < len; i++) {
    const o = <usize>i << 3;
    const vi = load<f64>(v + o);
    s0 += vi * load<f64>(y + o);
    s1 += vi * load<f64>(y1 + o);
    s2 += vi * load<f64>(y2 + o);
    s3 += vi * load<f64>(y3 + o);
  }
  dot4s0 = s0;
  dot4s1 = s1;
  dot4s2 = s2;
  dot4s3 = s3;
}

/** y_r[i] += α_r·v[i] for the four rows y_r = y + r·stride (bytes), i < len: axpy on each. */
// @ts-ignore: decorator
@inline
export function axpy4(len: i32, a0: f64, a1: f64, a2: f64, a3: f64, v: usize, y: usize, stride: usize): void {
  const y1 = y + stride, y2 = y1 + stride, y3 = y2 + stride;
  const c0 = f64x2.splat(a0), c1 = f64x2.splat(a1), c2 = f64x2.splat(a2), c3 = f64x2.splat(a3);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    const vi = v128.load(v + o);
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(c0, vi)));
    v128.store(y1 + o, f64x2.add(v128.load(y1 + o), f64x2.mul(c1, vi)));
    v128.store(y2 + o, f64x2.add(v128.load(y2 + o), f64x2.mul(c2, vi)));
    v128.store(y3 + o, f64x2.add(v128.load(y3 + o), f64x2.mul(c3, vi)));
  }
  if (i < len) {
    const o = <usize>i << 3;
    const vi = load<f64>(v + o);
    addTo(y + o, a0 * vi);
    addTo(y1 + o, a1 * vi);
    addTo(y2 + o, a2 * vi);
    addTo(y3 + o, a3 * vi);
  }
}

/** *p += t: the scalar step of axpy (y + α·x, the product rounded first). */
// @ts-ignore: decorator
@inline
function addTo(p: usize, t: f64): void {
  store<f64>(p, load<f64>(p) + t);
}

/**
 * w[i] += Σ_{r<4} α_r·x_r[i] for the four rows x_r = x + r·stride, i < len, the rows
 * added in order r = 0, 1, 2, 3: four axpys into the same w, with w loaded and stored once.
 */
// @ts-ignore: decorator
@inline
export function addRows4(len: i32, a0: f64, a1: f64, a2: f64, a3: f64, x: usize, stride: usize, w: usize): void {
  // Walks byte offsets o over the pairs, then the odd last entry at o.
  const pairsEnd = <usize>(len & ~1) << 3;
  const u0 = f64x2.splat(a0), u1 = f64x2.splat(a1), u2 = f64x2.splat(a2), u3 = f64x2.splat(a3);
  let o: usize = 0;
  for (; o < pairsEnd; o += 16) {
    let acc = v128.load(w + o);
    acc = f64x2.add(acc, f64x2.mul(u0, v128.load(x + o)));
    acc = f64x2.add(acc, f64x2.mul(u1, v128.load(x + stride + o)));
    acc = f64x2.add(acc, f64x2.mul(u2, v128.load(x + 2 * stride + o)));
    acc = f64x2.add(acc, f64x2.mul(u3, v128.load(x + 3 * stride + o)));
    v128.store(w + o, acc);
  }
  if (len & 1) {
    addTo(w + o, a0 * load<f64>(x + o));
    addTo(w + o, a1 * load<f64>(x + stride + o));
    addTo(w + o, a2 * load<f64>(x + 2 * stride + o));
    addTo(w + o, a3 * load<f64>(x + 3 * stride + o));
  }
}
