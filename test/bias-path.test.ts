// The bias path (src/bias/path.ts): the run's track in the plane (distance to W_GD∞ within the
// row space, null-space part), checked against the theory (row-space-preserving K stays on the
// axis), against an independent SVD projection of re-run iterates, and against the report.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { solve, generate, suggestLearningRate, type Problem } from '../src/index.js';
import { pathSchedule, BIAS_PATH_SAMPLES } from '../src/bias/path.js';
import { pinvJacobi, matmul, fro } from './helpers/svd.js';

describe('bias path', () => {
  let problem: Problem;
  let X: Float64Array;
  const n = 15, d = 45, k = 2;
  beforeAll(async () => {
    problem = await generate({ kind: 'gaussian', n, d, k, seed: 5 });
    X = problem.X.data as Float64Array;
  });
  afterAll(() => problem.dispose());

  /** Independent P_row (d×d) = X⁺X from a one-sided Jacobi SVD. */
  const projector = () => matmul(pinvJacobi(X, n, d).pinv, X, d, n, d);

  const run = (precond: string, extra: Record<string, unknown> = {}) =>
    solve(problem, { precond, lr: 0.5 * suggestLearningRate(problem, precond), tol: 1e-12, maxIter: 200000, ...extra });

  it('the schedule is geometric: starts at 0, strictly increasing, a few dozen samples for any budget', () => {
    for (const maxIter of [10, 1000, 1e5, 1e7]) {
      const s = pathSchedule(maxIter);
      expect(s[0]).toBe(0);
      for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThan(s[i - 1]!);
      expect(s[s.length - 1]!).toBeLessThanOrEqual(maxIter);
      expect(s.length).toBeLessThanOrEqual(Math.min(maxIter + 1, BIAS_PATH_SAMPLES + 40));
      // Past the linear start, each step multiplies t by about maxIter^{1/32}.
      if (maxIter >= 1e5) expect(s[s.length - 1]! / s[s.length - 2]!).toBeLessThan(1.8);
    }
  });

  for (const path of ['primal', 'rowspace'] as const) {
    it(`gd (${path} path): the null-space part stays at round-off (≤ 1e-10 relative) along the whole path`, async () => {
      const r = await run('gd', { path });
      expect(r.status, r.message).toBe('converged');
      const p = r.bias!.path!;
      expect(p.iteration[0]).toBe(0);
      expect(p.iteration[p.iteration.length - 1]).toBe(r.iterations);
      expect(p.iteration.length).toBeGreaterThan(10);
      // t = 0: W0 itself, at distance ‖W_GD∞ − W0‖ along the axis.
      expect(Math.abs(p.rowDistance[0]! / p.gdNorm - 1)).toBeLessThan(1e-12);
      for (let i = 0; i < p.iteration.length; i++) expect(p.nullPart[i]! / p.gdNorm).toBeLessThanOrEqual(1e-10);
      expect(p.rowDistance[p.rowDistance.length - 1]! / p.gdNorm).toBeLessThan(1e-9);
    });
  }

  it('the first sample (t = 0, W0) is computed once per problem: every run has the split of W0 − W_GD∞, bit for bit', async () => {
    const p2 = await generate({ kind: 'gaussian', n, d, k, seed: 6, w0: 'gaussian' });
    try {
      const f = p2.rowSpace();
      const direct = f.splitDiff(p2.ptr.W0, p2.gdLimitPtr().ptr, k);
      // Count the factor's splits per run: the first run computes the t = 0 split, the others reuse it.
      const splitDiff = f.splitDiff.bind(f);
      let calls = 0;
      (f as { splitDiff: typeof f.splitDiff }).splitDiff = (...a) => { calls++; return splitDiff(...a); };
      const perRun: number[] = [];
      for (const precond of ['gd', 'sign:eps=0.1', 'adam:eps=0.1']) {
        calls = 0;
        const r = await solve(p2, { precond, lr: 'auto', maxIter: 3, tol: 0, stall: false });
        perRun.push(calls);
        const path = r.bias!.path!;
        expect(path.iteration[0]).toBe(0);
        expect(Object.is(path.rowDistance[0], direct.row) && Object.is(path.nullPart[0], direct.null), precond).toBe(true);
        // The later samples are the run's own (W_t ≠ W0): not the first one again.
        expect(path.rowDistance[1]).not.toBe(direct.row);
      }
      expect(perRun[0]).toBeGreaterThan(1);
      expect(perRun).toEqual([perRun[0], perRun[0]! - 1, perRun[0]! - 1]);
    } finally {
      p2.dispose();
    }
  });

  for (const precond of ['sign:eps=0.1', 'adam:eps=0.1']) {
    it(`${precond}: leaves the axis, and the endpoint is the report's relDistToGD split`, async () => {
      const r = await run(precond);
      expect(r.status, r.message).toBe('converged');
      const b = r.bias!;
      const p = b.path!;
      const last = p.iteration.length - 1;
      let maxNull = 0;
      for (let i = 0; i <= last; i++) maxNull = Math.max(maxNull, p.nullPart[i]! / p.gdNorm);
      expect(maxNull).toBeGreaterThan(1e-2);
      expect(Math.abs(p.gdNorm - b.gdNorm)).toBeLessThanOrEqual(1e-14 * b.gdNorm);
      // ‖W∞ − W_GD∞‖² = ‖P_row(W∞ − W_GD∞)‖² + ‖P_null(W∞ − W0)‖² (orthogonal parts).
      expect(Math.abs(Math.hypot(p.rowDistance[last]!, p.nullPart[last]!) / p.gdNorm - b.relDistToGD!)).toBeLessThan(1e-12);
      expect(Math.abs(p.nullPart[last]! - b.nullspaceNorm)).toBeLessThan(1e-12 * b.gdNorm);
    });
  }

  it('samples agree with an independent SVD projection of the iterate re-run to that iteration', async () => {
    const precond = 'sign:eps=0.1';
    const full = await run(precond);
    const p = full.bias!.path!;
    const P = projector();
    const Wgd = full.bias!.W_GD.data;
    // Three samples inside the run: early, middle and late.
    const picks = [3, Math.floor(p.iteration.length / 2), p.iteration.length - 3];
    for (const i of picks) {
      const t = p.iteration[i]!;
      // The iteration is deterministic, so stopping at t returns W_t bit for bit.
      const r = await run(precond, { maxIter: t, report: false });
      expect(r.iterations).toBe(t);
      const D = Float64Array.from(r.W.data, (v, j) => v - Wgd[j]!);
      const row = matmul(P, D, d, d, k);
      const nul = D.map((v, j) => v - row[j]!);
      expect(Math.abs(p.rowDistance[i]! - fro(row))).toBeLessThan(1e-10 * p.gdNorm);
      expect(Math.abs(p.nullPart[i]! - fro(nul))).toBeLessThan(1e-10 * p.gdNorm);
    }
  });

  it('biasPathSamples: 0 and report: false record no path; a bad value names the option', async () => {
    expect((await run('gd', { biasPathSamples: 0 })).bias!.path).toBeUndefined();
    expect((await run('gd', { report: false })).bias).toBeUndefined();
    await expect(run('gd', { biasPathSamples: 2.5 })).rejects.toThrow(/biasPathSamples: expected an integer from 0 to 10000/);
  });

  it('the path does not change the iterates (W∞ bit for bit with and without it)', async () => {
    const a = await run('adam:eps=0.1');
    const b = await run('adam:eps=0.1', { biasPathSamples: 0 });
    expect(Buffer.from(new Float64Array(a.W.data).buffer).equals(Buffer.from(new Float64Array(b.W.data).buffer))).toBe(true);
  });

  it('samples work in the engine\'s idle buffers (∇K(G), trace G): W∞, the trace and the Bregman terms bit for bit with and without the path, on the Gram route too', async () => {
    const bits = (a: ArrayLike<number>) => Buffer.from(Float64Array.from(a).buffer).toString('base64');
    // The Gram route to X⁺ (n·d ≥ 2^21 entries) and the LQ one; stateless (a trace G) and stateful adam.
    const big = await generate({ kind: 'gaussian', n: 16, d: 2 ** 17 + 5, k: 2, seed: 7 });
    try {
      for (const [p, precond] of [[big, 'adam:eps=0.1'], [big, 'adam:eps=0.1,beta1=0.9,beta2=0.999'], [problem, 'normalized:eps=0.5']] as const) {
        const opts = { precond, lr: 0.01, maxIter: 12, tol: 0, stall: false, path: 'primal', traceEvery: 1 } as const;
        const a = await solve(p, opts);
        const b = await solve(p, { ...opts, biasPathSamples: 0 });
        expect(a.bias!.path!.iteration.length).toBeGreaterThan(10);
        expect(bits(a.W.data)).toBe(bits(b.W.data));
        expect(bits(a.trace.loss)).toBe(bits(b.trace.loss));
        expect(bits(a.trace.bregman)).toBe(bits(b.trace.bregman));
        expect(a.bias!.rowspaceNorm).toBe(b.bias!.rowspaceNorm);
        expect(a.bias!.nullspaceNorm).toBe(b.bias!.nullspaceNorm);
      }
    } finally {
      big.dispose();
    }
  });

  it('a diverged run: the path ends at the returned (last finite) iterate', async () => {
    const r = await solve(problem, { precond: 'gd', lr: 50 * suggestLearningRate(problem, 'gd'), maxIter: 10000 });
    expect(r.status).toBe('diverged');
    const p = r.bias!.path!;
    expect(p.iteration[p.iteration.length - 1]).toBe(r.iterations);
    for (const v of p.iteration) expect(v).toBeLessThanOrEqual(r.iterations);
    expect(Number.isFinite(p.rowDistance[p.rowDistance.length - 1]!)).toBe(true);
  });
});
