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

/**
 * The spec formula from a plain-JS SVD of G (d×k row-major), taken on the smaller side.
 * `rank`: G is known to have at most this rank (G = XᵀD with n < min(d, k)); the singular
 * values beyond it are G's rounding (~u‖G‖), and they count as 0, as they do in exact
 * arithmetic (with ε below u‖G‖ the formula would otherwise turn rounding into an O(1) step).
 */
function spectralRef(G: Float64Array, d: number, k: number, eps: number, rank = Math.min(d, k)): { P: Float64Array; K: number; sigma: number[] } {
  const P = new Float64Array(d * k);
  let sigma: number[];
  if (d >= k) {
    // G V = U Σ on G's k columns (length d).
    const cols = Array.from({ length: k }, (_, c) => Float64Array.from({ length: d }, (_, i) => G[i * k + c]));
    const s = truncate(jacobiSvd(cols, d), rank);
    sigma = s.sigma;
    s.sigma.forEach((sg, j) => {
      const f = sg / Math.hypot(sg, eps);
      for (let i = 0; i < d; i++) for (let c = 0; c < k; c++) P[i * k + c] += s.U[j][i] * f * s.V[j][c];
    });
  } else {
    // Gᵀ V' = U' Σ on G's d rows (length k): G = V' Σ U'ᵀ.
    const rows = Array.from({ length: d }, (_, i) => G.slice(i * k, (i + 1) * k));
    const s = truncate(jacobiSvd(rows, k), rank);
    sigma = s.sigma;
    s.sigma.forEach((sg, j) => {
      const f = sg / Math.hypot(sg, eps);
      for (let i = 0; i < d; i++) for (let c = 0; c < k; c++) P[i * k + c] += s.V[j][i] * f * s.U[j][c];
    });
  }
  const K = sigma.reduce((a, sg) => a + Math.hypot(sg, eps), 0) + (k - Math.min(d, k)) * eps;
  return { P, K, sigma };
}

function truncate<T extends { sigma: number[] }>(s: T, rank: number): T {
  const keep = s.sigma.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, rank).map((x) => x[1]);
  s.sigma = s.sigma.map((v, i) => (keep.includes(i) ? v : 0));
  return s;
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

  it('G = U diag(1, 1e−3, 1e−6, 1e−9) Vᵀ mixed on both sides (GᵀG loses σ = 1e−9): P within 1e−10 for every ε, step singular values ≤ 1', () => {
    // Before: through GᵀG + ε²I, relative error 500 and a step singular value of 1000 at ε = 1e−12,
    // 0.16 and 1.0034 at ε = 1e−9, 8e−6 at ε = 1e−6. A backward-stable SVD leaves u‖G‖/σmin ≈ 1e−7 at worst.
    const d = 9, k = 4, sig = [1, 1e-3, 1e-6, 1e-9];
    const orth = (p: number, q: number, seed: number) => {
      const A = randn(p * q, seed);
      return jacobiSvd(Array.from({ length: q }, (_, c) => Float64Array.from({ length: p }, (_, i) => A[i * q + c])), p).U;
    };
    const Uo = orth(d, k, 5), Vo = orth(k, k, 6);
    const G = new Float64Array(d * k);
    for (let i = 0; i < d; i++) for (let c = 0; c < k; c++) for (let r = 0; r < k; r++) G[i * k + c] += Uo[r][i] * sig[r] * Vo[r][c];
    for (const eps of EPSS) {
      const ref = spectralRef(G, d, k, eps), got = wasmSpectral(G, d, k, eps);
      expect(relFro(got.P, ref.P), `eps ${eps}`).toBeLessThan(1e-10);
      expect(Math.abs(got.K - ref.K) / ref.K).toBeLessThan(16 * U);
      expect(sigmaMax(got.P, d, k)).toBeLessThanOrEqual(1 + 8 * U);
    }
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

describe('row-space spectral (from a pivoted Cholesky factor of XXᵀ) against the SVD formula of G = XᵀD', () => {
  /** Xᵀ·B for the B the row-space kernel returns, and its K. */
  function rowStep(X: Float64Array, D: Float64Array, n: number, d: number, k: number, eps: number): { P: Float64Array; K: number; r: number } {
    const e = w.exports;
    const put = (a: Float64Array) => { const p = w.allocF64(a.length); w.f64(p, a.length).set(a); return p; };
    const pX = put(X), pD = put(D), gram = w.allocF64(n * n), L = w.allocF64(n * n), perm = w.allocF64(n);
    const F = w.allocF64(n * k), PF = w.allocF64(n * k), B = w.allocF64(n * k), sc = w.allocF64(e.precondScratchLen(PRECOND_IDS.spectral, n, k));
    e.gramXXt(n, d, pX, gram);
    const r = e.spectralRowFactor(n, gram, L, perm);
    const K = e.spectralRowStep(n, r, k, L, perm, pD, F, PF, B, eps, sc);
    const K2 = e.spectralRowValue(n, r, k, L, perm, pD, F, eps, sc);
    expect(K2).toBe(K);
    const Bv = w.f64(B, n * k);
    const P = new Float64Array(d * k);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) P[j * k + c] += X[i * d + j] * Bv[i * k + c];
    for (const p of [pX, pD, gram, L, perm, F, PF, B, sc]) w.free(p);
    return { P, K, r };
  }
  const XtD = (X: Float64Array, D: Float64Array, n: number, d: number, k: number) => {
    const G = new Float64Array(d * k);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) G[j * k + c] += X[i * d + j] * D[i * k + c];
    return G;
  };

  it('random X, D (n > k and n ≤ k), ε from 1e−12 to 1e2: XᵀB and K to round-off', () => {
    let worst = 0;
    for (const [n, d, k] of [[6, 15, 3], [3, 10, 8], [4, 9, 4], [2, 3, 50]] as [number, number, number][]) {
      const X = randn(n * d, 7 + n), D = randn(n * k, 8 + k);
      const G = XtD(X, D, n, d, k);
      for (const eps of EPSS) {
        const ref = spectralRef(G, d, k, eps, n), got = rowStep(X, D, n, d, k, eps);
        expect(got.r).toBe(n);
        worst = Math.max(worst, relFro(got.P, ref.P));
        expect(Math.abs(got.K - ref.K) / ref.K).toBeLessThan(1e-14);
      }
    }
    expect(worst).toBeLessThan(1e-13);
  });

  it('ill-conditioned G = XᵀD (D\'s columns graded 1 … 1e−12): every singular value of the step ≤ 1, XᵀB to round-off', () => {
    const n = 7, d = 16, k = 4;
    const X = randn(n * d, 17), D = randn(n * k, 18);
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) D[i * k + c] *= 10 ** (-12 * c / (k - 1));
    const G = XtD(X, D, n, d, k);
    let worst = 0, worstS = 0;
    for (const eps of EPSS) {
      const ref = spectralRef(G, d, k, eps), got = rowStep(X, D, n, d, k, eps);
      worst = Math.max(worst, relFro(got.P, ref.P));
      worstS = Math.max(worstS, sigmaMax(got.P, d, k));
    }
    expect(worst).toBeLessThan(1e-12);
    expect(worstS).toBeLessThanOrEqual(1 + 1e-14);
  });

  it('X of rank 3 < n = 5 (repeated rows): the factor has r = 3 and XᵀB is still the formula', () => {
    const n = 5, d = 12, k = 4;
    const X = randn(n * d, 27);
    for (let j = 0; j < d; j++) { X[3 * d + j] = X[j]; X[4 * d + j] = X[d + j] - 2 * X[2 * d + j]; }
    const D = randn(n * k, 28);
    const G = XtD(X, D, n, d, k);
    for (const eps of [1e-9, 0.1]) {
      const ref = spectralRef(G, d, k, eps, 3), got = rowStep(X, D, n, d, k, eps);
      expect(got.r).toBe(3);
      expect(relFro(got.P, ref.P)).toBeLessThan(1e-12);
    }
  });

  it('the two paths iterate alike: small ε, 200 steps, W agrees to 1e−10', async () => {
    const n = 6, d = 25, k = 3;
    const X = randn(n * d, 37), Y = randn(n * k, 38);
    const prob = { X: { data: X, shape: [n, d] as [number, number] }, Y: { data: Y, shape: [n, k] as [number, number] } };
    const opts = { precond: 'spectral:eps=1e-9', lr: 0.01, maxIter: 200, tol: 0, stall: false as const, report: false };
    const a = await solve(prob, { ...opts, path: 'primal' }), b = await solve(prob, { ...opts, path: 'rowspace' });
    expect(relFro(b.W.data, a.W.data)).toBeLessThan(1e-10);
    expect(b.trace.bregman.some((v) => Number.isFinite(v))).toBe(true);
  });
});
