// The arithmetic limit for the benchmarks: how many f64x2 multiply-adds per
// second this machine's WASM engine runs when nothing waits on memory. WASM
// SIMD128 has no fused multiply-add, so a multiply-add is two instructions;
// the fused residual/gradient pass needs 4·n·d·k flops per iteration, and this
// peak turns that into the fastest time any float64 WASM kernel could take.
// The same loop built with relaxed SIMD (assembly/fma.ts) gives the peak with
// f64x2.relaxed_madd, for the fma kernel (see kernels/madd.ts).
import { madd } from "../kernels/madd";

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
    a0 = madd(x, y, a0); a1 = madd(x, y, a1);
    a2 = madd(x, y, a2); a3 = madd(x, y, a3);
    a4 = madd(x, y, a4); a5 = madd(x, y, a5);
    a6 = madd(x, y, a6); a7 = madd(x, y, a7);
    a8 = madd(x, y, a8); a9 = madd(x, y, a9);
    a10 = madd(x, y, a10); a11 = madd(x, y, a11);
  }
  const a = f64x2.add(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)), f64x2.add(f64x2.add(a4, a5), f64x2.add(a6, a7)));
  const b = f64x2.add(f64x2.add(a8, a9), f64x2.add(a10, a11));
  const c = f64x2.add(a, b);
  return f64x2.extract_lane(c, 0) + f64x2.extract_lane(c, 1);
}

/**
 * The same twelve chains as mulAddPeak, but each step is a ← z + a·y, so every multiply depends
 * on its own chain. In mulAddPeak all twelve multiplies are x·y, and V8 computes that product once
 * per step (its loop is twelve f64x2.add and one f64x2.mul): that figure is the rate of additions.
 * This one is the rate of separate multiplies and adds, what a kernel without FMA can reach (the
 * fma build gains nothing here, its madd being one instruction either way). 48·steps flops;
 * returns a sum of the accumulators (meaningless). Contract: steps ≥ 0.
 */
export function mulAddChainPeak(steps: i32, seed: f64): f64 {
  const y = f64x2.splat(1.0 - 1e-16);
  const z = f64x2.splat(seed);
  let a0 = f64x2.splat(0), a1 = f64x2.splat(1), a2 = f64x2.splat(2), a3 = f64x2.splat(3);
  let a4 = f64x2.splat(4), a5 = f64x2.splat(5), a6 = f64x2.splat(6), a7 = f64x2.splat(7);
  let a8 = f64x2.splat(8), a9 = f64x2.splat(9), a10 = f64x2.splat(10), a11 = f64x2.splat(11);
  for (let s = 0; s < steps; s++) {
    a0 = madd(a0, y, z); a1 = madd(a1, y, z);
    a2 = madd(a2, y, z); a3 = madd(a3, y, z);
    a4 = madd(a4, y, z); a5 = madd(a5, y, z);
    a6 = madd(a6, y, z); a7 = madd(a7, y, z);
    a8 = madd(a8, y, z); a9 = madd(a9, y, z);
    a10 = madd(a10, y, z); a11 = madd(a11, y, z);
  }
  const a = f64x2.add(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)), f64x2.add(f64x2.add(a4, a5), f64x2.add(a6, a7)));
  const b = f64x2.add(f64x2.add(a8, a9), f64x2.add(a10, a11));
  const c = f64x2.add(a, b);
  return f64x2.extract_lane(c, 0) + f64x2.extract_lane(c, 1);
}
