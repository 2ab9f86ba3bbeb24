// spectral from the singular values (math.md): ∇K(G) = U diag(σ/√(σ² + ε²)) Vᵀ and
// K = Σ √(σ² + ε²) + (k − m)ε, against the same formula evaluated from an independent
// plain-JS one-sided Jacobi SVD (test/helpers/svd.ts), for ε from 1e−12 to 1e2, on
// well- and ill-conditioned G, on both paths. Forming GᵀG + ε²I (the former method) gave a
// step with singular value 487 at ε = 1e−9 and 3e−2 relative error at ε = 1e−6.
import { describe, it, expect, beforeAll } from 'vitest';
import { getWasm, type Wasm } from '../src/wasm/module.js';
import { solve, PRECOND_IDS } from '../src/index.js';
import { jacobiSvd } from './helpers/svd.js';
import { randn } from './helpers/rng.js';

let w: Wasm;
beforeAll(async () => {
  w = await getWasm();
});

const U = 2 ** -53;
const EPSS = [1e-12, 1e-9, 1e-6, 1e-3, 1, 1e2];

/** The spec formula from a plain-JS SVD of G (d×k row-major), taken on the smaller side. */
export function spectralRef(G: Float64Array, d: number, k: number, eps: number): { P: Float64Array; K: number; sigma: number[] } {
  const P = new Float64Array(d * k);
  let sigma: number[];
  if (d >= k) {
    // G V = U Σ on G's k columns (length d).
    const cols = Array.from({ length: k }, (_, c) => Float64Array.from({ length: d }, (_, i) => G[i * k + c]));
    const s = jacobiSvd(cols, d);
    sigma = s.sigma;
    s.sigma.forEach((sg, j) => {
      const f = sg / Math.hypot(sg, eps);
      for (let i = 0; i < d; i++) for (let c = 0; c < k; c++) P[i * k + c] += s.U[j][i] * f * s.V[j][c];
    });
  } else {
    // Gᵀ V' = U' Σ on G's d rows (length k): G = V' Σ U'ᵀ.
    const rows = Array.from({ length: d }, (_, i) => G.slice(i * k, (i + 1) * k));
    const s = jacobiSvd(rows, k);
    sigma = s.sigma;
    s.sigma.forEach((sg, j) => {
      const f = sg / Math.hypot(sg, eps);
      for (let i = 0; i < d; i++) for (let c = 0; c < k; c++) P[i * k + c] += s.V[j][i] * f * s.U[j][c];
    });
  }
  const K = sigma.reduce((a, sg) => a + Math.hypot(sg, eps), 0) + (k - Math.min(d, k)) * eps;
  return { P, K, sigma };
}

function wasmSpectral(G: Float64Array, d: number, k: number, eps: number): { P: Float64Array; K: number } {
  const e = w.exports;
  const id = PRECOND_IDS.spectral;
  const pG = w.allocF64(d * k), pP = w.allocF64(d * k), pp = w.allocF64(1), ps = w.allocF64(e.precondScratchLen(id, d, k));
  w.f64(pG, d * k).set(G);
  w.f64(pp, 1)[0] = eps;
  e.precondGrad(id, d, k, pG, pP, pp, ps);
  const P = w.f64(pP, d * k).slice();
  const K = e.precondValue(id, d, k, pG, pp, ps);
  for (const p of [pG, pP, pp, ps]) w.free(p);
  return { P, K };
}

function relFro(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0, t = 0;
  for (let i = 0; i < b.length; i++) { s += (a[i] - b[i]) ** 2; t += b[i] ** 2; }
  return Math.sqrt(s / t);
}

/** Largest singular value of a d×k matrix (plain-JS SVD). */
function sigmaMax(P: Float64Array, d: number, k: number): number {
  return Math.max(...spectralRef(P, d, k, 1).sigma);
}

/** G with singular values graded from 1 to 1e−12: rows scaled when d ≤ k, columns when d > k (one-sided Jacobi then resolves every σ to relative accuracy). */
function graded(d: number, k: number, seed: number): Float64Array {
  const G = randn(d * k, seed);
  for (let i = 0; i < d; i++) for (let c = 0; c < k; c++) G[i * k + c] *= 10 ** (-12 * (d <= k ? i / Math.max(d - 1, 1) : c / Math.max(k - 1, 1)));
  return G;
}

const SHAPES: [number, number][] = [[5, 3], [3, 5], [7, 7], [1, 4], [4, 1], [20, 6], [6, 20], [2, 1000]];

describe('primal spectral kernel against the SVD formula', () => {
  it('well-conditioned G, every shape, ε from 1e−12 to 1e2: P and K to round-off', () => {
    let worstP = 0, worstK = 0;
    for (const [d, k] of SHAPES) {
      const G = randn(d * k, 3 + d + 7 * k);
      for (const eps of EPSS) {
        const ref = spectralRef(G, d, k, eps), got = wasmSpectral(G, d, k, eps);
        worstP = Math.max(worstP, relFro(got.P, ref.P));
        worstK = Math.max(worstK, Math.abs(got.K - ref.K) / ref.K);
      }
    }
    expect(worstP).toBeLessThan(200 * U);
    expect(worstK).toBeLessThan(16 * U);
  });

  it('ill-conditioned G (σ from 1 to 1e−12), ε from 1e−12 to 1e2: P to round-off, every singular value of the step ≤ 1', () => {
    let worstP = 0, worstS = 0;
    for (const [d, k] of [[4, 9], [9, 4], [6, 6], [3, 40]] as [number, number][]) {
      const G = graded(d, k, 11 + d * k);
      for (const eps of EPSS) {
        const ref = spectralRef(G, d, k, eps), got = wasmSpectral(G, d, k, eps);
        worstP = Math.max(worstP, relFro(got.P, ref.P));
        expect(Math.abs(got.K - ref.K) / ref.K).toBeLessThan(16 * U);
        worstS = Math.max(worstS, sigmaMax(got.P, d, k));
      }
    }
    expect(worstP).toBeLessThan(1e-12);
    expect(worstS).toBeLessThanOrEqual(1 + 8 * U);
  });

  it('scale: G × 2^±900 and 1e±300 (with ε scaled alike) give the same P and K scaled', () => {
    const G = randn(5 * 3, 41);
    const base = wasmSpectral(G, 5, 3, 0.3);
    for (const s of [2 ** 900, 2 ** -900, 1e300, 1e-300]) {
      const got = wasmSpectral(G.map((g) => g * s), 5, 3, 0.3 * s);
      expect(relFro(got.P, base.P)).toBeLessThan(1e-15);
      expect(Math.abs(got.K / s - base.K) / base.K).toBeLessThan(1e-15);
    }
  });

  it('∇K is the gradient of K: central finite differences at ε = 1e−3 on an ill-conditioned G', () => {
    const d = 4, k = 6, eps = 1e-3;
    const G = graded(d, k, 5).map((g, i) => g + (i % 3 === 0 ? 0.01 : 0)); // σ down to ~1e−2
    const { P } = wasmSpectral(G, d, k, eps);
    const dir = randn(d * k, 6);
    // h = 1e−7: truncation (h²·K‴, K‴ ~ 1/σmin²) and round-off (u·K/h) both near 1e−8 here.
    const h = 1e-7;
    const Kp = wasmSpectral(G.map((g, i) => g + h * dir[i]), d, k, eps).K;
    const Km = wasmSpectral(G.map((g, i) => g - h * dir[i]), d, k, eps).K;
    let dot = 0;
    for (let i = 0; i < d * k; i++) dot += P[i] * dir[i];
    expect(Math.abs((Kp - Km) / (2 * h) - dot)).toBeLessThan(5e-8 * Math.max(1, Math.abs(dot)));
  });
});

describe('cost follows the rank', () => {
  it('n = 2, d = 3, k = 1000: 20 spectral iterations on each path in well under a second each', async () => {
    const X = randn(2 * 3, 1), Y = randn(2 * 1000, 2);
    for (const path of ['primal', 'rowspace'] as const) {
      const t0 = performance.now();
      const r = await solve({ X: { data: X, shape: [2, 3] }, Y: { data: Y, shape: [2, 1000] } }, { precond: 'spectral:eps=0.01', lr: 0.1, maxIter: 20, tol: 0, stall: false, path, report: false });
      expect(r.iterations).toBe(20);
      expect(performance.now() - t0, path).toBeLessThan(3000);
    }
  });
});
