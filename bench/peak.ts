/** The arithmetic limit of the engine: f64x2 multiply-adds with operands in registers (runtime-agnostic). */
import { getWasm } from '../src/wasm/module.js';
import { benchKernels } from './kernels.js';
import type { ArithmeticPeak } from './types.js';

const now = () => performance.now();

const steps = 20_000; // ≈ 1 MFLOP per call
let sink = 0;

/** Calls `kernel` for at least `ms`; the sum of its results is kept live in `sink`. */
function runFor(kernel: (steps: number, x: number) => number, ms: number): { calls: number; elapsed: number } {
  const t0 = now();
  let calls = 0, elapsed = 0;
  do {
    sink += kernel(steps, 0.5 + calls);
    calls++;
    elapsed = now() - t0;
  } while (elapsed < ms);
  return { calls, elapsed };
}

/**
 * mulAddPeak on dspgd's own WASM instance: the best GFLOP/s over several samples. Calls are short
 * (~1 ms) and repeated for a fixed time, first to let the engine move the kernel to its optimizing
 * tier (a call that started in the baseline tier finishes there), then for each sample long
 * enough for a coarse browser clock (performance.now() may step by 0.1 ms).
 */
export async function measureArithmeticPeak(quick: boolean): Promise<ArithmeticPeak> {
  const { mulAddPeak, mulAddChainPeak } = await benchKernels(await getWasm());
  runFor(mulAddPeak, quick ? 100 : 300);
  const samplesGflops: number[] = [];
  for (let i = 0; i < (quick ? 3 : 9); i++) {
    const { calls, elapsed } = runFor(mulAddPeak, quick ? 20 : 50);
    samplesGflops.push((48 * steps * calls) / (elapsed * 1e6));
  }
  runFor(mulAddChainPeak, quick ? 50 : 150);
  const samplesChainGflops: number[] = [];
  for (let i = 0; i < (quick ? 3 : 5); i++) {
    const { calls, elapsed } = runFor(mulAddChainPeak, quick ? 20 : 50);
    samplesChainGflops.push((48 * steps * calls) / (elapsed * 1e6));
  }
  if (!Number.isFinite(sink)) samplesGflops.push(NaN); // keeps the sums live; never true for these inputs
  return {
    gflops: Math.max(...samplesGflops.filter(Number.isFinite)), samplesGflops,
    chainGflops: Math.max(...samplesChainGflops.filter(Number.isFinite)), samplesChainGflops,
  };
}


/**
 * One short sample of mulAddPeak (GFLOP/s, ~50 ms; the first call also warms the kernel up), to
 * take beside a timed sample: this host's speed moves by 20–30% over tens of seconds with the
 * guest idle (W2 gd 8.4–11.6 ms per iteration in one process over 40 s), so a share of a peak
 * measured minutes earlier says as much about the host's phase as about the kernel.
 */
export async function peakSampler(): Promise<() => number> {
  const { mulAddPeak } = await benchKernels(await getWasm());
  let warm = false;
  return () => {
    if (!warm) {
      runFor(mulAddPeak, 300);
      warm = true;
    }
    const { calls, elapsed } = runFor(mulAddPeak, 50);
    return Number.isFinite(sink) ? (48 * steps * calls) / (elapsed * 1e6) : NaN;
  };
}
