// The row-space fast path (W = W0 + XᵀA on the Gram matrix) against the primal path,
// which the other tests check against the plain-JS reference and the theory.
import { describe, it, expect } from 'vitest';
import { solve, generate, DspgdError } from '../src/index.js';
import { relMaxDiff } from './helpers/rng.js';
import { getWasm } from '../src/wasm/module.js';
import { randn } from './helpers/rng.js';

const PRECONDS = ['gd', 'normalized:eps=0.5', 'clip:c=0.5', 'power:p=2.2', 'colnorm:eps=0.3', 'spectral:eps=0.3'];

describe('row-space path', () => {
  for (const precond of PRECONDS) {
    it(`${precond}: the same iterates as the primal path (40 steps, huber, W0 ≠ 0, k = 3)`, async () => {
      const p = await generate({ n: 9, d: 40, k: 3, seed: 21, w0: 'gaussian', w0Scale: 0.3 });
      const opts = { precond, lr: 0.1, loss: 'huber:delta=0.7', tol: 0, maxIter: 40, stall: false as const, traceEvery: 5 };
      const a = await solve(p, { ...opts, path: 'primal' });
      const b = await solve(p, { ...opts, path: 'rowspace' });
      expect(a.path).toBe('primal');
      expect(b.path).toBe('rowspace');
      expect(b.iterations).toBe(40);
      expect(relMaxDiff(b.W.data, a.W.data)).toBeLessThan(1e-12);
      expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-12);
      expect(Math.abs(b.gradNorm - a.gradNorm) / a.gradNorm).toBeLessThan(1e-10);
      expect(relMaxDiff(b.trace.loss, a.trace.loss)).toBeLessThan(1e-12);
      // Bregman terms are differences of K values: compare against the scale of K's changes.
      const ba = a.trace.bregman.filter((x) => !Number.isNaN(x)), bb = b.trace.bregman.filter((x) => !Number.isNaN(x));
      expect(bb.length).toBe(ba.length);
      const scale = Math.max(...ba.map(Math.abs));
      for (let i = 0; i < ba.length; i++) expect(Math.abs(bb[i] - ba[i])).toBeLessThanOrEqual(1e-9 * scale + 1e-15);
      p.dispose();
    });
  }

  it('converges to the GD limit and to the primal W∞ within 1e-10 (spectral and normalized, k = 4)', async () => {
    const p = await generate({ n: 30, d: 200, k: 4, seed: 5 });
    for (const precond of ['spectral:eps=0.1', 'normalized:eps=0.1']) {
      const opts = { precond, lr: 'auto' as const, tol: 1e-13, maxIter: 200000 };
      const a = await solve(p, { ...opts, path: 'primal' });
      const b = await solve(p, { ...opts, path: 'rowspace' });
      expect(a.status).toBe('converged');
      expect(b.status).toBe('converged');
      expect(relMaxDiff(b.W.data, a.W.data)).toBeLessThan(1e-10);
      expect(b.bias!.relDistToGD).toBeLessThan(1e-10);
      expect(Math.abs(b.bias!.c - 1)).toBeLessThan(1e-10);
    }
    p.dispose();
  });

  it('the Gram matrix is X·Xᵀ, exactly symmetric, for every remainder of the 4×2 blocking and of the column panels', async () => {
    const w = await getWasm();
    for (const [n, d] of [[1, 1], [2, 3], [5, 4], [7, 9], [9, 2], [12, 31], [6, 513], [9, 700]]) {
      const X = randn(n * d, n + d);
      const pX = w.allocF64(n * d); w.f64(pX, n * d).set(X);
      const pM = w.allocF64(n * n);
      w.exports.gramXXt(n, d, pX, pM);
      const M = w.f64(pM, n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += X[i * d + c] * X[j * d + c];
        expect(Math.abs(M[i * n + j] - s)).toBeLessThanOrEqual(1e-14 * d);
        expect(M[i * n + j]).toBe(M[j * n + i]);
      }
      w.free(pX); w.free(pM);
    }
  });

  it("'auto' takes the row space only when it pays and the preconditioner allows it", async () => {
    const p = await generate({ n: 20, d: 400, k: 2, seed: 3 });
    expect((await solve(p, { precond: 'gd', lr: 'auto', maxIter: 500, report: false })).path).toBe('rowspace');
    expect((await solve(p, { precond: 'adam', lr: 'auto', maxIter: 500, report: false })).path).toBe('primal');
    const q = await generate({ n: 40, d: 50, k: 1, seed: 3 });
    expect((await solve(q, { precond: 'gd', lr: 'auto', maxIter: 500, report: false })).path).toBe('primal');
    p.dispose(); q.dispose();
  });

  it("path: 'rowspace' with a preconditioner that leaves the row space is E_PARAM naming path", async () => {
    const p = await generate({ n: 5, d: 20, seed: 1 });
    for (const precond of ['adam', 'sign', 'adam:beta1=0.9,beta2=0.999']) {
      const err = await solve(p, { precond, lr: 0.1, path: 'rowspace' }).catch((e) => e);
      expect(err).toBeInstanceOf(DspgdError);
      expect(err.code).toBe('E_PARAM');
      expect(err.message).toMatch(/^path:/);
    }
    const err = await solve(p, { precond: 'gd', lr: 0.1, path: 'dual' as never }).catch((e) => e);
    expect(err.code).toBe('E_PARAM');
    p.dispose();
  });
});
