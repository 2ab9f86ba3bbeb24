// The k = 1 pass over X (assembly/pass/k1.ts, which residualGrad and residualGradRows take
// when k = 1). Its contract is the general pass's, bit for bit, so it is checked
//  - against a plain JS loop written in the documented order (each row: lane 0 sums x_j·w_j
//    over even j, lane 1 over odd j, then lane 0 + lane 1, then the odd last column; each G
//    entry: its rows' terms added one at a time in row order). JS float64 rounds every
//    multiply and add as the simd build does, so the simd build must match it exactly;
//  - against the four-row kernels it replaced, which the split pass (residualRows, lossRows,
//    gradPanel) and the batch pass still use, in the simd build and in the fma build, for
//    every loss: bit for bit too.
// Shapes hit every block and tile: n not a multiple of 8 (blocks of eight, one of four,
// single rows), d odd, d/2 leaving each tile remainder, several L2 chunks (d = 4099: chunks
// of 8 rows), row ranges that start off a block boundary.
//
// Node 20 compiles relaxed SIMD only behind a V8 flag (as in kernel-fma.test.ts).
import { setFlagsFromString } from 'node:v8';
setFlagsFromString('--experimental-wasm-relaxed-simd');

import { describe, it, expect, beforeAll } from 'vitest';
import { getWasm, type Wasm } from '../src/wasm/module.js';
import type { PassKernels } from '../src/wasm/kernels.js';
import { LOSS_IDS } from '../src/losses/index.js';
import { randn } from './helpers/rng.js';

let w: Wasm;
let fma: PassKernels | undefined;
beforeAll(async () => {
  w = await getWasm();
  fma = await w.fma();
});

const put = (a: Float64Array): number => {
  const p = w.allocF64(a.length);
  w.f64(p, a.length).set(a);
  return p;
};
const bits = (a: ArrayLike<number>) => Buffer.from(new Float64Array(Array.from(a)).buffer).toString('hex');

/** The pass in the kernel's documented order (squared loss, k = 1), on rows [i0, i1). */
function orderedPass(X: Float64Array, Y: Float64Array, W: Float64Array, d: number, i0: number, i1: number, scale: number) {
  const R = new Float64Array(i1 - i0), D = new Float64Array(i1 - i0), G = new Float64Array(d);
  let rr = 0, loss = 0;
  for (let i = i0; i < i1; i++) {
    let even = 0, odd = 0;
    for (let j = 0; j + 1 < d; j += 2) {
      even += X[i * d + j] * W[j];
      odd += X[i * d + j + 1] * W[j + 1];
    }
    let s = even + odd;
    if (d % 2 === 1) s += X[i * d + d - 1] * W[d - 1];
    const v = s - Y[i];
    R[i - i0] = v;
    rr += v * v;
    D[i - i0] = scale * v;
    let l = 0;
    l += 0.5 * v * v;
    loss += scale * l;
  }
  for (let j = 0; j < d; j++) {
    let g = 0;
    for (let i = i0; i < i1; i++) g += D[i - i0] * X[i * d + j];
    G[j] = g;
  }
  return { R, D, G, stats: [loss, rr] };
}

interface Out { R: string; D: string; G: string; stats: string }

const SHAPES: [number, number][] = [
  [1, 1], [3, 2], [4, 3], [7, 21], [8, 21], [9, 2], [12, 5], [13, 37], [17, 59], [21, 47], [16, 24], [33, 1002], [35, 1003], [100, 1000], [70, 4099],
];
const LOSSES: [keyof typeof LOSS_IDS, number][] = [['squared', 0], ['huber', 0.3], ['logcosh', 0], ['lp', 3]];

describe('k = 1 pass (pass/k1.ts)', () => {
  for (const [n, d] of SHAPES) {
    it(`n=${n}, d=${d}: bit for bit the ordered reference (squared), the split pass and the batch pass (every loss, both builds)`, () => {
      const X = randn(n * d, 3 * n + d), Y = randn(n, 7 + n), W = randn(d, 11 + d, 0.5);
      const pX = put(X), pY = put(Y), pW = put(W);
      const pG = w.allocF64(d), pR = w.allocF64(n), pD = w.allocF64(n), st = w.allocF64(2);
      const scratch = w.allocF64(d), table = w.allocF64(w.abi.batch.doubles);
      const read = (): Out => ({ R: bits(w.f64(pR, n)), D: bits(w.f64(pD, n)), G: bits(w.f64(pG, d)), stats: bits(w.f64(st, 2)) });
      try {
        for (const scale of [1, 1 / n]) {
          // The ordered reference, whole pass and a row range that starts off a block boundary.
          for (const [i0, i1] of [[0, n], [Math.min(1, n), n], [0, Math.max(0, n - 3)]]) {
            w.exports.residualGradRows(i0, i1, d, 1, pX, pW, pY, pG, pR, pD, LOSS_IDS.squared, 0, scale, st);
            const ref = orderedPass(X, Y, W, d, i0, i1, scale);
            expect(bits(w.f64(pR + 8 * i0, i1 - i0))).toBe(bits(ref.R));
            expect(bits(w.f64(pD + 8 * i0, i1 - i0))).toBe(bits(ref.D));
            expect(bits(w.f64(pG, d))).toBe(bits(ref.G));
            expect(bits(w.f64(st, 2))).toBe(bits(ref.stats));
          }
          for (const kern of fma ? [w.simd, fma] : [w.simd]) {
            for (const [loss, param] of LOSSES) {
              const id = LOSS_IDS[loss];
              kern.residualGrad(n, d, 1, pX, pW, pY, pG, pR, pD, id, param, scale, st);
              const k1 = read();
              // The split pass (four-row kernels): R, then ∇ℓ and the stats (main build), then G.
              kern.residualRows(0, n, d, 1, pX, pW, pY, pR);
              w.exports.lossRows(0, n, 1, pR, pD, id, param, scale, st);
              kern.gradPanel(n, n, 1, 0, d, d, 1, pX, pD, pG, scratch);
              expect(read(), `split pass, ${kern.name}, ${loss}, scale ${scale}`).toEqual(k1);
              // The batch pass with one run.
              const f = w.abi.batch, rec = w.f64(table, f.doubles);
              rec[f.W] = pW; rec[f.G] = pG; rec[f.R] = pR; rec[f.D] = pD; rec[f.stats] = st;
              rec[f.lossId] = id; rec[f.lossParam] = param; rec[f.scale] = scale;
              kern.residualGradBatch(0, n, d, 1, pX, pY, 1, table);
              expect(read(), `batch pass, ${kern.name}, ${loss}, scale ${scale}`).toEqual(k1);
            }
          }
        }
      } finally {
        for (const p of [pX, pY, pW, pG, pR, pD, st, scratch, table]) w.free(p);
      }
    });
  }

  // Several runs in one batch pass: chunk by chunk, every run per chunk. Each run (its own W,
  // loss and scale) must get exactly what the pass gives it alone, over shapes of one chunk and
  // of many (256 KiB of X per chunk: d = 1002 → 32 rows, d = 4099 → 8 rows).
  for (const [n, d] of [[13, 37], [33, 1002], [100, 1000], [70, 4099]] as [number, number][]) {
    it(`n=${n}, d=${d}: three runs in one batch pass, each bit for bit its pass alone (both builds)`, () => {
      const X = randn(n * d, 5 * n + d), Y = randn(n, 3 + n);
      const runs = [[LOSS_IDS.squared, 0, 1], [LOSS_IDS.huber, 0.3, 1 / n], [LOSS_IDS.logcosh, 0, 0.5]] as const;
      const pX = put(X), pY = put(Y);
      const bufs = runs.map((_, r) => ({ W: put(randn(d, 17 * r + d, 0.5)), G: w.allocF64(d), R: w.allocF64(n), D: w.allocF64(n), st: w.allocF64(2) }));
      const f = w.abi.batch;
      const table = w.allocF64(f.doubles * runs.length);
      const read = (b: (typeof bufs)[number]): Out => ({ R: bits(w.f64(b.R, n)), D: bits(w.f64(b.D, n)), G: bits(w.f64(b.G, d)), stats: bits(w.f64(b.st, 2)) });
      try {
        for (const kern of fma ? [w.simd, fma] : [w.simd]) {
          const alone = runs.map(([id, param, scale], r) => {
            const b = bufs[r]!;
            kern.residualGrad(n, d, 1, pX, b.W, pY, b.G, b.R, b.D, id, param, scale, b.st);
            const out = read(b);
            for (const p of [b.G, b.R, b.D, b.st]) w.f64(p, p === b.G ? d : p === b.st ? 2 : n).fill(NaN);
            return out;
          });
          const rec = w.f64(table, f.doubles * runs.length);
          runs.forEach(([id, param, scale], r) => {
            const b = bufs[r]!, o = r * f.doubles;
            rec[o + f.W] = b.W; rec[o + f.G] = b.G; rec[o + f.R] = b.R; rec[o + f.D] = b.D; rec[o + f.stats] = b.st;
            rec[o + f.lossId] = id; rec[o + f.lossParam] = param; rec[o + f.scale] = scale;
          });
          kern.residualGradBatch(0, n, d, 1, pX, pY, runs.length, table);
          for (let r = 0; r < runs.length; r++) expect(read(bufs[r]!), `run ${r}, ${kern.name}`).toEqual(alone[r]);
        }
      } finally {
        for (const b of bufs) for (const p of [b.W, b.G, b.R, b.D, b.st]) w.free(p);
        for (const p of [pX, pY, table]) w.free(p);
      }
    });
  }

  it('the fma build is compared where relaxed SIMD loads (else the simd build only)', () => {
    if (!fma) console.log('kernels-k1: relaxed SIMD not available, the fma build was not compared');
    expect(w.simd.name).toBe('simd');
  });
});
