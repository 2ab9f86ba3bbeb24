// lr 'auto' where the theory stops: power with 1 < p < 2 (no Lipschitz bound; the run stalls
// at a floor ∝ lr^{1/(2−p)}, flagged outside the theory) and real Adam (its step divides by √v̂,
// not ε: the stateless 1/ε bound would stall it). Checked against closed forms and an SVD.
import { describe, it, expect, afterAll } from 'vitest';
import { generate, solve, suggestLearningRate, autoLrGuarantee, type Problem } from '../src/index.js';
import { jacobiSvd, matmul } from './helpers/svd.js';

const problems: Problem[] = [];
afterAll(() => { for (const p of problems) p.dispose(); });

describe('power with 1 < p < 2', () => {
  // X = [1], Y = [1], W0 = 0: R ← R − η·sign(R)·|R|^{p−1}. For p = 3/2 the 2-cycle R ↔ −R has
  // 2|R| = η|R|^{1/2}, so |R| = η²/4 = η^{1/(2−p)}/4, and it attracts (the map's slope there is 0).
  for (const lr of [0.2, 0.05]) {
    it(`lr ${lr}: stalls at the 2-cycle |R| = lr²/4 and reports the theory as not applying, with the reason`, async () => {
      const r = await solve({ X: [[1]], Y: [1] }, { precond: 'power:p=1.5', lr, maxIter: 400, tol: 0, stall: false });
      expect(r.relResidual / (lr * lr / 4) - 1).toBeLessThan(1e-12);
      expect(r.relResidual / (lr * lr / 4) - 1).toBeGreaterThan(-1e-12);
      expect(r.bias!.theory.applies).toBe(false);
      expect(r.bias!.theory.reason).toMatch(/not Lipschitz at 0 for p < 2/);
      expect(r.bias!.theory.summary).toMatch(/provisional \(outside the dual-space theory: ∇K = ‖G‖\^\{p−2\}G is not Lipschitz at 0/);
    });
  }

  it('a run that reaches tol above the floor is reported converged, outside the theory with the reason', async () => {
    const r = await solve({ X: [[1]], Y: [1] }, { precond: 'power:p=1.5', lr: 0.05, maxIter: 400, tol: 1e-2 });
    expect(r.status).toBe('converged');
    expect(r.bias!.theory.applies).toBe(false);
    expect(r.bias!.theory.summary).toMatch(/^Outside the dual-space theory \(∇K = ‖G‖\^\{p−2\}G is not Lipschitz at 0 for p < 2.*\): no prediction/);
  });

  it("p ≥ 2 stays inside the theory; 'auto' says what it guarantees for each", async () => {
    const r = await solve({ X: [[1, 0.5]], Y: [1] }, { precond: 'power:p=2', lr: 'auto', maxIter: 2000, tol: 1e-12 });
    expect(r.status).toBe('converged');
    expect(r.bias!.theory.applies).toBe(true);
    expect(r.bias!.theory.reason).toBeUndefined();
    expect(autoLrGuarantee('power:p=3')).toMatch(/stable from W0/);
    expect(autoLrGuarantee('power:p=1.5')).toMatch(/no Lipschitz bound exists for p < 2.*stalls at a floor/);
  });
});

describe("real Adam and lr 'auto'", () => {
  const spec = 'adam:eps=1e-8,beta1=0.9,beta2=0.999';

  it('the step is (ε + RMS(G0))/λmax(XᵀX), from G0 = Xᵀ(XW0 − Y) and an SVD of X', async () => {
    const p = await generate({ kind: 'teacher', n: 20, d: 60, k: 2, seed: 3, w0: 'gaussian', w0Scale: 0.1 });
    problems.push(p);
    const { n, d, k } = p;
    const X = p.X.data, Y = p.Y.data, W0 = p.W0.data;
    const R = matmul(X, W0, n, d, k).map((v, i) => v - Y[i]);
    const Xt = new Float64Array(d * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Xt[j * n + i] = X[i * d + j];
    const G0 = matmul(Xt, R, d, n, k);
    const rms = Math.sqrt(G0.reduce((s, v) => s + v * v, 0) / (d * k));
    // Singular values of X from the columns of Xᵀ (d × n, d ≥ n).
    const cols = Array.from({ length: n }, (_, i) => Float64Array.from({ length: d }, (_, j) => X[i * d + j]));
    const smax = Math.max(...jacobiSvd(cols, d).sigma);
    const expected = (1e-8 + rms) / (smax * smax);
    // λmax comes from a power iteration in the library: agreement to its tolerance.
    expect(Math.abs(suggestLearningRate(p, spec) / expected - 1)).toBeLessThan(1e-6);
    expect(autoLrGuarantee(spec)).toMatch(/not promised/);
  });

  it("ε = 1e-8: 'auto' converges where the stateless bound ε/λmax leaves relResidual at 1", async () => {
    const p = await generate({ kind: 'teacher', n: 20, d: 60, k: 2, seed: 3, w0: 'gaussian', w0Scale: 0.1 });
    problems.push(p);
    const auto = await solve(p, { precond: spec, lr: 'auto', maxIter: 3000, tol: 1e-9, stall: false, report: false });
    expect(auto.status).toBe('converged');
    expect(auto.relResidual).toBeLessThanOrEqual(1e-9);
    const stateless = await solve(p, { precond: spec, lr: 1e-8 / p.lambdaMax(), maxIter: 1000, tol: 1e-9, stall: false, report: false });
    expect(stateless.relResidual).toBeGreaterThan(0.99);
  });
});
