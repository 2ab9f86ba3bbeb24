/**
 * Which build runs the pass over X for a solve: `kernel: 'simd' | 'fma' | 'auto'`.
 * 'auto' takes 'fma' only where the engine has relaxed SIMD and a short measurement on this
 * machine (once per module, a few milliseconds) finds it faster; results then depend on the
 * machine, which is why 'simd' is the default.
 */
import { DspgdError } from '../errors.js';
import { now } from '../util/yield.js';
import type { Wasm } from '../wasm/module.js';
import { relaxedSimdSupported, type KernelOption, type PassKernels } from '../wasm/kernels.js';

const autoChoice = new WeakMap<Wasm, Promise<PassKernels>>();

export async function resolveKernel(wasm: Wasm, want: KernelOption): Promise<PassKernels> {
  if (want === 'simd') return wasm.simd;
  const fma = await wasm.fma();
  if (want === 'fma') {
    if (fma) return fma;
    throw new DspgdError('E_PARAM', relaxedSimdSupported()
      ? "kernel: 'fma' needs the relaxed-SIMD build (build/dspgd-fma.wasm), which was not found; run `npm run build`, or use 'simd' or 'auto'"
      : "kernel: 'fma' needs WebAssembly relaxed SIMD, which this engine lacks (Node 20: start node with --experimental-wasm-relaxed-simd; Node ≥ 22 and Chromium have it); use 'simd' or 'auto'",
    'kernel');
  }
  if (!fma) return wasm.simd;
  let choice = autoChoice.get(wasm);
  if (!choice) {
    choice = Promise.resolve(measure(wasm, fma));
    autoChoice.set(wasm, choice);
  }
  return choice;
}

/**
 * Times both kernels on the same in-cache block (32×1024, k = 8: 1 M flops per call),
 * alternating, and keeps each one's best time; fma must win by 3% to be taken.
 */
function measure(wasm: Wasm, fma: PassKernels): PassKernels {
  const n = 32, d = 1024, k = 8;
  const ptrs: number[] = [];
  const alloc = (len: number) => {
    const p = wasm.allocF64(len, 'kernel measurement');
    ptrs.push(p);
    return p;
  };
  try {
    const X = alloc(n * d), W = alloc(d * k), Y = alloc(n * k), G = alloc(d * k), R = alloc(n * k), D = alloc(n * k), st = alloc(2);
    const x = wasm.f64(X, n * d);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i) * 0.5;
    const w = wasm.f64(W, d * k);
    for (let i = 0; i < w.length; i++) w[i] = Math.cos(i) * 1e-3;
    const time = (kern: PassKernels) => {
      const t0 = now();
      for (let r = 0; r < 3; r++) kern.residualGrad(n, d, k, X, W, Y, G, R, D, 0, 0, 1, st);
      return now() - t0;
    };
    let best = { simd: Infinity, fma: Infinity };
    time(wasm.simd); time(fma);
    for (let round = 0; round < 7; round++) {
      best = { simd: Math.min(best.simd, time(wasm.simd)), fma: Math.min(best.fma, time(fma)) };
    }
    return best.fma < 0.97 * best.simd ? fma : wasm.simd;
  } finally {
    for (const p of ptrs) wasm.free(p);
  }
}
