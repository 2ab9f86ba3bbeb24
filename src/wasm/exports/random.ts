/** Typed signatures of the WASM exports from assembly/random/ (pointers are byte offsets). */
import type { Ptr, I32, F64 } from '../types.js';

export interface RandomExports {
  /** Seeds xoshiro256** via splitmix64; `stream` separates independent sequences of one seed. */
  rngSeed(seed: F64, stream: I32): void;
  /** out[i] = mean + scale·N(0,1), i < len. */
  fillNormal(len: I32, out: Ptr, mean: F64, scale: F64): void;
  /** out[i] = lo + (hi − lo)·U[0,1), i < len. */
  fillUniform(len: I32, out: Ptr, lo: F64, hi: F64): void;
  /** out[i] = cond^(−i/(len−1)), i < len: the `spectrum` generator's singular values. */
  fillGeometric(len: I32, out: Ptr, cond: F64): void;
  /** Row i of A (m×d) *= s[i]. */
  scaleRows(m: I32, d: I32, A: Ptr, s: Ptr): void;
}
