// The memory-bandwidth limit for the benchmarks: one sequential read of a
// buffer, as fast as WASM SIMD can pull it in, doing almost no arithmetic.
// The fused residual/gradient pass reads X once per iteration, so the time of
// streamRead over X is the floor any iteration can reach on this machine.

/**
 * Σ x[i] for i < len, read as f64x2 lanes with four independent accumulators
 * (eight doubles per step) so the adds never wait on each other and the loop is
 * bound by loads alone. The sum is returned so the reads cannot be optimized away;
 * its value is not meant to be used (summation order differs from dot()).
 * Contract: x is 8-byte aligned and holds len doubles; len ≥ 0.
 */
export function streamRead(x: usize, len: i32): f64 {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let a2 = f64x2.splat(0);
  let a3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    const p = x + (<usize>i << 3);
    a0 = f64x2.add(a0, v128.load(p));
    a1 = f64x2.add(a1, v128.load(p, 16));
    a2 = f64x2.add(a2, v128.load(p, 32));
    a3 = f64x2.add(a3, v128.load(p, 48));
  }
  const a = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  for (; i < len; i++) s += load<f64>(x + (<usize>i << 3));
  return s;
}
