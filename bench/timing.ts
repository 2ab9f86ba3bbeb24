/**
 * Timing helpers shared by the suite's sections (runtime-agnostic). Nothing here
 * asserts a time: medians of repeats, and (T(N) − T(1)) / (N − 1) so solve()'s set-up cancels.
 */
import type { SolveOptions } from '../src/solve.js';
import type { KernelOption } from '../src/wasm/kernels.js';
import { DspgdError } from '../src/errors.js';
import { PRECOND_PARAMS, type BenchPrecond } from './types.js';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>, W0?: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += (b[i] - (W0 ? W0[i] : 0)) ** 2;
  }
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
}

export function precondSpec(p: BenchPrecond): string {
  const params = Object.entries(PRECOND_PARAMS[p]);
  return params.length ? `${p}:${params.map(([k, v]) => `${k}=${v}`).join(',')}` : p;
}

let benchKernel: KernelOption = 'simd';
/** The pass kernel every timed solve of this suite run uses (runSuite sets it from its options). */
export function useKernel(k: KernelOption): void {
  benchKernel = k;
}
export const currentKernel = (): KernelOption => benchKernel;

export function baseOptions(precond: BenchPrecond, lr: number, iters: number, extra: Partial<SolveOptions> = {}): SolveOptions {
  return {
    precond: precondSpec(precond), lr, maxIter: iters, tol: 0, stall: false, report: false,
    // The trace as a long run samples it (a thousandth of the iterations), not at every one of
    // the few timed iterations: the Bregman term costs a K(G) evaluation per sample (adam: a log
    // per entry), which the peers do not compute.
    traceEvery: 1000,
    // A stable lr never trips it; a fixed iteration count is what is being timed.
    divergenceFactor: 1e300,
    path: 'primal', threads: 1, kernel: benchKernel, ...extra,
  };
}

/** (T(N) − T(1)) / (N − 1), T(1) and T(N) interleaved per repeat so drift hits both. warmUp: one run(1) first. */
export async function timePerIteration(run: (iters: number) => Promise<number>, N: number, repeats: number, warmUp = true): Promise<number[]> {
  if (warmUp) await run(1); // JIT, WASM tier-up, first allocations
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) samples.push(await iterationSample(run, N));
  return samples;
}

/** One sample of timePerIteration: T(1), then T(N). */
export async function iterationSample(run: (iters: number) => Promise<number>, N: number): Promise<number> {
  if (N < 2) throw new DspgdError('E_PARAM', `iterations: (T(N) − T(1))/(N − 1) needs N ≥ 2, got ${N}`, 'plan.dspgdIters');
  // T(N) ≤ T(1) means the short run was preempted (a loaded host): measure the pair again. If it
  // keeps happening, T(N)/N is the sample, an overestimate (it includes the per-solve overhead),
  // so dspgd is never credited with a time of 0.
  let sample = NaN, tN = NaN;
  for (let attempt = 0; attempt < 5 && !(sample > 0); attempt++) {
    const t1 = await run(1);
    tN = await run(N);
    sample = (tN - t1) / (N - 1);
  }
  return sample > 0 ? sample : tN / N;
}


/**
 * The sweep section's shell figures split into fixed part F (1 iteration per run) and the
 * iterations (T − F), medians; `bound` = T1 / (F_N + (T1 − F1)/N), the speed-up from the shell
 * if the iterations scaled perfectly. Undefined when the section did not measure them.
 */
export function shellSplit(s: { jobs: number; shellSeconds1?: number[]; shellSecondsN?: number[]; shellFixedSeconds1?: number; shellFixedSecondsN?: number }):
  { t1: number; tN: number; f1: number; fN: number; bound: number } | undefined {
  if (!s.shellSeconds1?.length || !s.shellSecondsN?.length || s.shellFixedSeconds1 === undefined || s.shellFixedSecondsN === undefined) return undefined;
  const t1 = median(s.shellSeconds1), tN = median(s.shellSecondsN), f1 = s.shellFixedSeconds1, fN = s.shellFixedSecondsN;
  return { t1, tN, f1, fN, bound: t1 / (fN + (t1 - f1) / s.jobs) };
}
