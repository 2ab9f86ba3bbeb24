// Level-1 kernels on contiguous f64 vectors (stride 1). Summation order is
// fixed (two f64x2 accumulators, then the tail), so results are bit-reproducible.
import { normFromSumsq } from "./scaled";

/** Σ x[i]·y[i] for i < len. */
export function dot(len: i32, x: usize, y: usize): f64 {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 3;
    a0 = f64x2.add(a0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
    a1 = f64x2.add(a1, f64x2.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
  }
  const a = f64x2.add(a0, a1);
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  for (; i < len; i++) {
    const o = <usize>i << 3;
    s += load<f64>(x + o) * load<f64>(y + o);
  }
  return s;
}

/** Σ x[i]² for i < len. */
export function sumsq(len: i32, x: usize): f64 {
  return dot(len, x, x);
}

/** y[i] += alpha·x[i] for i < len. */
export function axpy(len: i32, alpha: f64, x: usize, y: usize): void {
  const va = f64x2.splat(alpha);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(va, v128.load(x + o))));
    v128.store(y + o, f64x2.add(v128.load(y + o, 16), f64x2.mul(va, v128.load(x + o, 16))), 16);
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + alpha * load<f64>(x + o));
  }
}

/** out[i] = x[i] − y[i] for i < len (out may alias x or y). */
export function sub(len: i32, x: usize, y: usize, out: usize): void {
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    v128.store(out + o, f64x2.sub(v128.load(x + o), v128.load(y + o)));
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    store<f64>(out + o, load<f64>(x + o) - load<f64>(y + o));
  }
}

/** Copies len f64 from src to dst. */
export function copy(len: i32, src: usize, dst: usize): void {
  memory.copy(dst, src, <usize>len << 3);
}

/** Sets len f64 at x to zero. */
export function zero(len: i32, x: usize): void {
  memory.fill(x, 0, <usize>len << 3);
}

/** 1 if every x[i] is finite, else 0. */
export function allFinite(len: i32, x: usize): i32 {
  // x − x is 0 for finite x and NaN for ±Inf/NaN; one NaN poisons the sum.
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const v = v128.load(x + (<usize>i << 3));
    acc = f64x2.add(acc, f64x2.sub(v, v));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < len; i++) {
    const v = load<f64>(x + (<usize>i << 3));
    s += v - v;
  }
  return s == 0 ? 1 : 0;
}

/** out[i] = y[i] + alpha·x[i] for i < len: axpy into a third buffer (same arithmetic, so the same bits). */
export function axpyInto(len: i32, alpha: f64, x: usize, y: usize, out: usize): void {
  const va = f64x2.splat(alpha);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    v128.store(out + o, f64x2.add(v128.load(y + o), f64x2.mul(va, v128.load(x + o))));
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    store<f64>(out + o, load<f64>(y + o) + alpha * load<f64>(x + o));
  }
}

/**
 * ‖x‖₂ without underflow or overflow: √(Σx²) when that sum is safe, else
 * m·√(Σ(x/m)²) with m = max|x| (a gradient of 1e−170 entries has norm ≈ 1e−170, not 0).
 */
export function norm2(len: i32, x: usize): f64 {
  return normFromSumsq(sumsq(len, x), len, x);
}
