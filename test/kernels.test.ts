// The core WASM kernels against plain float64 JS loops, on shapes that hit
// every SIMD tail: k = 1, odd k, k ≥ 8 (the 8-column block), d = 1, d odd.
import { describe, it, expect, beforeAll } from 'vitest';
import { getWasm, type Wasm } from '../src/wasm/module.js';
import { randn, relMaxDiff } from './helpers/rng.js';
import { referenceResidualGrad } from '../src/reference/iteration.js';
import { LOSS_IDS } from '../src/losses/index.js';

let w: Wasm;
beforeAll(async () => {
  w = await getWasm();
});

function put(a: Float64Array): number {
  const p = w.allocF64(a.length);
  w.f64(p, a.length).set(a);
  return p;
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 1, 2], [5, 7, 1], [4, 9, 3], [6, 13, 8], [7, 5, 9], [10, 33, 11], [2, 64, 16], [9, 101, 2], [13, 37, 5], [8, 3, 4],
];

describe('level-1 kernels', () => {
  for (const len of [1, 2, 3, 4, 5, 8, 17, 1001]) {
    it(`dot, sumsq, axpy, sub, allFinite at len ${len}`, () => {
      const x = randn(len, len), y = randn(len, len + 100);
      const px = put(x), py = put(y), po = w.allocF64(len);
      let dot = 0, ss = 0;
      for (let i = 0; i < len; i++) { dot += x[i] * y[i]; ss += x[i] * x[i]; }
      expect(Math.abs(w.exports.dot(len, px, py) - dot)).toBeLessThanOrEqual(1e-13 * Math.max(1, ss));
      expect(Math.abs(w.exports.sumsq(len, px) - ss)).toBeLessThanOrEqual(1e-13 * ss);
      w.exports.sub(len, px, py, po);
      expect(Array.from(w.f64(po, len))).toEqual(Array.from(x, (v, i) => v - y[i]));
      w.exports.axpy(len, -0.5, px, py);
      expect(relMaxDiff(w.f64(py, len), y.map((v, i) => v - 0.5 * x[i]))).toBeLessThan(1e-15);
      expect(w.exports.allFinite(len, px)).toBe(1);
      w.f64(px, len)[len - 1] = Infinity;
      expect(w.exports.allFinite(len, px)).toBe(0);
      w.f64(px, len)[len - 1] = NaN;
      expect(w.exports.allFinite(len, px)).toBe(0);
      for (const p of [px, py, po]) w.free(p);
    });
  }
});

describe('matmul kernels', () => {
  for (const [n, d, k] of SHAPES) {
    it(`X·W and Xᵀ·V for n=${n}, d=${d}, k=${k}`, () => {
      const X = randn(n * d, 1 + n + d), W = randn(d * k, 2 + k), V = randn(n * k, 3 + k);
      const pX = put(X), pW = put(W), pV = put(V), o1 = w.allocF64(n * k), o2 = w.allocF64(d * k);
      w.exports.matmulXW(n, d, k, pX, pW, o1);
      w.exports.matmulXtV(n, d, k, pX, pV, o2);
      const e1 = new Float64Array(n * k), e2 = new Float64Array(d * k);
      for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += X[i * d + j] * W[j * k + c];
        e1[i * k + c] = s;
      }
      for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += X[i * d + j] * V[i * k + c];
        e2[j * k + c] = s;
      }
      expect(relMaxDiff(w.f64(o1, n * k), e1)).toBeLessThan(1e-13);
      expect(relMaxDiff(w.f64(o2, d * k), e2)).toBeLessThan(1e-13);
      for (const p of [pX, pW, pV, o1, o2]) w.free(p);
    });
  }
});

describe('power iteration (powerIterXtX, one pass over X a step)', () => {
  /** The two-pass step from the separate kernels (u = Xv, then v = Xᵀu): the arithmetic the fused pass must keep. */
  function twoPass(n: number, d: number, pX: number, v0: Float64Array, iters: number): number {
    const e = w.exports;
    const v = put(v0), u = w.allocF64(n);
    let lambda = 0;
    for (let t = 0; t < iters; t++) {
      const nv = e.norm2(d, v);
      if (nv === 0) { lambda = 0; break; }
      const vv = w.f64(v, d);
      const inv = 1 / nv;
      for (let j = 0; j < d; j++) vv[j] = inv !== 0 && inv !== Infinity ? vv[j]! * inv : vv[j]! / nv;
      e.matmulXW(n, d, 1, pX, v, u);
      const s2 = e.sumsq(n, u);
      if (s2 >= 2.004168360008973e-292 && s2 !== Infinity) {
        lambda = s2;
      } else {
        const s = e.norm2(n, u);
        lambda = s * s;
        if (s === 0) { lambda = 0; break; }
        const uu = w.f64(u, n);
        for (let i = 0; i < n; i++) uu[i] = uu[i]! / s;
      }
      e.matmulXtV(n, d, 1, pX, u, v);
    }
    w.free(v);
    w.free(u);
    return lambda;
  }
  /** Plain JS: λ = ‖Xv‖² with v normalized, v ← XᵀXv. */
  function plain(X: Float64Array, n: number, d: number, v0: Float64Array, iters: number): number {
    let v = Float64Array.from(v0), lambda = 0;
    for (let t = 0; t < iters; t++) {
      const nv = Math.hypot(...v);
      v = v.map((x) => x / nv);
      const u = Array.from({ length: n }, (_, i) => { let a = 0; for (let j = 0; j < d; j++) a += X[i * d + j]! * v[j]!; return a; });
      lambda = u.reduce((a, x) => a + x * x, 0);
      const next = new Float64Array(d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) next[j] += X[i * d + j]! * u[i]!;
      v = next;
    }
    return lambda;
  }
  for (const [n, d] of [[1, 3], [4, 4], [6, 9], [11, 2]] as const) {
    it(`one step (powerStepXtX) n=${n}, d=${d}: u = X·v and w = Xᵀ·u, the bits of matmulXW then matmulXtV`, () => {
      const X = randn(n * d, 31 + n + d), v = randn(d, 32 + d);
      const pX = put(X), pv = put(v), u = w.allocF64(n), ww = w.allocF64(d), u2 = w.allocF64(n), w2 = w.allocF64(d);
      w.f64(ww, d).fill(7); // overwritten, not added to
      w.exports.powerStepXtX(n, d, pX, pv, u, ww);
      w.exports.matmulXW(n, d, 1, pX, pv, u2);
      w.exports.matmulXtV(n, d, 1, pX, u2, w2);
      const same = (a: number, b: number, len: number) => Array.from(w.f64(a, len)).every((x, i) => Object.is(x, w.f64(b, len)[i]));
      expect(same(u, u2, n)).toBe(true);
      expect(same(ww, w2, d)).toBe(true);
      for (const p of [pX, pv, u, ww, u2, w2]) w.free(p);
    });
  }
  for (const [n, d, scale] of [[1, 1, 1], [5, 7, 1], [9, 101, 1], [13, 37, 1e160], [7, 33, 1e-160]] as const) {
    it(`n=${n}, d=${d}, X × ${scale}: the same bits as the two-pass iteration, and plain JS's λ`, () => {
      const X = randn(n * d, 11 + n + d).map((x) => x * scale), v0 = Float64Array.from({ length: d }, (_, j) => 1 + ((j * 7919) % 13) / 13);
      const pX = put(X), v = put(v0), u = w.allocF64(n), ww = w.allocF64(d);
      const got = w.exports.powerIterXtX(n, d, pX, v, u, ww, 25);
      const ref = twoPass(n, d, pX, v0, 25);
      expect(Object.is(got, ref), `${got} vs ${ref}`).toBe(true);
      // ‖Xv‖² out of range takes the second pass: beyond 1.8e308 λ is +∞, below 2e-292 a scaled norm squared.
      if (scale === 1) expect(Math.abs(got - plain(X, n, d, v0, 25)) / got).toBeLessThan(1e-12);
      else if (scale > 1) expect(got).toBe(Infinity);
      else expect(got > 0 && got < 1e-300).toBe(true);
      for (const p of [pX, v, u, ww]) w.free(p);
    });
  }
});

describe('fused residual/gradient kernel', () => {
  const losses: [keyof typeof LOSS_IDS, number][] = [['squared', 0], ['huber', 0.3], ['logcosh', 0], ['lp', 3], ['lp', 1.5]];
  for (const [n, d, k] of SHAPES) {
    for (const [loss, param] of losses) {
      for (const reduction of ['sum', 'mean'] as const) {
        it(`${loss}${param ? `(${param})` : ''} ${reduction}, n=${n}, d=${d}, k=${k}`, () => {
          const X = randn(n * d, 11 * n + d), Y = randn(n * k, 13 + k), W = randn(d * k, 17 + d, 0.7);
          const pX = put(X), pY = put(Y), pW = put(W);
          const pG = w.allocF64(d * k), pR = w.allocF64(n * k), pD = w.allocF64(n * k), st = w.allocF64(2);
          const scale = reduction === 'mean' ? 1 / n : 1;
          w.exports.residualGrad(n, d, k, pX, pW, pY, pG, pR, pD, LOSS_IDS[loss], param, scale, st);
          const G = new Float64Array(d * k), R = new Float64Array(n * k);
          const ref = referenceResidualGrad({ X, Y, W0: W, n, d, k }, W, loss, param, scale, G, R);
          expect(relMaxDiff(w.f64(pR, n * k), R)).toBeLessThan(1e-13);
          expect(relMaxDiff(w.f64(pG, d * k), G)).toBeLessThan(1e-12);
          const s = w.f64(st, 2);
          expect(Math.abs(s[0] - ref.loss) / Math.max(1, Math.abs(ref.loss))).toBeLessThan(1e-13);
          expect(Math.abs(s[1] - ref.rr) / Math.max(1, ref.rr)).toBeLessThan(1e-13);
          for (const p of [pX, pY, pW, pG, pR, pD, st]) w.free(p);
        });
      }
    }
  }

  // Threads and batches split rows into chunks; each row's R and D and each chunk's G
  // must not depend on where the split falls.
  for (const [n, d, k] of [[13, 37, 5], [11, 20, 1], [9, 7, 8]] as const) {
    it(`row chunks reproduce the whole pass bit for bit (n=${n}, d=${d}, k=${k})`, () => {
      const X = randn(n * d, 5), Y = randn(n * k, 6), W = randn(d * k, 7);
      const pX = put(X), pY = put(Y), pW = put(W);
      const pG = w.allocF64(d * k), pR = w.allocF64(n * k), pD = w.allocF64(n * k), st = w.allocF64(2);
      w.exports.residualGrad(n, d, k, pX, pW, pY, pG, pR, pD, 0, 0, 1, st);
      const R = w.f64(pR, n * k).slice(), D = w.f64(pD, n * k).slice();
      // Chunks [0,3), [3,10), [10,n): G of the chunks summed in order, against a JS sum of rows.
      const cuts = [0, 3, Math.min(10, n), n];
      const pGc = w.allocF64(d * k), pR2 = w.allocF64(n * k), pD2 = w.allocF64(n * k);
      const Gsum = new Float64Array(d * k);
      for (let c = 0; c + 1 < cuts.length; c++) {
        w.exports.residualGradRows(cuts[c], cuts[c + 1], d, k, pX, pW, pY, pGc, pR2, pD2, 0, 0, 1, st);
        const Gc = w.f64(pGc, d * k);
        // Each chunk's G is x_iᵀ·D_i accumulated in row order from zero.
        const ref = new Float64Array(d * k);
        for (let i = cuts[c]; i < cuts[c + 1]; i++) for (let j = 0; j < d; j++) for (let q = 0; q < k; q++) ref[j * k + q] += X[i * d + j] * D[i * k + q];
        expect(Array.from(Gc)).toEqual(Array.from(ref));
        for (let t = 0; t < d * k; t++) Gsum[t] += Gc[t];
      }
      expect(Array.from(w.f64(pR2, n * k))).toEqual(Array.from(R));
      expect(Array.from(w.f64(pD2, n * k))).toEqual(Array.from(D));
      expect(relMaxDiff(Gsum, w.f64(pG, d * k))).toBeLessThan(1e-14);
      for (const p of [pX, pY, pW, pG, pR, pD, st, pGc, pR2, pD2]) w.free(p);
    });
  }

  // The four-row kernels go over W and G in column panels of a few thousand rows
  // (kernels/rows4.ts panelRows); accumulators are carried across panels, so every entry is
  // still the plain sum in order: R over j, G over rows.
  for (const k of [2, 3, 8, 10]) {
    it(`R and G are the in-order sums bit for bit when d spans several column panels (n=9, d=7001, k=${k})`, () => {
      const n = 9, d = 7001;
      const X = randn(n * d, 21 + k), Y = randn(n * k, 22), W = randn(d * k, 23, 0.01);
      const pX = put(X), pY = put(Y), pW = put(W);
      const pG = w.allocF64(d * k), pR = w.allocF64(n * k), pD = w.allocF64(n * k), st = w.allocF64(2);
      w.exports.residualGrad(n, d, k, pX, pW, pY, pG, pR, pD, 0, 0, 1, st);
      const R = new Float64Array(n * k);
      for (let i = 0; i < n; i++) {
        for (let q = 0; q < k; q++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += X[i * d + j] * W[j * k + q];
          R[i * k + q] = s - Y[i * k + q];
        }
      }
      expect(Array.from(w.f64(pR, n * k))).toEqual(Array.from(R));
      const D = w.f64(pD, n * k).slice();
      const G = new Float64Array(d * k);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) for (let q = 0; q < k; q++) G[j * k + q] += X[i * d + j] * D[i * k + q];
      expect(Array.from(w.f64(pG, d * k))).toEqual(Array.from(G));
      for (const p of [pX, pY, pW, pG, pR, pD, st]) w.free(p);
    });
  }

  it('logcosh stays finite for huge residuals (where cosh overflows)', () => {
    const pR = put(new Float64Array([800, -1000])), pG = w.allocF64(2);
    const v = w.exports.lossEval(LOSS_IDS.logcosh, 0, pR, pG, 2, 1, 1);
    // log cosh r = |r| − log 2 + log1p(e^{−2|r|}) → |r| − log 2 exactly in float64 here
    expect(v).toBeCloseTo(1800 - 2 * Math.LN2, 9);
    expect(Array.from(w.f64(pG, 2))).toEqual([1, -1]);
  });
});
