// The solver: agreement with the plain-JS reference iteration, every stopping
// status, the trace (Bregman divergences against a direct computation), and
// input handling.
import { describe, it, expect } from 'vitest';
import { solve, generate, Problem, DspgdError, gd, sign, adam, custom, isotropicFromH } from '../src/index.js';
import { referenceIterate, referenceResidualGrad } from '../src/reference/iteration.js';
import { randn, relMaxDiff } from './helpers/rng.js';
import { jacobiSvd } from './helpers/svd.js';

function data(n: number, d: number, k: number, seed: number) {
  const X = randn(n * d, seed, 1 / Math.sqrt(d));
  const Y = randn(n * k, seed + 1);
  return { X: { data: X, shape: [n, d] }, Y: { data: Y, shape: k === 1 ? [n] : [n, k] } };
}

describe('solve agrees with the plain-JS reference iteration', () => {
  for (const [n, d, k] of [[6, 15, 1], [5, 11, 3], [8, 9, 2]] as const) {
    it(`sign:eps=0.1, 40 steps, huber loss, mean reduction, n=${n} d=${d} k=${k}`, async () => {
      const { X, Y } = data(n, d, k, 100 + n);
      const W0 = randn(d * k, 7, 0.1);
      const r = await solve({ X, Y, W0: { data: W0, shape: k === 1 ? [d] : [d, k] } }, {
        precond: 'sign:eps=0.1', lr: 0.05, loss: 'huber:delta=0.5', reduction: 'mean', maxIter: 40, tol: 0, stall: false, report: false,
      });
      expect(r.status).toBe('max-iter');
      expect(r.iterations).toBe(40);
      const ref = referenceIterate({ X: X.data, Y: Y.data, W0, n, d, k }, {
        lossName: 'huber', lossParam: 0.5, reduction: 'mean', lr: 0.05, iters: 40,
        gradK: (G, out) => { for (let i = 0; i < G.length; i++) out[i] = G[i] / Math.sqrt(G[i] * G[i] + 0.01); },
      });
      expect(relMaxDiff(r.W.data, ref)).toBeLessThan(1e-12);
      expect(r.W.shape).toEqual(k === 1 ? [d] : [d, k]);
    });
  }
});

describe('stopping', () => {
  it('converged: relResidual ≤ tol, and the reported numbers are those of the returned W', async () => {
    const p = await generate({ n: 10, d: 30, seed: 1 });
    const r = await solve(p, { precond: 'gd', lr: 'auto', tol: 1e-8, maxIter: 100000 });
    expect(r.status).toBe('converged');
    expect(r.relResidual).toBeLessThanOrEqual(1e-8);
    const G = new Float64Array(30), R = new Float64Array(10);
    const ref = referenceResidualGrad({ X: p.X.data, Y: p.Y.data, W0: p.W0.data, n: 10, d: 30, k: 1 }, r.W.data, 'squared', 0, 1, G, R);
    expect(Math.sqrt(ref.rr) / Math.hypot(...p.Y.data)).toBeCloseTo(r.relResidual, 14);
    p.dispose();
  });

  it('converged by gradTol', async () => {
    const r = await solve(data(5, 12, 1, 3), { precond: 'gd', lr: 'auto', tol: 0, gradTol: 1e-6, maxIter: 100000 });
    expect(r.status).toBe('converged');
    expect(r.gradNorm).toBeLessThanOrEqual(1e-6);
    expect(r.message).toMatch(/gradTol/);
  });

  it('max-iter', async () => {
    const r = await solve(data(5, 12, 1, 3), { precond: 'gd', lr: 'auto', tol: 0, maxIter: 7 });
    expect([r.status, r.iterations]).toEqual(['max-iter', 7]);
  });

  it('diverged: too large a step stops with the last finite iterate and a learning rate that then converges', async () => {
    const p = await generate({ n: 20, d: 50, seed: 5 });
    const r = await solve(p, { precond: 'gd', lr: 1e3, maxIter: 100000 });
    expect(r.status).toBe('diverged');
    // The returned W is the last finite iterate, the one before the iteration that saw the blow-up.
    expect(r.iterations).toBe(r.divergedAt! - 1);
    expect(r.W.data.every(Number.isFinite)).toBe(true);
    // gd on the squared loss has L = 1: the suggestion is 1/λmax(XᵀX), λmax from a power iteration, whose
    // Rayleigh quotient is at most σ_max(X)²; σ_max from an independent SVD of X (its rows as columns).
    const X = p.X.data as Float64Array;
    const smax = Math.max(...jacobiSvd(Array.from({ length: 20 }, (_, i) => X.slice(i * 50, i * 50 + 50)), 50).sigma);
    expect(r.suggestedLr! * smax ** 2).toBeGreaterThanOrEqual(1 - 1e-12);
    expect(r.suggestedLr! * smax ** 2).toBeLessThan(1 + 1e-6);
    const again = await solve(p, { precond: 'gd', lr: r.suggestedLr!, tol: 1e-10, maxIter: 100000 });
    expect(again.status).toBe('converged');
    p.dispose();
  });

  it('stalled: sign descent with a tiny eps oscillates at the scale of the step', async () => {
    const r = await solve(data(10, 30, 1, 9), { precond: 'sign:eps=1e-12', lr: 1e-2, tol: 1e-12, maxIter: 1e6, stall: { window: 300, minDecrease: 1e-3 } });
    expect(r.status).toBe('stalled');
    expect(r.iterations).toBeLessThan(1e6);
  });

  it('time-limit', async () => {
    const r = await solve(data(20, 40, 1, 2), { precond: 'sign:eps=1e-12', lr: 1e-3, tol: 0, maxIter: 1e9, stall: false, timeLimitMs: 30 });
    expect(r.status).toBe('time-limit');
  });

  it('aborted by an AbortSignal fired from a timer while the solve runs', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const r = await solve(data(20, 40, 1, 2), { precond: 'sign:eps=1e-12', lr: 1e-3, tol: 0, maxIter: 1e9, stall: false, signal: ac.signal });
    expect(r.status).toBe('aborted');
    expect(r.W.data.every(Number.isFinite)).toBe(true);
  });

  it('aborted by the callback returning false; the callback sees every N-th iteration', async () => {
    const seen: number[] = [];
    const r = await solve(data(5, 12, 1, 4), {
      precond: 'gd', lr: 'auto', tol: 0, maxIter: 1000, callbackEvery: 10,
      callback: (p) => { seen.push(p.iteration); return p.iteration < 30; },
    });
    expect(r.status).toBe('aborted');
    expect(seen).toEqual([0, 10, 20, 30]);
    expect(r.iterations).toBe(30);
  });
});

describe('trace', () => {
  it('samples every N iterations; for gd the Bregman term is ½‖G_{t+1} − G_t‖² exactly', async () => {
    const n = 6, d = 14, lr = 0.3;
    const { X, Y } = data(n, d, 1, 21);
    const r = await solve({ X, Y }, { precond: 'gd', lr, tol: 0, maxIter: 9, traceEvery: 3, stall: false });
    expect(Array.from(r.trace.iteration)).toEqual([0, 3, 6, 9]);
    // Recompute G_0, G_1 and G_3, G_4 with the reference and compare D_K = ½‖ΔG‖².
    const prob = { X: X.data, Y: Y.data, W0: new Float64Array(d), n, d, k: 1 };
    const Gs: Float64Array[] = [];
    const W = new Float64Array(d);
    for (let t = 0; t <= 4; t++) {
      const G = new Float64Array(d), R = new Float64Array(n);
      referenceResidualGrad(prob, W, 'squared', 0, 1, G, R);
      Gs.push(G);
      for (let j = 0; j < d; j++) W[j] -= lr * G[j];
    }
    const half = (a: Float64Array, b: Float64Array) => 0.5 * a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0);
    expect(r.trace.bregman[0]).toBeCloseTo(half(Gs[1], Gs[0]), 12);
    expect(Math.abs(r.trace.bregman[1] - half(Gs[4], Gs[3])) / half(Gs[4], Gs[3])).toBeLessThan(1e-9);
    expect(Number.isNaN(r.trace.bregman[3])).toBe(true); // the run ended before t + 1
  });

  it('Bregman divergences of a convex K are ≥ 0 along a run', async () => {
    for (const precond of ['adam:eps=0.05', 'spectral:eps=0.1', 'clip:c=0.2', 'rownorm:eps=0.1']) {
      const r = await solve(data(8, 20, 2, 31), { precond, lr: 0.02, tol: 0, maxIter: 200, traceEvery: 5, stall: false, report: false });
      const b = Array.from(r.trace.bregman).filter((x) => !Number.isNaN(x));
      expect(b.length).toBeGreaterThan(30);
      expect(Math.min(...b)).toBeGreaterThanOrEqual(-1e-12);
    }
  });
});

describe('custom preconditioners', () => {
  it('a JS ∇K equal to the identity reproduces gd bit for bit, and isotropicFromH(h′(s) = s) too', async () => {
    const p = await generate({ n: 7, d: 20, k: 2, seed: 8 });
    const opts = { lr: 0.1, tol: 0, maxIter: 50, stall: false as const };
    const a = await solve(p, { ...opts, precond: gd(), path: 'primal' });
    const b = await solve(p, { ...opts, precond: custom({ name: 'identity', gradK: (G, out) => out.set(G), K: (G) => 0.5 * G.reduce((s, v) => s + v * v, 0), isotropic: true }) });
    const c = await solve(p, { ...opts, precond: isotropicFromH({ hPrime: (s) => s, h: (s) => 0.5 * s * s }) });
    expect(b.W.data).toEqual(a.W.data);
    expect(relMaxDiff(c.W.data, a.W.data)).toBeLessThan(1e-13);
    expect(b.precond.isotropic).toBe(true);
    expect(relMaxDiff(b.trace.bregman.filter((x) => !Number.isNaN(x)), a.trace.bregman.filter((x) => !Number.isNaN(x)))).toBeLessThan(1e-9);
    p.dispose();
  });

  it('a throwing ∇K becomes a DspgdError E_CALLBACK', async () => {
    const err = await solve(data(3, 5, 1, 1), { precond: custom({ name: 'boom', gradK: () => { throw new Error('boom'); } }), lr: 0.1 }).catch((e) => e);
    expect(err).toBeInstanceOf(DspgdError);
    expect(err.code).toBe('E_CALLBACK');
  });
});

describe('real Adam (beta1, beta2 > 0)', () => {
  it('is reported as stateful and outside the theory; Bregman terms are NaN', async () => {
    const r = await solve(data(8, 20, 1, 41), { precond: adam({ eps: 1e-3, beta1: 0.9, beta2: 0.999 }), lr: 0.01, tol: 1e-8, maxIter: 20000 });
    expect(r.precond.stateful).toBe(true);
    expect(r.bias!.theory.applies).toBe(false);
    expect(r.trace.bregman.every(Number.isNaN)).toBe(true);
  });
});

describe('shapes and regimes', () => {
  it('2-D labels give a 2-D W; n ≥ d solves and says it is not overparameterized', async () => {
    const r = await solve(data(30, 10, 2, 12), { precond: sign({ eps: 0.1 }), lr: 0.01, tol: 1e-9, maxIter: 20000 });
    expect(r.W.shape).toEqual([10, 2]);
    expect(r.problem.overparameterized).toBe(false);
    expect(r.bias!.overparameterized).toBe(false);
    expect(r.bias!.interpolationExists).toBe(false);
  });

  it('a Problem can be reused across solves and is released by dispose()', async () => {
    const p = await Problem.create(data(4, 9, 1, 2));
    const a = await solve(p, { precond: 'gd', lr: 'auto', maxIter: 10 });
    const b = await solve(p, { precond: 'gd', lr: 'auto', maxIter: 10 });
    expect(a.W.data).toEqual(b.W.data);
    p.dispose();
    const err = await solve(p, { precond: 'gd', lr: 0.1 }).catch((e) => e);
    expect(err.code).toBe('E_DISPOSED');
  });
});
