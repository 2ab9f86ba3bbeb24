// Exact (power-of-two) rescaling, so that the squared norms inside the Householder
// steps neither overflow nor underflow whatever the units of X. Scaling by 2^e
// changes no bit of any rounded result, only exponents; inside the normal range
// (the common case) the factor is 1 and nothing is scaled at all.
import { scaledCopy } from "../kernels/scale";

/**
 * A power of two s with s·max|x| in [2^−400, 2^400]: 1 if max|x| is already in that
 * range (or x = 0), else 2^(−e) with e the exponent of max|x|.
 */
export function lqPow2Scale(len: i32, x: usize): f64 {
  let m = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= len; i += 2) m = f64x2.max(m, f64x2.abs(v128.load(x + (<usize>i << 3))));
  let a = Math.max(f64x2.extract_lane(m, 0), f64x2.extract_lane(m, 1));
  for (; i < len; i++) a = Math.max(a, Math.abs(load<f64>(x + (<usize>i << 3))));
  if (a == 0 || (a >= 3.872591914849318e-121 /* 2^−400 */ && a <= 2.5822498780869086e+120 /* 2^400 */)) return 1;
  // Clamp the exponent so that 2^(−e) stays a finite normal number even for subnormal
  // (or, were validation bypassed, infinite or NaN) input.
  let e = <i32>((reinterpret<u64>(a) >> 52) & 0x7ff) - 1023;
  if (e < -1000) e = -1000;
  if (e > 1000) e = 1000;
  return reinterpret<f64>(<u64>(1023 - e) << 52);
}

/** dst[i] = s·src[i] for i < len (dst may equal src); a plain copy when s = 1. */
export function lqScaledCopy(len: i32, s: f64, src: usize, dst: usize): void {
  scaledCopy(len, s, src, dst);
}
