/** Typed signatures of the WASM exports from assembly/random/ (pointers are byte offsets). */
export interface RandomExports {
  /** Seeds xoshiro256** via splitmix64; `stream` separates independent sequences of one seed. */
  rngSeed(seed: number, stream: number): void;
  /** out[i] = mean + scale·N(0,1), i < len. */
  fillNormal(len: number, out: number, mean: number, scale: number): void;
  /** out[i] = lo + (hi − lo)·U[0,1), i < len. */
  fillUniform(len: number, out: number, lo: number, hi: number): void;
  /** out[i] = cond^(−i/(len−1)), i < len: the `spectrum` generator's singular values. */
  fillGeometric(len: number, out: number, cond: number): void;
  /** Row i of A (m×d) *= s[i]. */
  scaleRows(m: number, d: number, A: number, s: number): void;
}
