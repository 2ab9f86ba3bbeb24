// Tall problems (n ≥ d) and problems without an interpolant: a run that reaches the minimizer
// of ℓ ends `converged` by the relative gradient test, at the least-squares solution computed
// here independently (normal equations in plain JS), in about the iterations GD's contraction
// rate allows.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { solve, generate, requiredBytes, DspgdError } from '../src/index.js';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** XᵀX (d×d) and XᵀY (d×k) in plain JS. */
function normalEquations(X: Float64Array, Y: Float64Array, n: number, d: number, k: number) {
  const A = new Float64Array(d * d), B = new Float64Array(d * k);
  for (let i = 0; i < n; i++) {
    const xi = i * d;
    for (let a = 0; a < d; a++) {
      const xa = X[xi + a];
      for (let b = a; b < d; b++) A[a * d + b] += xa * X[xi + b];
      for (let c = 0; c < k; c++) B[a * k + c] += xa * Y[i * k + c];
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) A[a * d + b] = A[b * d + a];
  return { A, B };
}

/** Solves A W = B (A symmetric positive definite) by Cholesky, in plain JS. */
function cholSolve(A: Float64Array, B: Float64Array, d: number, k: number): Float64Array {
  const L = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j];
    for (let p = 0; p < j; p++) s -= L[j * d + p] ** 2;
    const ljj = Math.sqrt(s);
    L[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j];
      for (let p = 0; p < j; p++) t -= L[i * d + p] * L[j * d + p];
      L[i * d + j] = t / ljj;
    }
  }
  const W = Float64Array.from(B);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < d; i++) {
      let t = W[i * k + c];
      for (let p = 0; p < i; p++) t -= L[i * d + p] * W[p * k + c];
      W[i * k + c] = t / L[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let t = W[i * k + c];
      for (let p = i + 1; p < d; p++) t -= L[p * d + i] * W[p * k + c];
      W[i * k + c] = t / L[i * d + i];
    }
  }
  return W;
}

/** Extreme eigenvalues of a symmetric positive definite A by power iteration (on A, then on λmax·I − A). */
function extremeEigen(A: Float64Array, d: number): { max: number; min: number } {
  const power = (apply: (v: Float64Array, out: Float64Array) => void) => {
    let v = new Float64Array(d).map((_, j) => 1 + ((j * 37) % 11) / 11);
    const w = new Float64Array(d);
    let lam = 0;
    for (let it = 0; it < 3000; it++) {
      apply(v, w);
      const nv = Math.hypot(...v), nw = Math.hypot(...w);
      lam = nw / nv;
      v = w.map((x) => x / nw);
    }
    return lam;
  };
  const mul = (v: Float64Array, out: Float64Array) => {
    for (let i = 0; i < d; i++) { let s = 0; for (let j = 0; j < d; j++) s += A[i * d + j] * v[j]; out[i] = s; }
  };
  const max = power(mul);
  const shifted = power((v, out) => { mul(v, out); for (let i = 0; i < d; i++) out[i] = max * v[i] - out[i]; });
  return { max, min: max - shifted };
}

/** The least-squares solution of a generated problem (normal equations) and XᵀX's extreme eigenvalues. */
function leastSquares(p: { X: { data: unknown }; Y: { data: unknown } }, n: number, d: number, k: number) {
  const { A, B } = normalEquations(p.X.data as Float64Array, p.Y.data as Float64Array, n, d, k);
  return { Wls: cholSolve(A, B, d, k), ...extremeEigen(A, d) };
}

const relFro = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i] - b[i]) ** 2; den += b[i] ** 2; }
  return Math.sqrt(num / den);
};

describe('no interpolant: runs stop at the minimizer of ℓ', () => {
  it('n = 8192, d = 128: gd at lr auto converges to the least-squares solution in the iterations its contraction allows', async () => {
    const n = 8192, d = 128, k = 1;
    const p = await generate({ n, d, k, kind: 'gaussian', seed: 3 });
    try {
      // GD at η = 1/λmax from W0 = 0: G_t = XᵀX(W_t − W_ls) shrinks by at most 1 − λmin/λmax a step.
      const { Wls, max, min } = leastSquares(p, n, d, k);
      const bound = Math.ceil(Math.log(1e-10) / Math.log(1 - min / max));
      const r = await solve(p, { precond: 'gd', lr: 'auto' });
      expect(r.status).toBe('converged');
      expect(r.message).toMatch(/minimizer of ℓ, not to an interpolant/);
      expect(r.iterations).toBeGreaterThan(0);
      // λmax in 'auto' is a power-iteration estimate: allow two steps for it.
      expect(r.iterations).toBeLessThanOrEqual(bound + 2);
      expect(r.gradNorm).toBeLessThanOrEqual(1e-10 * r.trace.gradNorm[0]);
      // ‖W − W_ls‖ ≤ ‖G‖/λmin, relative to ‖W_ls‖ ≈ ‖G0‖/λmax-ish: 1e-10 × cond(XᵀX) with room.
      expect(relFro(r.W.data, Wls)).toBeLessThan(1e-10 * (max / min) * 10);
      expect(r.bias?.interpolationExists).toBe(false);
      console.log(`n=${n} d=${d}: ${r.iterations} iterations (bound ${bound}, cond(XᵀX) ${(max / min).toFixed(3)}), ‖W − W_ls‖/‖W_ls‖ ${relFro(r.W.data, Wls).toExponential(2)}`);
    } finally {
      p.dispose();
    }
  }, 120_000);

  it('gradRelTol: 0 turns the test off (the stall test ends the same run), and it is validated', async () => {
    const p = await generate({ n: 256, d: 8, kind: 'gaussian', seed: 1 });
    try {
      const off = await solve(p, { precond: 'gd', lr: 'auto', gradRelTol: 0, stall: { window: 200 } });
      expect(off.status).toBe('stalled');
      expect(off.iterations).toBeGreaterThanOrEqual(200);
      const on = await solve(p, { precond: 'gd', lr: 'auto', stall: { window: 200 } });
      expect(on.status).toBe('converged');
      expect(on.iterations).toBeLessThan(200);
      // A looser tolerance stops no later.
      const loose = await solve(p, { precond: 'gd', lr: 'auto', gradRelTol: 1e-4 });
      expect(loose.iterations).toBeLessThan(on.iterations);
      expect(loose.gradNorm).toBeLessThanOrEqual(1e-4 * loose.trace.gradNorm[0]);
      for (const bad of [1, -1, NaN]) {
        await expect(solve(p, { precond: 'gd', lr: 'auto', gradRelTol: bad })).rejects.toSatisfy(
          (e: unknown) => e instanceof DspgdError && e.code === 'E_PARAM' && e.argument === 'gradRelTol');
      }
    } finally {
      p.dispose();
    }
  }, 60_000);

  it('a tall problem that has an interpolant is left to tol', async () => {
    // Y = X W* exactly: the residual reaches tol, and the relative gradient test never decides.
    const p = await generate({ n: 512, d: 32, kind: 'teacher', noise: 0, seed: 2 });
    try {
      const r = await solve(p, { precond: 'gd', lr: 'auto' });
      expect(r.status).toBe('converged');
      expect(r.message).toMatch(/relResidual .* ≤ tol/);
      expect(r.relResidual).toBeLessThanOrEqual(1e-10);
      expect(r.bias?.interpolationExists).toBe(true);
    } finally {
      p.dispose();
    }
  }, 60_000);
});

describe('tall X: memory follows n·d, not n²', () => {
  const n = 32768, d = 128, k = 8;
  const xBytes = n * d * 8;

  it('32768×128×8: the estimate is a small multiple of X, and the GD limit is the least-squares solution', async () => {
    // The LQ route of a tall X: X, its copy and a d×n factor, plus Y and W-sized work.
    expect(requiredBytes(n, d, k)).toBeLessThan(4 * xBytes);
    const p = await generate({ n, d, k, kind: 'gaussian', seed: 5 });
    try {
      const { Wls, max, min } = leastSquares(p, n, d, k);
      const gl = p.gdLimit();
      expect(gl.interpolates).toBe(false);
      expect(gl.rank).toBe(d);
      // Normal equations lose ε·cond(XᵀX) ≈ ε·1.3 here; the LQ solve ε·cond(X): round-off × cond, with room.
      expect(relFro(gl.data, Wls)).toBeLessThan(1e3 * 2.2e-16 * (max / min));
      const r = await solve(p, { precond: 'gd', lr: 'auto' });
      expect(r.status).toBe('converged');
      expect(r.path).toBe('primal');
      expect(relFro(r.W.data, Wls)).toBeLessThan(1e-10 * (max / min) * 10);
      console.log(`${n}×${d}×${k}: GD limit vs normal equations ${relFro(gl.data, Wls).toExponential(2)}, run ${r.iterations} iterations, W vs normal equations ${relFro(r.W.data, Wls).toExponential(2)}`);
    } finally {
      p.dispose();
    }
  }, 300_000);

  it('a solve with its bias report grows the process by a small multiple of X (RSS measured in a child process)', () => {
    // The child prints its peak RSS after loading WASM and a tiny solve (the baseline), then after
    // generating the tall problem and solving it with the report (the GD-limit factorization).
    const script = `
      import { solve, generate } from ${JSON.stringify(DIST)};
      const small = await generate({ n: 4, d: 8 });
      await solve(small, { precond: 'gd', lr: 'auto' });
      small.dispose();
      const base = process.resourceUsage().maxRSS * 1024;
      const p = await generate({ n: ${n}, d: ${d}, k: ${k}, kind: 'gaussian', seed: 5 });
      const r = await solve(p, { precond: 'gd', lr: 'auto' });
      console.log(JSON.stringify({ base, peak: process.resourceUsage().maxRSS * 1024, status: r.status, rank: r.bias.rank, exists: r.bias.interpolationExists }));
    `;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 240_000 });
    expect(out.status, out.stderr).toBe(0);
    const m = JSON.parse(out.stdout.trim().split('\n').pop()!);
    expect(m.status).toBe('converged');
    expect(m.rank).toBe(d);
    expect(m.exists).toBe(false);
    const grown = m.peak - m.base;
    // X, its copy and the d×n factor are 3·X; Y, the run's buffers and page rounding add little.
    // The Gram route would need an n×n matrix: 256 times X.
    expect(grown).toBeLessThan(5 * xBytes);
    expect(grown).toBeLessThan(requiredBytes(n, d, k) * 1.25);
    console.log(`${n}×${d}×${k}: RSS grew ${(grown / 2 ** 20).toFixed(0)} MiB for X of ${(xBytes / 2 ** 20).toFixed(0)} MiB (estimate ${(requiredBytes(n, d, k) / 2 ** 20).toFixed(0)} MiB)`);
  }, 300_000);
});

describe('the report of a tall problem', () => {
  it('says n ≥ d, that no interpolation theory applies, and what the limit is', async () => {
    const { biasLines } = await import('../src/report/bias.js');
    const p = await generate({ n: 300, d: 20, kind: 'gaussian', seed: 4 });
    try {
      const r = await solve(p, { precond: 'gd', lr: 'auto' });
      const lines = biasLines(r.bias!, r.problem);
      expect(lines.some((l) => /^n ≥ d .*no interpolation theory.*least-squares solution closest to W0/.test(l))).toBe(true);
      // And the run is on that solution: W_GD∞ = W0 + X⁺(Y − XW0) is the least-squares point closest to W0.
      expect(r.bias!.relDistToGD).toBeLessThan(1e-8);
    } finally {
      p.dispose();
    }
    const wide = await generate({ n: 20, d: 300, kind: 'gaussian', seed: 4 });
    try {
      const r = await solve(wide, { precond: 'gd', lr: 'auto' });
      expect(biasLines(r.bias!, r.problem).some((l) => l.startsWith('n ≥ d'))).toBe(false);
    } finally {
      wide.dispose();
    }
  }, 60_000);
});
