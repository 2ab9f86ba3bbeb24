/** The arithmetic limit of the engine: f64x2 multiply-adds with operands in registers (runtime-agnostic). */
import { getWasm } from '../src/wasm/module.js';
import { benchKernels } from './kernels.js';
import type { ArithmeticPeak } from './types.js';

const now = () => performance.now();

/**
 * mulAddPeak on dspgd's own WASM instance: the best GFLOP/s over several samples. Calls are short
 * (~1 ms) and repeated for a fixed time, first to let the engine move the kernel to its optimizing
 * tier (a call that started in the baseline tier finishes there), then for each sample long
 * enough for a coarse browser clock (performance.now() may step by 0.1 ms).
 */
export async function measureArithmeticPeak(quick: boolean): Promise<ArithmeticPeak> {
  const { mulAddPeak, mulAddChainPeak } = await benchKernels(await getWasm());
  const steps = 20_000; // ≈ 1 MFLOP per call
  let sink = 0;
  const runFor = (ms: number, kernel = mulAddPeak): { calls: number; elapsed: number } => {
    const t0 = now();
    let calls = 0, elapsed = 0;
    do {
      sink += kernel(steps, 0.5 + calls);
      calls++;
      elapsed = now() - t0;
    } while (elapsed < ms);
    return { calls, elapsed };
  };
  runFor(quick ? 100 : 300);
  const samplesGflops: number[] = [];
  for (let i = 0; i < (quick ? 3 : 9); i++) {
    const { calls, elapsed } = runFor(quick ? 20 : 50);
    samplesGflops.push((48 * steps * calls) / (elapsed * 1e6));
  }
  runFor(quick ? 50 : 150, mulAddChainPeak);
  const samplesChainGflops: number[] = [];
  for (let i = 0; i < (quick ? 3 : 5); i++) {
    const { calls, elapsed } = runFor(quick ? 20 : 50, mulAddChainPeak);
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
  const steps = 20_000;
  let sink = 0, warm = false;
  return () => {
    const span = (ms: number) => {
      const t0 = now();
      let calls = 0, elapsed = 0;
      do {
        sink += mulAddPeak(steps, 0.5 + calls);
        calls++;
        elapsed = now() - t0;
      } while (elapsed < ms);
      return (48 * steps * calls) / (elapsed * 1e6);
    };
    if (!warm) {
      span(300);
      warm = true;
    }
    const g = span(50);
    return Number.isFinite(sink) ? g : NaN;
  };
}
