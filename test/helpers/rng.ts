/** Seeded test data (independent of the library's own generators). */
export function rng(seed: number): () => number {
  // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller). */
export function gaussian(seed: number): () => number {
  const u = rng(seed);
  return () => {
    const u1 = 1 - u();
    const u2 = u();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
}

export function randn(len: number, seed: number, scale = 1): Float64Array {
  const g = gaussian(seed);
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) out[i] = scale * g();
  return out;
}

/** max |a_i − b_i| / max(1, max |b_i|) */
export function relMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0, s = 1;
  for (let i = 0; i < b.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return m / s;
}
