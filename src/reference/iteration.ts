/**
 * The DSPGD iteration in plain float64 JavaScript: no WASM, no SIMD, textbook
 * loops straight from the spec. It is the test reference for the fused
 * kernel and the solver, and the benchmarks' plain-JS peer.
 */
import { lossValueRef, lossGradRef } from './losses.js';

export interface ReferenceProblem {
  X: Float64Array; Y: Float64Array; W0: Float64Array; n: number; d: number; k: number;
}

/** One residual/gradient evaluation: returns loss and ‖R‖², writes G (d×k) and R (n×k). */
export function referenceResidualGrad(
  p: ReferenceProblem, W: Float64Array, lossName: string, lossParam: number, scale: number,
  G: Float64Array, R: Float64Array,
): { loss: number; rr: number } {
  const { X, Y, n, d, k } = p;
  let loss = 0, rr = 0;
  G.fill(0);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += X[i * d + j] * W[j * k + c];
      const r = s - Y[i * k + c];
      R[i * k + c] = r;
      rr += r * r;
      loss += lossValueRef(lossName, lossParam, r);
      const g = scale * lossGradRef(lossName, lossParam, r);
      for (let j = 0; j < d; j++) G[j * k + c] += X[i * d + j] * g;
    }
  }
  return { loss: scale * loss, rr };
}

/** Runs `iters` DSPGD updates from W0 with a JS ∇K and returns W. */
export function referenceIterate(
  p: ReferenceProblem,
  opts: {
    lossName: string; lossParam: number; reduction: 'sum' | 'mean'; lr: number; iters: number;
    gradK: (G: Float64Array, out: Float64Array, d: number, k: number, t: number) => void;
  },
): Float64Array {
  const { d, k, n } = p;
  const W = Float64Array.from(p.W0);
  const G = new Float64Array(d * k), P = new Float64Array(d * k), R = new Float64Array(n * k);
  const scale = opts.reduction === 'mean' ? 1 / n : 1;
  for (let t = 0; t < opts.iters; t++) {
    referenceResidualGrad(p, W, opts.lossName, opts.lossParam, scale, G, R);
    opts.gradK(G, P, d, k, t);
    for (let i = 0; i < d * k; i++) W[i] -= opts.lr * P[i];
  }
  return W;
}
