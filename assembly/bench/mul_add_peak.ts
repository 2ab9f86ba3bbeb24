// The arithmetic limit for the benchmarks: how many f64x2 multiply-adds per
// second this machine's WASM engine runs when nothing waits on memory. WASM
// SIMD128 has no fused multiply-add, so a multiply-add is two instructions;
// the fused residual/gradient pass needs 4·n·d·k flops per iteration, and this
// peak turns that into the fastest time any float64 WASM kernel could take.

/**
 * Runs `steps` rounds of twelve independent f64x2 accumulations a ← a + x·y
 * (enough chains to hide the add latency on current x64 and ARM cores), that
 * is 48·steps flops, with operands in registers. Returns a sum of the
 * accumulators so the work cannot be optimized away; its value means nothing.
 * Contract: steps ≥ 0.
 */
export function mulAddPeak(steps: i32, seed: f64): f64 {
  const x = f64x2.splat(seed);
  const y = f64x2.splat(1.0 - 1e-16);
  let a0 = f64x2.splat(0), a1 = f64x2.splat(1), a2 = f64x2.splat(2), a3 = f64x2.splat(3);
  let a4 = f64x2.splat(4), a5 = f64x2.splat(5), a6 = f64x2.splat(6), a7 = f64x2.splat(7);
  let a8 = f64x2.splat(8), a9 = f64x2.splat(9), a10 = f64x2.splat(10), a11 = f64x2.splat(11);
  for (let s = 0; s < steps; s++) {
    a0 = f64x2.add(a0, f64x2.mul(x, y)); a1 = f64x2.add(a1, f64x2.mul(x, y));
    a2 = f64x2.add(a2, f64x2.mul(x, y)); a3 = f64x2.add(a3, f64x2.mul(x, y));
    a4 = f64x2.add(a4, f64x2.mul(x, y)); a5 = f64x2.add(a5, f64x2.mul(x, y));
    a6 = f64x2.add(a6, f64x2.mul(x, y)); a7 = f64x2.add(a7, f64x2.mul(x, y));
    a8 = f64x2.add(a8, f64x2.mul(x, y)); a9 = f64x2.add(a9, f64x2.mul(x, y));
    a10 = f64x2.add(a10, f64x2.mul(x, y)); a11 = f64x2.add(a11, f64x2.mul(x, y));
  }
  const a = f64x2.add(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)), f64x2.add(f64x2.add(a4, a5), f64x2.add(a6, a7)));
  const b = f64x2.add(f64x2.add(a8, a9), f64x2.add(a10, a11));
  const c = f64x2.add(a, b);
  return f64x2.extract_lane(c, 0) + f64x2.extract_lane(c, 1);
}
