// The three predictions of the theory (spec: "What the theory predicts"),
// checked on seeded problems against the exact GD limit.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { solve, generate, suggestLearningRate, Problem } from '../src/index.js';
import { runGrid } from '../src/experiment.js';
import { conclusions } from '../src/demo.js';
import { relMaxDiff, randn } from './helpers/rng.js';
import { pinvJacobi, matmul, relFro } from './helpers/svd.js';

// Parameters under which each converges to round-off quickly. power uses p = 2.2:
// any p > 2 converges, but only polynomially (error ~ t^(−1/(p−2))), so p near 2 keeps the test fast.
const ROW_SPACE = ['gd', 'normalized:eps=0.1', 'clip:c=0.3', 'power:p=2.2', 'colnorm:eps=0.1', 'spectral:eps=0.1'];
const OTHERS = ['adam:eps=0.1', 'sign:eps=0.1', 'rownorm:eps=0.1', 'clip-elementwise:c=0.05'];
const FACTORS = [1, 0.3];

for (const shape of [{ n: 20, d: 60, k: 1, seed: 11 }, { n: 12, d: 40, k: 3, seed: 12 }]) {
  describe(`n=${shape.n}, d=${shape.d}, k=${shape.k}`, () => {
    let problem: Problem;
    beforeAll(async () => {
      problem = await generate({ ...shape, kind: 'gaussian' });
    });
    afterAll(() => problem.dispose());

    it('the GD limit interpolates and X has full row rank', () => {
      const g = problem.gdLimit();
      expect(g.rank).toBe(shape.n);
      expect(g.interpolates).toBe(true);
      expect(g.relResidual).toBeLessThan(1e-13);
    });

    for (const precond of ROW_SPACE) {
      it(`${precond}: W∞ = W_GD∞ at two learning rates (relDistToGD ≤ 1e-9, c = 1)`, async () => {
        const base = suggestLearningRate(problem, precond);
        for (const f of FACTORS) {
          // tol 1e-12: power's steps shrink with ‖G‖^{p−2}, so it flattens out just above 1e-13.
          const r = await solve(problem, { precond, lr: base * f, tol: 1e-12, maxIter: 400000, stall: { window: 20000, minDecrease: 1e-4 } });
          expect(r.status, `${precond} at lr ${base * f}: ${r.message}`).toBe('converged');
          expect(r.bias!.relDistToGD).toBeLessThanOrEqual(1e-9);
          expect(Math.abs(r.bias!.c - 1)).toBeLessThanOrEqual(1e-9);
          expect(r.bias!.nullspaceNorm).toBeLessThanOrEqual(1e-9 * r.bias!.rowspaceNorm);
          expect(r.bias!.theory.predictsGdLimit).toBe(true);
        }
      });
    }

    for (const precond of OTHERS) {
      it(`${precond}: W∞ interpolates but is not W_GD∞, and here it moves with the learning rate`, async () => {
        const base = suggestLearningRate(problem, precond);
        const runs = [];
        for (const f of FACTORS) {
          const r = await solve(problem, { precond, lr: base * f, tol: 1e-12, maxIter: 400000 });
          expect(r.status, `${precond} at lr ${base * f}: ${r.message}`).toBe('converged');
          expect(r.bias!.relDistToGD).toBeGreaterThan(1e-3);
          expect(r.bias!.c).toBeGreaterThan(1);
          expect(r.bias!.nullspaceNorm).toBeGreaterThan(1e-3 * r.bias!.rowspaceNorm);
          expect(r.bias!.theory.predictsGdLimit).toBe(false);
          runs.push(r);
        }
        // Different learning rates, different interpolants: far above the 1e-10 the runs are converged to.
        expect(relMaxDiff(runs[0].W.data, runs[1].W.data)).toBeGreaterThan(1e-6);
        expect(Math.abs(runs[0].bias!.c - runs[1].bias!.c)).toBeGreaterThan(1e-8);
      });
    }
  });
}

// Prediction 3 is generic, not certain. X = [T 0]: the row space is the first n coordinates, and an
// elementwise or row-wise ∇K maps a gradient that is zero on the last d − n coordinates to a step
// that is zero there too, so from W0 = 0 every iterate stays in the row space and the limit is W_GD∞.
describe('X = [T 0]: elementwise and row-wise preconditioners land on W_GD∞ too', () => {
  const n = 6, d = 15, k = 2;
  // Well-conditioned T (identity plus a small Gaussian), so that every run converges quickly.
  const T = randn(n * n, 71, 0.2).map((v, i) => v + (i % (n + 1) === 0 ? 1 : 0));
  const X = Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => (j < n ? T[i * n + j]! : 0)));
  const Y = Array.from({ length: n }, (_, i) => Array.from({ length: k }, (_, c) => Math.cos(i + 2 * c)));
  for (const precond of OTHERS) {
    it(`${precond}: relDistToGD at round-off, no null-space part, and the summary claims no lr-dependence`, async () => {
      const problem = await Problem.create({ X, Y });
      try {
        const base = suggestLearningRate(problem, precond);
        for (const f of FACTORS) {
          const r = await solve(problem, { precond, lr: base * f, tol: 1e-12, maxIter: 400000, stall: { window: 20000, minDecrease: 1e-4 } });
          expect(r.status, r.message).toBe('converged');
          const b = r.bias!;
          // W_GD∞ independently: T⁻¹Y padded with zeros (X⁺Y for X = [T 0] with T invertible).
          const Wgd = matmul(pinvJacobi(T, n, n).pinv, Float64Array.from(Y.flat()), n, n, k);
          const ref = new Float64Array(d * k);
          ref.set(Wgd);
          expect(relFro(b.W_GD.data, ref)).toBeLessThan(1e-12);
          expect(b.relDistToGD!).toBeLessThan(1e-9);
          expect(b.nullspaceNorm).toBe(0);
          expect(b.theory.predictsGdLimit).toBe(false);
          expect(b.theory.summary).not.toMatch(/depends on the learning rate/);
          expect(b.theory.summary).toMatch(/may differ .* this run did not/);
        }
      } finally {
        problem.dispose();
      }
    });
  }
  it('a sweep over them reports an lr-sensitivity at round-off and concludes that none moved', async () => {
    const problem = await Problem.create({ X, Y });
    try {
      const grid = await runGrid([{ problem, seed: null }], { preconds: OTHERS, lrs: FACTORS.map((f) => ({ autoFactor: f })), tol: 1e-12, maxIter: 400000, stall: { window: 20000, minDecrease: 1e-4 } });
      for (const r of grid.rows) {
        expect(r.status).toBe('converged');
        expect(r.lrSensitivity!).toBeLessThan(1e-9);
      }
      const text = conclusions(grid.rows, 1e-12).join(' ');
      expect(text).toContain(`0 of ${OTHERS.length} ended away from W_GD∞`);
      expect(text).toContain(`for 0 of ${OTHERS.length}`);
      expect(text).not.toMatch(/depends on/);
    } finally {
      problem.dispose();
    }
  });
});

describe('which reference the report compares with', () => {
  it('huber and logcosh with n > d (no interpolant): the reference is the loss minimizer, where plain GD ends; lp: not applicable', async () => {
    const n = 30, d = 5;
    const X = Array.from({ length: n }, (_, i) => Array.from(randn(d, 80 + i)));
    // Outliers, so that huber's minimizer is far from the least-squares point.
    const Y = Array.from(randn(n, 90), (v, i) => (i % 7 === 0 ? 8 * v : v));
    for (const loss of ['huber:delta=0.5', 'logcosh']) {
      // Plain GD from W0 = 0, run to a gradient at round-off: its limit, computed independently of the report.
      const r = await solve({ X, Y }, { precond: 'gd', loss, lr: 'auto', tol: 0, gradTol: 1e-13, maxIter: 400000 });
      expect(r.status, r.message).toBe('converged');
      const b = r.bias!;
      expect(b.interpolationExists).toBe(false);
      expect(b.reference).toBe('loss-minimizer');
      expect(b.referenceNote).toMatch(/not with the least-squares point/);
      expect(b.relDistToGD!, loss).toBeLessThan(1e-9);
      expect(Math.abs(b.c! - 1)).toBeLessThan(1e-9);
      // The least-squares point is far from it (what the report used to compare with).
      expect(relFro(r.W.data, b.W_GD.data)).toBeGreaterThan(0.05);
      // Another preconditioner lands on the same minimizer (X has full column rank: it is unique).
      const s = await solve({ X, Y }, { precond: 'sign:eps=0.1', loss, lr: 'auto', tol: 0, gradTol: 1e-13, maxIter: 400000 });
      if (s.status === 'converged') expect(s.bias!.relDistToGD!).toBeLessThan(1e-8);
    }
    const l = await solve({ X, Y }, { precond: 'gd', loss: 'lp:p=3', lr: 'auto', maxIter: 100 });
    const b = l.bias!;
    expect(b.reference).toBe('none');
    expect(b.relDistToGD).toBeNull();
    expect(b.c).toBeNull();
    expect(b.distToGD).toBeNull();
    expect(b.referenceNote).toMatch(/lp, not squared/);
    expect(b.theory.summary).toMatch(/not the least-squares point/);
    // The squared loss on the same data keeps its reference: the least-squares point closest to W0.
    const s = await solve({ X, Y }, { precond: 'gd', lr: 'auto', tol: 0, gradTol: 1e-10, maxIter: 200000 });
    expect(s.bias!.reference).toBe('gd-limit');
    expect(s.bias!.relDistToGD!).toBeLessThan(1e-8);
  });

  it('W0 already interpolates: relDistToGD and c are undefined (null), the summary says so', async () => {
    const n = 5, d = 12;
    const X = Array.from({ length: n }, (_, i) => Array.from(randn(d, 100 + i)));
    const W0 = Array.from(randn(d, 110));
    const Y = X.map((row) => row.reduce((s, x, j) => s + x * W0[j]!, 0));
    for (const precond of ['gd', 'sign:eps=0.1']) {
      const r = await solve({ X, Y, W0 }, { precond, lr: 'auto', tol: 1e-12, maxIter: 1000 });
      const b = r.bias!;
      expect(b.w0Interpolates).toBe(true);
      expect(b.reference).toBe('w0');
      expect(b.relDistToGD).toBeNull();
      expect(b.c).toBeNull();
      expect(b.gdNorm).toBeLessThan(1e-13);
      expect(b.theory.summary).toMatch(/W0 already interpolates/);
      expect(b.theory.summary).not.toMatch(/further than expected/);
    }
  });

  it('a run that did not converge (real Adam, max-iter) is provisional, not "as measured"', async () => {
    const p = await generate({ kind: 'gaussian', n: 12, d: 40, k: 1, seed: 5 });
    try {
      const r = await solve(p, { precond: 'adam:eps=1e-8,beta1=0.9,beta2=0.999', lr: 1e-3, tol: 1e-14, maxIter: 50 });
      expect(r.status).toBe('max-iter');
      expect(r.bias!.provisional).toBe(true);
      expect(r.bias!.theory.summary).toMatch(/did not converge .* provisional/);
      expect(r.bias!.theory.summary).not.toMatch(/as measured/);
    } finally {
      p.dispose();
    }
  });
});

describe('lr-sensitivity', () => {
  it('is max ‖W∞(η₁) − W∞(η₂)‖ / ‖W_GD∞ − W0‖ over converged pairs (W_GD∞ from a Jacobi SVD), next to relDistToGD', async () => {
    const shape = { kind: 'gaussian' as const, n: 12, d: 40, k: 3, seed: 12 };
    const problem = await generate(shape);
    try {
      const factors = [1, 0.5, 0.25];
      const opts = { tol: 1e-12, maxIter: 400000, stall: { window: 20000, minDecrease: 1e-4 } };
      const grid = await runGrid([{ problem, seed: 12 }], { preconds: ['adam:eps=0.1', 'gd'], lrs: factors.map((f) => ({ autoFactor: f })), ...opts });
      const { n, d, k } = problem;
      const X = Float64Array.from(problem.X.data), Y = Float64Array.from(problem.Y.data);
      const Wgd = matmul(pinvJacobi(X, n, d).pinv, Y, d, n, k); // W0 = 0
      const gdNorm = Math.hypot(...Wgd);
      const base = suggestLearningRate(problem, 'adam:eps=0.1');
      const Ws = [];
      for (const f of factors) Ws.push((await solve(problem, { precond: 'adam:eps=0.1', lr: base * f, ...opts })).W.data);
      let ref = 0;
      for (let a = 0; a < Ws.length; a++) for (let b = a + 1; b < Ws.length; b++) ref = Math.max(ref, Math.hypot(...Ws[a]!.map((v, i) => v - Ws[b]![i]!)) / gdNorm);
      const adamRows = grid.rows.filter((r) => r.name === 'adam');
      for (const r of adamRows) expect(Math.abs(r.lrSensitivity! - ref) / ref).toBeLessThan(1e-9);
      // gd's limit does not move: the sensitivity is round-off, like its relDistToGD.
      for (const r of grid.rows.filter((x) => x.name === 'gd')) expect(r.lrSensitivity!).toBeLessThan(1e-9);
      // Measured here: the lr effect is a small fraction of the distance from W_GD∞ (which c alone hides).
      expect(ref).toBeLessThan(Math.min(...adamRows.map((r) => r.relDistToGD!)));
      const text = conclusions(grid.rows, 1e-12).join(' ');
      expect(text).toContain(`lr-sensitivity ${ref.toExponential(1)}`);
    } finally {
      problem.dispose();
    }
  });
});
