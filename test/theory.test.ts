// The three predictions of the theory (spec: "What the theory predicts"),
// checked on seeded problems against the exact GD limit.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { solve, generate, suggestLearningRate, type Problem } from '../src/index.js';
import { relMaxDiff } from './helpers/rng.js';

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
      it(`${precond}: W∞ interpolates but is not W_GD∞, and moves with the learning rate`, async () => {
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
