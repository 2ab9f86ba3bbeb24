// Extreme data scales: the same problem at scale 1 and at 1e±100, 1e−170 and subnormal
// scales must give the scaled results (W is invariant when X and Y scale together,
// and scales with Y alone), and a run that stops at iteration 0 reports its true numbers.
// Also the gradTol = 0 semantics (off).
import { describe, it, expect } from 'vitest';
import { solve, Problem, type SolveOptions } from '../src/index.js';
import { randn } from './helpers/rng.js';
import { jacobiSvd } from './helpers/svd.js';

const n = 8, d = 20;
const X1 = randn(n * d, 71), Y1 = randn(n, 72);
const mat = (a: Float64Array, s: number, r: number, c: number) => ({ data: a.map((v) => v * s), shape: [r, c] as [number, number] });
const problem = (sx: number, sy: number) => ({ X: mat(X1, sx, n, d), Y: Array.from(Y1, (v) => v * sy) });

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>, sa = 1): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i] / sa - b[i])); den = Math.max(den, Math.abs(b[i])); }
  return num / den;
}

describe('λmax power iteration at extreme scales', () => {
  it('equals σmax(X)² from an SVD at scale 1, and s²·that at s = 1e±100, 2^±500 (was 0: ‖XᵀXv‖² over/underflowed)', async () => {
    const cols = Array.from({ length: n }, (_, i) => X1.slice(i * d, (i + 1) * d)); // Xᵀ's columns: σ(Xᵀ) = σ(X)
    const smax = Math.max(...jacobiSvd(cols, d).sigma);
    const p1 = await Problem.create(problem(1, 1));
    const l1 = p1.lambdaMax();
    p1.dispose();
    // A fixed 60 steps: a few digits, as the learning-rate rule needs.
    expect(Math.abs(l1 - smax * smax) / (smax * smax)).toBeLessThan(1e-6);
    for (const s of [1e100, 1e-100, 2 ** 500, 2 ** -500]) {
      const p = await Problem.create(problem(s, 1));
      // The same iteration on sX: the same number times s², up to the rounding of sX.
      expect(Math.abs(p.lambdaMax() / (s * s) - l1) / l1, `scale ${s}`).toBeLessThan(1e-13);
      p.dispose();
    }
  });
});

describe('runs at extreme scales equal the scaled runs at scale 1', () => {
  const base: SolveOptions = { precond: 'gd', lr: 'auto', maxIter: 20000, tol: 1e-10 };

  it('X and Y × 1e±100: W unchanged (auto takes the primal path; row space squares the data)', async () => {
    const ref = await solve(problem(1, 1), { ...base, path: 'primal' });
    for (const s of [1e100, 1e-100]) {
      const r = await solve(problem(s, s), base);
      expect(r.path).toBe('primal');
      expect(r.status).toBe('converged');
      expect(relDiff(r.W.data, ref.W.data)).toBeLessThan(1e-9);
      expect(Math.abs(r.relResidual - ref.relResidual) / ref.relResidual).toBeLessThan(1e-4);
      expect(r.gradNorm / (s * s)).toBeCloseTo(ref.gradNorm / 1, 15);
      expect(r.bias!.relDistToGD).toBeLessThan(1e-8);
    }
  });

  it('X and Y × 1e100 with normalized (ε scaled with G = XᵀR, i.e. by s²): same W as at scale 1', async () => {
    const ref = await solve(problem(1, 1), { ...base, precond: 'normalized:eps=0.01', path: 'primal' });
    const r = await solve(problem(1e100, 1e100), { ...base, precond: `normalized:eps=${0.01 * 1e200}` });
    expect([r.path, r.status]).toEqual(['primal', 'converged']);
    expect(r.iterations).toBe(ref.iterations);
    expect(relDiff(r.W.data, ref.W.data)).toBeLessThan(1e-9);
  });

  for (const path of ['primal', 'rowspace'] as const) {
    it(`${path}: Y × 1e100, 1e−100, 1e−170, 1e−300 and subnormal 1e−310: W scales with Y (was: converged at iteration 0, W = 0, below 1e−154)`, async () => {
      const ref = await solve(problem(1, 1), { ...base, path: 'primal' });
      for (const s of [1e100, 1e-100, 1e-170, 1e-300, 1e-310]) {
        const r = await solve(problem(1, s), { ...base, path });
        expect(r.status, `scale ${s}`).toBe('converged');
        // Same iteration count as at scale 1 (the stopping test sees the same relResidual), W = s·W₁
        // to the precision of s's representation (subnormal 1e−310 keeps ~44 bits).
        expect(Math.abs(r.iterations - ref.iterations)).toBeLessThanOrEqual(1);
        expect(relDiff(r.W.data, ref.W.data, s), `scale ${s}`).toBeLessThan(s < 1e-307 ? 1e-11 : 1e-12);
        expect(r.relResidual).toBeGreaterThan(0);
        // ‖G‖ at the last iterate is a small difference of O(1) terms: a few digits.
        expect(Math.abs(r.gradNorm / s - ref.gradNorm) / ref.gradNorm, `scale ${s}`).toBeLessThan(s < 1e-307 ? 1e-2 : 1e-4);
        // The bias report's norms scale too (its ‖W_GD − W0‖ was 0 below 1e−154, so c and relDistToGD were lost).
        const b = r.bias!, b1 = ref.bias!;
        expect(Math.abs(b.gdNorm! / s - b1.gdNorm!) / b1.gdNorm!, `scale ${s}`).toBeLessThan(s < 1e-307 ? 1e-11 : 1e-12);
        expect(Math.abs(b.c! - b1.c!), `scale ${s}`).toBeLessThan(1e-9);
        expect(b.relDistToGD!, `scale ${s}`).toBeLessThan(1e-9);
      }
    });
  }
});

describe('a run that stops at iteration 0 reports its true numbers', () => {
  it('diverged at t = 0 (loss overflows): loss ∞, relResidual 1 and ‖G‖ as computed, not 0', async () => {
    const r = await solve({ X: [[1, 0, 0], [0, 1, 0]], Y: [1e200, 1e200] }, { precond: 'gd', lr: 0.5, report: false });
    expect([r.status, r.iterations]).toEqual(['diverged', 0]);
    expect(r.loss).toBe(Infinity); // ½Σr² = 1e400
    expect(r.relResidual).toBe(1);
    expect(r.gradNorm / 1e200).toBeCloseTo(Math.SQRT2, 14);
  });
});

describe('gradTol', () => {
  it('0 is off: X = 0 (‖G‖ = 0 everywhere) is not converged while relResidual is 1', async () => {
    const r = await solve({ X: [[0, 0, 0], [0, 0, 0]], Y: [1, 2] }, { precond: 'gd', lr: 0.1, gradTol: 0, maxIter: 50, stall: false });
    expect([r.status, r.relResidual, r.gradNorm]).toEqual(['max-iter', 1, 0]);
  });
  it('> 0: converged when ‖G‖ ≤ gradTol, with ‖G‖ = 0 included', async () => {
    const r = await solve({ X: [[0, 0, 0], [0, 0, 0]], Y: [1, 2] }, { precond: 'gd', lr: 0.1, gradTol: 1e-300, maxIter: 50 });
    expect([r.status, r.iterations]).toEqual(['converged', 0]);
    expect(r.message).toMatch(/gradTol/);
  });
});
