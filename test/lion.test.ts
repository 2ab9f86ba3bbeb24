// lion: the WASM kernels against plain-JS Lion (src/reference/precond.ts, Chen et al. 2023,
// Algorithm 2 without weight decay) over many steps, and a whole run against a JS loop.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { getWasm, type Wasm } from '../src/wasm/module.js';
import { generate, solve, lion, sign, PRECOND_IDS, type Problem } from '../src/index.js';
import { referenceLion, referenceGradK, referenceK } from '../src/reference/precond.js';
import { bitsOf } from './helpers/bits.js';
import { matmul } from './helpers/svd.js';

let w: Wasm;
beforeAll(async () => { w = await getWasm(); });
const problems: Problem[] = [];
afterAll(() => { for (const p of problems) p.dispose(); });

/** A seeded gradient sequence with exact zeros mixed in (sign(0) = 0), odd length for the SIMD tail. */
function gradients(steps: number, len: number, seed: number): Float64Array[] {
  let s = seed;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  return Array.from({ length: steps }, () => Float64Array.from({ length: len }, () => (u() < 0.1 ? 0 : (u() - 0.5) * 10 ** (4 * u() - 2))));
}

/** precondStep over the whole sequence, one P per step. */
function kernelSteps(Gs: Float64Array[], eps: number, beta1: number, beta2: number): Float64Array[] {
  const e = w.exports, len = Gs[0].length, id = PRECOND_IDS.lion;
  const pG = w.allocF64(len), pP = w.allocF64(len), pS = w.allocF64(e.precondStateLen(id, len)), pp = w.allocF64(3);
  try {
    expect(e.precondStateLen(id, len)).toBe(len);
    w.f64(pp, 3).set(lion({ eps, beta1, beta2 }).wasm!.params);
    return Gs.map((G, t) => {
      w.f64(pG, len).set(G);
      e.precondStep(id, len, pG, pS, pP, pp, t + 1);
      return w.f64(pP, len).slice();
    });
  } finally {
    for (const p of [pG, pP, pS, pp]) w.free(p);
  }
}

describe('lion kernel', () => {
  it('500 steps equal the smoothed-sign reference bit for bit (ε = 0.1, β = 0.9/0.99 and 0.5/0.999)', () => {
    const Gs = gradients(500, 37, 1);
    for (const [eps, b1, b2] of [[0.1, 0.9, 0.99], [0.1, 0.5, 0.999]]) {
      const got = kernelSteps(Gs, eps, b1, b2), want = referenceLion(Gs, b1, b2, eps);
      for (let t = 0; t < Gs.length; t++) expect(bitsOf(got[t]), `step ${t}`).toEqual(bitsOf(want[t]));
    }
  });

  it('with ε = 1e-200 it is the published sign(β1·m + (1−β1)·g) exactly, zeros included, over 500 steps', () => {
    const Gs = gradients(500, 37, 2);
    const got = kernelSteps(Gs, 1e-200, 0.9, 0.99), want = referenceLion(Gs, 0.9, 0.99, 0);
    for (let t = 0; t < Gs.length; t++) expect(bitsOf(got[t]), `step ${t}`).toEqual(bitsOf(want[t]));
    expect(got[0].some((v) => v === 0) && got[0].some((v) => v === 1) && got[0].some((v) => v === -1)).toBe(true);
  });

  it('the stateless form (beta1 = 0) is sign\'s map: ∇K and K against the reference', () => {
    const e = w.exports, d = 5, k = 3, len = d * k, G = gradients(1, len, 3)[0];
    const pG = w.allocF64(len), pP = w.allocF64(len), pp = w.allocF64(3);
    try {
      w.f64(pG, len).set(G);
      w.f64(pp, 3).set(lion({ eps: 0.3, beta1: 0 }).wasm!.params);
      e.precondGrad(PRECOND_IDS.lion, d, k, pG, pP, pp, 0);
      const want = new Float64Array(len);
      referenceGradK('lion', { eps: 0.3 }, G, want, d, k);
      expect(bitsOf(w.f64(pP, len))).toEqual(bitsOf(want));
      expect(e.precondValue(PRECOND_IDS.lion, d, k, pG, pp, 0)).toBeCloseTo(referenceK('lion', { eps: 0.3 }, G, d, k), 12);
    } finally {
      for (const p of [pG, pP, pp]) w.free(p);
    }
  });
});

describe('lion runs', () => {
  it('300 iterations equal a plain-JS Lion loop on W (G = Xᵀ(XW − Y)) to round-off; flagged stateful, outside the theory', async () => {
    const p = await generate({ kind: 'teacher', n: 12, d: 30, k: 2, seed: 4, w0: 'gaussian', w0Scale: 0.1 });
    problems.push(p);
    const { n, d, k } = p, lr = 0.01, steps = 300;
    const r = await solve(p, { precond: 'lion', lr, maxIter: steps, tol: 0, stall: false });
    expect(r.iterations).toBe(steps);
    const Xt = new Float64Array(d * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Xt[j * n + i] = p.X.data[i * d + j];
    const W = Float64Array.from(p.W0.data), m = new Float64Array(d * k);
    for (let t = 0; t < steps; t++) {
      const R = matmul(p.X.data, W, n, d, k).map((v, i) => v - p.Y.data[i]);
      const G = matmul(Xt, R, d, n, k);
      for (let i = 0; i < d * k; i++) {
        const c = 0.9 * m[i] + 0.1 * G[i];
        W[i] -= lr * (c / Math.sqrt(c * c + 0.01));
        m[i] = 0.99 * m[i] + 0.01 * G[i];
      }
    }
    let num = 0, den = 0;
    for (let i = 0; i < d * k; i++) { num += (r.W.data[i] - W[i]) ** 2; den += (W[i] - p.W0.data[i]) ** 2; }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-10);
    expect(r.precond.stateful).toBe(true);
    expect(r.bias!.theory.applies).toBe(false);
    expect(r.bias!.theory.reason).toMatch(/^stateful \(Lion/);
  });

  it("beta1 = 0 runs sign's iteration bit for bit; 'auto' converges on a teacher problem", async () => {
    const p = await generate({ kind: 'teacher', n: 20, d: 60, k: 2, seed: 3, w0: 'gaussian', w0Scale: 0.1 });
    problems.push(p);
    const a = await solve(p, { precond: lion({ beta1: 0, eps: 0.2 }), lr: 0.02, maxIter: 200, tol: 0, stall: false, report: false });
    const b = await solve(p, { precond: sign({ eps: 0.2 }), lr: 0.02, maxIter: 200, tol: 0, stall: false, report: false });
    expect(bitsOf(a.W.data)).toEqual(bitsOf(b.W.data));
    expect(lion({ beta1: 0 }).stateful).toBe(false);
    const r = await solve(p, { precond: 'lion', lr: 'auto', maxIter: 20_000, tol: 1e-8, stall: false, report: false });
    expect(r.status).toBe('converged');
  });
});
