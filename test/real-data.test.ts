// Real data, the way a user brings it: .npy files saved by NumPy, loaded with loadProblem, solved,
// and the report's GD limit checked against NumPy/LAPACK's minimum-norm least-squares solution
// (test/fixtures/make_real_data.py wrote both; the data ship inside scikit-learn).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProblem, solve } from '../src/index.js';

const ROOT = join(import.meta.dirname, 'fixtures', 'real');

interface Expected {
  name: string;
  n: number;
  d: number;
  k: number;
  rank: number;
  cond: number;
  relResidual: number;
  W_GD: string[];
}

function expected(name: string): Expected {
  return JSON.parse(readFileSync(join(ROOT, name, 'expected.json'), 'utf8'));
}

function load(name: string) {
  return loadProblem({ X: join(ROOT, name, 'X.npy'), Y: join(ROOT, name, 'Y.npy') });
}

function relDiff(a: Float64Array, b: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

const EPS = 2 ** -52;

describe('real data (scikit-learn data sets as .npy)', () => {
  for (const name of ['digits-40', 'digits-60', 'diabetes', 'breast-cancer-20']) {
    it(`${name}: the report's GD limit, rank and interpolation verdict match NumPy's lstsq`, async () => {
      const e = expected(name);
      const problem = await load(name);
      try {
        expect([problem.n, problem.d, problem.k]).toEqual([e.n, e.d, e.k]);
        const r = await solve(problem, { precond: 'gd', lr: 'auto', maxIter: 1 });
        const wGD = Float64Array.from(r.bias.W_GD.data);
        // Two backward-stable solvers agree to about cond·ε (forward error bound) of each other.
        expect(relDiff(wGD, e.W_GD.map(Number))).toBeLessThan(Math.max(100, e.cond) * 100 * EPS);
        expect(r.bias.rank).toBe(e.rank);
        expect(r.bias.interpolationExists).toBe(e.relResidual < 1e-10);
        if (e.relResidual > 1e-10) expect(r.bias.gdLimitRelResidual).toBeCloseTo(e.relResidual, 10);
      } finally {
        problem.dispose();
      }
    });
  }

  it('digits-40 (n < d, 13 zero pixels): gd lands on the GD limit and stays in the row space, adam leaves it', async () => {
    const e = expected('digits-40');
    const problem = await load('digits-40');
    try {
      // κ(XXᵀ) = 3.1e4: gd needs ~470k steps for tol 1e-8, and then ‖W − W_GD‖/‖W_GD‖ ≤ cond(X)·tol.
      const gd = await solve(problem, { precond: 'gd', lr: 'auto', tol: 1e-8, maxIter: 1_000_000 });
      expect(gd.status).toBe('converged');
      expect(relDiff(Float64Array.from(gd.W.data), e.W_GD.map(Number))).toBeLessThan(e.cond * 1e-8);
      expect(gd.bias.relDistToGD!).toBeLessThan(e.cond * 1e-8);
      // The zero pixels get no gradient: the iterate never leaves W0 = 0 there.
      const X = problem.X.data;
      for (let j = 0; j < e.d; j++) {
        let s = 0;
        for (let i = 0; i < e.n; i++) s += Math.abs(X[i * e.d + j]);
        if (s === 0) for (let c = 0; c < e.k; c++) expect(gd.W.data[j * e.k + c]).toBe(0);
      }
      // gd never leaves W0 + row(X): its null-space part is round-off. adam (elementwise) does leave
      // it, whether or not it has converged: ‖P_null(W − W0)‖ is measured directly, and with the
      // row part it splits ‖W − W0‖ by Pythagoras.
      expect(gd.bias.nullspaceNorm).toBeLessThan(1e-12 * gd.bias.moved);
      const adam = await solve(problem, { precond: 'adam:eps=0.01', lr: 'auto', tol: 1e-8, maxIter: 20_000 });
      expect(adam.bias.nullspaceNorm).toBeGreaterThan(1e-2 * adam.bias.moved);
      const { rowspaceNorm, nullspaceNorm, moved } = adam.bias;
      expect(Math.hypot(rowspaceNorm, nullspaceNorm) / moved).toBeCloseTo(1, 12);
    } finally {
      problem.dispose();
    }
  }, 120_000);

  it('diabetes (n > d, no interpolant): gd reaches the least-squares point and stops on the gradient test, not the stall test', async () => {
    const e = expected('diabetes');
    const problem = await load('diabetes');
    try {
      // The residual levels off at 0.694 within a few hundred steps while ‖G‖ still shrinks
      // geometrically: a stall test on the residual alone stopped this run at 2,320 steps, 5.6e-3 away.
      const r = await solve(problem, { precond: 'gd', lr: 'auto', maxIter: 200_000 });
      expect(r.status).toBe('converged');
      expect(r.message).toMatch(/minimizer of ℓ, not to an interpolant/);
      expect(r.bias.interpolationExists).toBe(false);
      // ‖W − W_ls‖ ≤ ‖G‖/λmin(XᵀX) = gradRelTol·‖G₀‖/λmin: relative to ‖W_ls‖, ≤ 1e-10·κ(XᵀX) with room.
      expect(relDiff(Float64Array.from(r.W.data), e.W_GD.map(Number))).toBeLessThan(1e-10 * e.cond ** 2 * 10);
    } finally {
      problem.dispose();
    }
  }, 120_000);
});

describe('real data without an interpolant although n < d', () => {
  it('digits-60 (rank 51 < n = 60): the gradient test applies once ‖G‖ has shrunk by gradRelTol', async () => {
    const e = expected('digits-60');
    const problem = await load('digits-60');
    try {
      // κ(XᵀX) on its range is 3.2e6: plain gd would need ~10⁸ steps, so the run uses a loose
      // gradRelTol. Before, a wide problem never took this test (only n ≥ d did) and stalled.
      const r = await solve(problem, { precond: 'gd', lr: 'auto', gradRelTol: 1e-3, maxIter: 1_000_000 });
      expect(r.status).toBe('converged');
      expect(r.message).toMatch(/minimizer of ℓ, not to an interpolant/);
      expect(r.gradNorm).toBeLessThanOrEqual(1e-3 * r.trace.gradNorm[0]);
      // No W does better than the least-squares residual (NumPy: 0.130). A loose gradRelTol on an
      // ill-conditioned X stops well above it (here about 0.16): ℓ − ℓ* ≤ ‖G‖²/(2λmin), small λmin.
      expect(r.relResidual).toBeGreaterThanOrEqual(e.relResidual * (1 - 1e-12));
      expect(r.relResidual).toBeLessThan(2 * e.relResidual);
      expect(r.bias.interpolationExists).toBe(false);
    } finally {
      problem.dispose();
    }
  }, 120_000);
});
