// The exact GD limit and the row/null-space split (src/linalg, assembly/linalg)
// against an independent Jacobi-SVD pseudo-inverse (test/helpers/svd.ts) and
// against NumPy/LAPACK least-squares solutions (test/fixtures/linalg_lstsq.json,
// written by test/fixtures/make_linalg_fixtures.py).
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { getWasm, type Wasm } from '../src/wasm/module.js';
import { factorRowSpace, gdLimit, interpolationTolerance } from '../src/linalg/index.js';
import { randn } from './helpers/rng.js';
import { pinvJacobi, matmul, fro, relFro } from './helpers/svd.js';
import { triangleExtremesRef } from './helpers/triangle-extremes.js';
import { lqFactorRef } from './helpers/lq-ref.js';

let w: Wasm;
beforeAll(async () => {
  w = await getWasm();
});

function put(a: ArrayLike<number>): number {
  const p = w.allocF64(a.length);
  w.f64(p, a.length).set(a);
  return p;
}
function get(p: number, len: number): Float64Array {
  return Float64Array.from(w.f64(p, len));
}
function transpose(A: ArrayLike<number>, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  return T;
}

/** X = U diag(s) V in plain JS, s geometric 1 → 1/cond, U and V Gram–Schmidt orthonormalized Gaussians. */
function conditioned(n: number, d: number, cond: number, seed: number): Float64Array {
  const m = Math.min(n, d);
  const orth = (rows: number, cols: number, sd: number) => {
    // rows×cols with orthonormal rows (rows ≤ cols), independent of the WASM kernels.
    const g = randn(rows * cols, sd);
    const colsArr = Array.from({ length: rows }, (_, j) => Float64Array.from({ length: cols }, (_, i) => g[j * cols + i]));
    // Modified Gram–Schmidt twice is orthonormal to round-off for a well-conditioned Gaussian.
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < rows; j++) {
        for (let l = 0; l < j; l++) {
          let s = 0;
          for (let i = 0; i < cols; i++) s += colsArr[l][i] * colsArr[j][i];
          for (let i = 0; i < cols; i++) colsArr[j][i] -= s * colsArr[l][i];
        }
        const nr = fro(colsArr[j]);
        for (let i = 0; i < cols; i++) colsArr[j][i] /= nr;
      }
    }
    const out = new Float64Array(rows * cols);
    colsArr.forEach((c, j) => { out.set(c, j * cols); });
    return out;
  };
  const Vt = orth(m, d, seed); // m×d
  const Ut = orth(m, n, seed + 1); // m×n, U = Utᵀ
  const S = new Float64Array(m * d);
  for (let i = 0; i < m; i++) {
    const s = m === 1 ? 1 : cond ** (-i / (m - 1));
    for (let j = 0; j < d; j++) S[i * d + j] = s * Vt[i * d + j];
  }
  return matmul(transpose(Ut, m, n), S, n, m, d);
}

describe('X⁺B against a Jacobi-SVD pseudo-inverse (random shapes)', () => {
  const SHAPES: [number, number, number][] = [
    [5, 12, 1], [7, 7, 2], [12, 5, 3], [1, 9, 1], [9, 1, 2], [1, 1, 1], [6, 13, 8], [10, 33, 11], [3, 64, 16], [16, 101, 2], [20, 23, 5], [40, 17, 1],
  ];
  for (const [n, d, k] of SHAPES) {
    it(`n=${n}, d=${d}, k=${k}`, () => {
      const X = randn(n * d, 1000 + n * 31 + d, 1 / Math.sqrt(d));
      const B = randn(n * k, 2000 + k);
      const ref = pinvJacobi(X, n, d);
      const pX = put(X), pB = put(B), out = w.allocF64(d * k);
      const f = factorRowSpace(w, pX, n, d);
      try {
        expect(f.rank).toBe(Math.min(n, d));
        expect(ref.rank).toBe(Math.min(n, d));
        f.pinv(pB, k, out);
        const expected = matmul(ref.pinv, B, d, n, k);
        const cond = Math.max(...ref.sigma) / Math.min(...ref.sigma);
        expect(relFro(get(out, d * k), expected)).toBeLessThanOrEqual(1e-14 * Math.max(10, cond));
        // X and B are left intact.
        expect(get(pX, n * d)).toEqual(X);
        expect(get(pB, n * k)).toEqual(B);
        // The estimates bracket what they estimate.
        const smax = Math.max(...ref.sigma), smin = Math.min(...ref.sigma);
        expect(f.singularEstimate.max).toBeLessThanOrEqual(smax * (1 + 1e-12));
        expect(f.singularEstimate.max).toBeGreaterThanOrEqual(smax / Math.sqrt(n) * (1 - 1e-12));
        expect(f.singularEstimate.min).toBeGreaterThanOrEqual(smin * (1 - 1e-12));
      } finally {
        f.dispose();
        [pX, pB, out].forEach((p) => { w.free(p); });
      }
    });
  }

  it('cond(X) = 1e4 (n=10, d=27, k=3): agrees with the Jacobi SVD to 1e-10', () => {
    const n = 10, d = 27, k = 3;
    const X = conditioned(n, d, 1e4, 77);
    const B = randn(n * k, 78);
    const ref = pinvJacobi(X, n, d);
    expect(Math.max(...ref.sigma) / Math.min(...ref.sigma)).toBeCloseTo(1e4, -1);
    const pX = put(X), pB = put(B), out = w.allocF64(d * k);
    const f = factorRowSpace(w, pX, n, d);
    f.pinv(pB, k, out);
    expect(f.rank).toBe(n);
    expect(relFro(get(out, d * k), matmul(ref.pinv, B, d, n, k))).toBeLessThanOrEqual(1e-10);
    f.dispose();
    [pX, pB, out].forEach((p) => { w.free(p); });
  });
});

interface FixtureCase {
  name: string; note: string; n: number; d: number; k: number;
  X: number[]; Y: number[]; W0: number[]; W: number[];
  rank: number; singularValues: number[]; interpolates: boolean; relResidual: number;
}
const fixtures: { cases: FixtureCase[] } = JSON.parse(
  readFileSync(new URL('./fixtures/linalg_lstsq.json', import.meta.url), 'utf8'));

describe('W_GD∞ against NumPy/LAPACK lstsq (fixtures)', () => {
  for (const c of fixtures.cases) {
    it(`${c.name}: ${c.note}`, () => {
      const { n, d, k } = c;
      const pX = put(c.X), pY = put(c.Y), pW0 = put(c.W0), out = w.allocF64(d * k);
      const f = factorRowSpace(w, pX, n, d);
      try {
        const g = gdLimit(w, f, pX, pY, pW0, k, out);
        const W = get(out, d * k);
        // Relative error of W_GD∞ and of the step X⁺(Y − XW0) itself (the stricter measure).
        const errW = relFro(W, c.W);
        const step = W.map((v, i) => v - c.W0[i]), refStep = c.W.map((v, i) => v - c.W0[i]);
        const errStep = relFro(step, refStep);
        console.log(`[linalg fixture] ${c.name}: rank ${g.rank}, rel. error W ${errW.toExponential(2)}, step ${errStep.toExponential(2)}, relResidual ${g.relResidual.toExponential(2)}, backwardError ${g.backwardError.toExponential(2)}`);
        expect(g.rank).toBe(c.rank);
        expect(f.rank).toBe(c.rank);
        expect(g.interpolates).toBe(c.interpolates);
        expect(errW).toBeLessThanOrEqual(1e-8);
        expect(errStep).toBeLessThanOrEqual(1e-8);
        if (c.interpolates) {
          expect(g.relResidual).toBeLessThanOrEqual(1e-11);
        } else {
          expect(g.relResidual).toBeCloseTo(c.relResidual, 10);
          expect(g.backwardError).toBeGreaterThan(1e3 * interpolationTolerance(f));
        }
        // The estimates against the true extreme singular values of the numerical rank.
        const sv = c.singularValues;
        expect(f.singularEstimate.max).toBeLessThanOrEqual(sv[0] * (1 + 1e-12));
        expect(f.singularEstimate.min).toBeGreaterThanOrEqual(sv[c.rank - 1] * (1 - 1e-12));
      } finally {
        f.dispose();
        [pX, pY, pW0, out].forEach((p) => { w.free(p); });
      }
    });
  }
});

describe('what the theory says about W_GD∞ and the projections', () => {
  const CASES: [number, number, number][] = [[8, 21, 1], [12, 40, 3], [5, 5, 2], [17, 61, 9]];
  for (const [n, d, k] of CASES) {
    it(`n=${n}, d=${d}, k=${k}: interpolates, W_GD∞ − W0 in the row space, minimal norm`, () => {
      const X = randn(n * d, 300 + d, 1 / Math.sqrt(d));
      const Y = randn(n * k, 301), W0 = randn(d * k, 302, 0.3);
      const pX = put(X), pY = put(Y), pW0 = put(W0), out = w.allocF64(d * k), diff = w.allocF64(d * k);
      const f = factorRowSpace(w, pX, n, d);
      const g = gdLimit(w, f, pX, pY, pW0, k, out);
      expect(g.rank).toBe(n);
      expect(g.interpolates).toBe(true);
      expect(g.relResidual).toBeLessThanOrEqual(1e-13);
      // X·W_GD = Y, checked here in plain JS.
      expect(relFro(matmul(X, get(out, d * k), n, d, k), Y)).toBeLessThanOrEqual(1e-13);
      w.exports.sub(d * k, out, pW0, diff);
      const s = f.split(diff, k);
      expect(s.null).toBeLessThanOrEqual(1e-14 * s.row);
      expect(s.row).toBeCloseTo(fro(get(diff, d * k)), 12);
      // Minimal distance to W0: adding a null-space direction to the step only makes it longer.
      const V = randn(d * k, 303), pV = put(V), proj = w.allocF64(d * k);
      f.projectRow(pV, k, proj);
      const nullDir = V.map((v, i) => v - w.f64(proj, d * k)[i]);
      const stepNorm = fro(get(diff, d * k));
      const moved = get(diff, d * k).map((v, i) => v + 0.1 * nullDir[i]);
      if (n < d) expect(fro(moved)).toBeGreaterThan(stepNorm);
      else expect(fro(nullDir)).toBeLessThanOrEqual(1e-14 * fro(V)); // square, full rank: no null space
      expect(relFro(matmul(X, moved.map((v, i) => v + W0[i]), n, d, k), Y)).toBeLessThanOrEqual(1e-12); // still interpolates
      f.dispose();
      [pX, pY, pW0, out, diff, pV, proj].forEach((p) => { w.free(p); });
    });
  }

  for (const [n, d, k] of [[6, 15, 1], [9, 20, 4], [25, 10, 3]] as [number, number, number][]) {
    it(`n=${n}, d=${d}, k=${k}: row² + null² = ‖V‖², P_row idempotent and equal to X⁺X`, () => {
      const X = randn(n * d, 400 + n, 1 / Math.sqrt(d));
      const V = randn(d * k, 401);
      const pX = put(X), pV = put(V), P = w.allocF64(d * k), PP = w.allocF64(d * k);
      const f = factorRowSpace(w, pX, n, d);
      const s = f.split(pV, k);
      expect(Math.abs(s.row ** 2 + s.null ** 2 - fro(V) ** 2)).toBeLessThanOrEqual(1e-14 * fro(V) ** 2);
      expect(get(pV, d * k)).toEqual(V); // split leaves V intact
      f.projectRow(pV, k, P);
      f.projectRow(P, k, PP);
      expect(relFro(get(PP, d * k), get(P, d * k))).toBeLessThanOrEqual(1e-14);
      expect(fro(get(P, d * k))).toBeCloseTo(s.row, 13);
      // Null part, computed directly, against ‖V − P_row V‖ from the independent X⁺X.
      const ref = pinvJacobi(X, n, d);
      const PV = matmul(ref.pinv, matmul(X, V, n, d, k), d, n, k);
      expect(relFro(get(P, d * k), PV)).toBeLessThanOrEqual(1e-13);
      expect(Math.abs(s.null - fro(V.map((v, i) => v - PV[i])))).toBeLessThanOrEqual(1e-13 * fro(V));
      if (n >= d) expect(s.null).toBeLessThanOrEqual(1e-14 * fro(V)); // full column rank: P_row = I
      // In place: out = V.
      f.projectRow(pV, k, pV);
      expect(relFro(get(pV, d * k), get(P, d * k))).toBe(0);
      f.dispose();
      [pX, pV, P, PP].forEach((p) => { w.free(p); });
    });
  }

  it('the null part of a vector in the row space is round-off, of one in the null space is all of it', () => {
    const n = 7, d = 19;
    const X = randn(n * d, 500);
    const pX = put(X);
    const f = factorRowSpace(w, pX, n, d);
    const inRow = put(matmul(transpose(X, n, d), randn(n, 501), d, n, 1)); // Xᵀu
    const a = f.split(inRow, 1);
    expect(a.null).toBeLessThanOrEqual(1e-14 * a.row);
    const V = randn(d, 502), pV = put(V), P = w.allocF64(d);
    f.projectRow(pV, 1, P);
    w.exports.sub(d, pV, P, pV); // (I − P_row)V
    const b = f.split(pV, 1);
    expect(b.row).toBeLessThanOrEqual(1e-14 * b.null);
    f.dispose();
    [pX, inRow, pV, P].forEach((p) => { w.free(p); });
  });
});

describe('rank-deficient X and edge cases', () => {
  /** rank r of n×d: the last n − r rows are combinations of the first r. */
  function deficient(n: number, d: number, r: number, seed: number): Float64Array {
    const Bm = randn(r * d, seed);
    const C = randn((n - r) * r, seed + 1);
    const X = new Float64Array(n * d);
    X.set(Bm);
    X.set(matmul(C, Bm, n - r, r, d), r * d);
    return X;
  }
  for (const [n, d, r, k] of [[6, 10, 3, 1], [6, 10, 3, 4], [12, 30, 5, 2], [20, 8, 4, 3], [5, 5, 1, 2]] as [number, number, number, number][]) {
    it(`rank ${r} of ${n}×${d}, k=${k}: rank found, X⁺B is the minimum-norm least-squares solution`, () => {
      // Shuffle the rows so the dependent ones are not last.
      const X0 = deficient(n, d, r, 600 + n + r);
      const order = Array.from({ length: n }, (_, i) => (i * 7 + 3) % n);
      expect(new Set(order).size).toBe(n);
      const X = new Float64Array(n * d);
      order.forEach((src, i) => { X.set(X0.subarray(src * d, src * d + d), i * d); });
      const B = randn(n * k, 700);
      const pX = put(X), pB = put(B), out = w.allocF64(d * k);
      const f = factorRowSpace(w, pX, n, d);
      const ref = pinvJacobi(X, n, d);
      expect(f.rank).toBe(r);
      expect(ref.rank).toBe(r);
      f.pinv(pB, k, out);
      expect(relFro(get(out, d * k), matmul(ref.pinv, B, d, n, k))).toBeLessThanOrEqual(1e-12);
      // Consistent right-hand side: interpolates; random one (r < n): does not.
      const Wt = randn(d * k, 701), Yc = matmul(X, Wt, n, d, k), pYc = put(Yc), pW0 = w.allocF64(d * k);
      const gc = gdLimit(w, f, pX, pYc, pW0, k, out);
      expect(gc).toMatchObject({ rank: r, interpolates: true });
      expect(gc.relResidual).toBeLessThanOrEqual(1e-13);
      const gi = gdLimit(w, f, pX, pB, pW0, k, out);
      expect(gi).toMatchObject({ rank: r, interpolates: false });
      // The split uses rank r: a vector in the row space has no null part.
      const s = f.split(put(matmul(transpose(X, n, d), randn(n, 702), d, n, 1)), 1);
      expect(s.null).toBeLessThanOrEqual(1e-13 * s.row);
      f.dispose();
      [pX, pB, out, pYc, pW0].forEach((p) => { w.free(p); });
    });
  }

  it('X = 0: rank 0, X⁺ = 0, everything is null space, W_GD∞ = W0', () => {
    const n = 3, d = 5, k = 2;
    const pX = w.allocF64(n * d), V = randn(d * k, 800), pV = put(V), out = w.allocF64(d * k);
    const f = factorRowSpace(w, pX, n, d);
    expect(f.rank).toBe(0);
    expect(f.singularEstimate).toEqual({ max: 0, min: 0 });
    f.pinv(put(randn(n * k, 801)), k, out);
    expect(Array.from(get(out, d * k))).toEqual(new Array(d * k).fill(0));
    const s = f.split(pV, k);
    expect(s.row).toBe(0);
    expect(s.null).toBeCloseTo(fro(V), 14);
    const g = gdLimit(w, f, pX, w.allocF64(n * k), pV, k, out); // Y = 0
    expect(g).toMatchObject({ rank: 0, interpolates: true, relResidual: 0 });
    expect(get(out, d * k)).toEqual(V);
    const g2 = gdLimit(w, f, pX, put(randn(n * k, 802)), pV, k, out);
    expect(g2.interpolates).toBe(false);
    f.dispose();
  });

  it('huge and tiny units: X·2^±700-ish scales X⁺ exactly, rank unchanged', () => {
    const n = 6, d = 14, k = 2;
    const X = randn(n * d, 900), B = randn(n * k, 901);
    const pB = put(B), base = w.allocF64(d * k), out = w.allocF64(d * k);
    const f0 = factorRowSpace(w, put(X), n, d);
    f0.pinv(pB, k, base);
    const ref = get(base, d * k);
    for (const s of [1e200, 1e-200, 2 ** 600, 2 ** -600]) {
      const f = factorRowSpace(w, put(X.map((v) => v * s)), n, d);
      expect(f.rank).toBe(n);
      f.pinv(pB, k, out);
      const got = get(out, d * k).map((v) => v * s);
      expect(relFro(got, ref)).toBeLessThanOrEqual(1e-14);
      expect(f.singularEstimate.max / s).toBeCloseTo(f0.singularEstimate.max, 12);
      f.dispose();
    }
    f0.dispose();
  });

  it('rtol is configurable: a large one truncates the small singular values', () => {
    const n = 8, d = 20;
    const X = conditioned(n, d, 1e4, 950); // σ_i = 1e4^(−i/7)
    const pX = put(X);
    expect(factorRowSpace(w, pX, n, d).rank).toBe(8);
    // σ < 1e-2 are σ_6, σ_7 (1e4^(−6/7) ≈ 3.7e-4 … ); the pivots track them to within a small factor.
    const f = factorRowSpace(w, pX, n, d, { rtol: 1e-3 });
    expect(f.rank).toBeGreaterThanOrEqual(6);
    expect(f.rank).toBeLessThanOrEqual(7);
    expect(f.rtol).toBe(1e-3);
    expect(() => factorRowSpace(w, pX, n, d, { rtol: -1 })).toThrow(expect.objectContaining({ code: 'E_PARAM' }));
    expect(() => factorRowSpace(w, pX, n, 0)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
  });

  it('deterministic to the bit, and dispose frees and then refuses', () => {
    const n = 9, d = 31, k = 3;
    const X = randn(n * d, 990), B = randn(n * k, 991);
    const pX = put(X), pB = put(B), a = w.allocF64(d * k), b = w.allocF64(d * k);
    const f1 = factorRowSpace(w, pX, n, d), f2 = factorRowSpace(w, pX, n, d);
    f1.pinv(pB, k, a);
    f2.pinv(pB, k, b);
    expect(get(a, d * k)).toEqual(get(b, d * k));
    f1.dispose();
    f1.dispose(); // idempotent
    expect(() => f1.pinv(pB, k, a)).toThrow(expect.objectContaining({ code: 'E_DISPOSED' }));
    expect(() => f1.split(pB, k)).toThrow(expect.objectContaining({ code: 'E_DISPOSED' }));
    expect(() => f2.pinv(pB, 0, a)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    f2.dispose();
    // Repeated factor/dispose cycles do not grow memory.
    const before = w.exports.memoryBytes();
    for (let i = 0; i < 50; i++) {
      const f = factorRowSpace(w, pX, n, d);
      f.pinv(pB, k, a);
      f.split(a, k);
      f.dispose();
    }
    expect(w.exports.memoryBytes()).toBe(before);
  });
});

describe('orthonormalizeRows', () => {
  for (const [m, d] of [[1, 1], [1, 7], [3, 3], [5, 12], [8, 9], [20, 61], [16, 16], [33, 100]] as [number, number][]) {
    it(`${m}×${d}: orthonormal to 1e-14, same row space, A = L·E with L lower triangular, diag ≥ 0`, () => {
      const A = randn(m * d, 1100 + m * d);
      const pA = put(A);
      const scratch = w.allocF64(Math.max(1, w.exports.orthonormalizeScratchLen(m, d)));
      w.exports.orthonormalizeRows(m, d, pA, scratch);
      const E = get(pA, m * d);
      const G = matmul(E, transpose(E, m, d), m, d, m);
      let off = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) off = Math.max(off, Math.abs(G[i * m + j] - (i === j ? 1 : 0)));
      expect(off).toBeLessThanOrEqual(1e-14);
      // Same span: A = (A Eᵀ) E exactly in exact arithmetic.
      const L = matmul(A, transpose(E, m, d), m, d, m);
      expect(relFro(matmul(L, E, m, m, d), A)).toBeLessThanOrEqual(1e-14);
      for (let i = 0; i < m; i++) {
        expect(L[i * m + i]).toBeGreaterThan(0);
        for (let j = i + 1; j < m; j++) expect(Math.abs(L[i * m + j])).toBeLessThanOrEqual(1e-13 * fro(A));
      }
      w.free(pA);
      w.free(scratch);
    });
  }

  it('is deterministic and orthonormalizes an ill-conditioned A (cond 1e10) to 1e-14', () => {
    const m = 10, d = 25;
    const A = conditioned(m, d, 1e10, 1200);
    const pA = put(A), pB = put(A), scratch = w.allocF64(w.exports.orthonormalizeScratchLen(m, d));
    w.exports.orthonormalizeRows(m, d, pA, scratch);
    w.exports.orthonormalizeRows(m, d, pB, scratch);
    const E = get(pA, m * d);
    expect(get(pB, m * d)).toEqual(E);
    const G = matmul(E, transpose(E, m, d), m, d, m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) expect(Math.abs(G[i * m + j] - (i === j ? 1 : 0))).toBeLessThanOrEqual(1e-14);
    expect(relFro(matmul(matmul(A, transpose(E, m, d), m, d, m), E, m, m, d), A)).toBeLessThanOrEqual(1e-14);
  });
});

describe('with the seeded `spectrum` generator (X = U diag(s) V from orthonormalizeRows)', () => {
  it('n=12, d=40, cond 1e4: singular values as prescribed, full row rank, gdLimit interpolates', async () => {
    const { generate } = await import('../src/generate.js');
    const n = 12, d = 40, k = 2;
    const p = await generate({ n, d, k, kind: 'spectrum', cond: 1e4, seed: 5 });
    try {
      const X = p.X.data;
      const ref = pinvJacobi(X, n, d);
      const sigma = [...ref.sigma].sort((a, b) => b - a);
      sigma.forEach((s, i) => { expect(s).toBeCloseTo(1e4 ** (-i / (n - 1)), 12); });
      const g = p.gdLimit();
      expect(g.rank).toBe(n);
      expect(g.interpolates).toBe(true);
      expect(g.relResidual).toBeLessThanOrEqual(1e-11);
      const step = g.data.map((v, i) => v - p.W0.data[i]);
      const Y = p.Y.data, W0 = p.W0.data;
      const R = matmul(X, W0, n, d, k).map((v, i) => Y[i] - v);
      expect(relFro(step, matmul(ref.pinv, R, d, n, k))).toBeLessThanOrEqual(1e-10);
      const f = p.rowSpace();
      expect(f.singularEstimate.max).toBeLessThanOrEqual(1 + 1e-12);
      expect(f.singularEstimate.min).toBeGreaterThanOrEqual(1e-4 * (1 - 1e-12));
    } finally {
      p.dispose();
    }
  });
});

describe('numerical rank and interpolationExists, consistent by construction', () => {
  const EPS = 2.220446049250313e-16;
  // Near-singular and numerically low-rank X. The constructed ones have a clear gap around the
  // tolerance max(n, d)·ε·σ_1 in the Jacobi SVD (checked first, so the comparison means something);
  // sin(1.7·index) (rank 2 in exact arithmetic, rounded arguments make it 4 at this tolerance, with
  // σ_5 at 0.9 of it) is the case pivoting alone got wrong (8).
  const cases: { name: string; n: number; d: number; gap?: false; X: () => Float64Array }[] = [
    { name: 'sin(1.7·index), 10×40', n: 10, d: 40, gap: false, X: () => Float64Array.from({ length: 400 }, (_, i) => Math.sin(1.7 * i)) },
    { name: 'cond 1e15, 10×40', n: 10, d: 40, X: () => conditioned(10, 40, 1e15, 501) },
    { name: 'cond 3e16, 10×40', n: 10, d: 40, X: () => conditioned(10, 40, 3e16, 502) },
    { name: 'cond 1e16, 30×12 (tall)', n: 30, d: 12, X: () => conditioned(30, 12, 1e16, 503) },
    { name: 'cond 1e12, 8×20 (full rank)', n: 8, d: 20, X: () => conditioned(8, 20, 1e12, 504) },
    { name: 'rank 3 product, 12×25', n: 12, d: 25, X: () => matmul(randn(12 * 3, 505), randn(3 * 25, 506), 12, 3, 25) },
  ];
  for (const c of cases) {
    it(`${c.name}: rank equals the Jacobi SVD's; interpolationExists only with a residual at round-off`, () => {
      const { n, d } = c;
      const X = c.X();
      const tol = Math.max(n, d) * EPS;
      const ref = pinvJacobi(X, n, d);
      const s1 = Math.max(...ref.sigma);
      // the gap: no singular value within a factor 1.5 of the threshold
      if (c.gap !== false) for (const s of ref.sigma) expect(s / (tol * s1) > 1.5 || s / (tol * s1) < 1 / 1.5, `σ = ${s} too close to the tolerance`).toBe(true);
      const pX = put(X);
      const f = factorRowSpace(w, pX, n, d);
      expect(f.rank).toBe(ref.rank);
      expect(f.rtol).toBe(tol);
      const k = 2;
      const W0 = w.allocF64(d * k), out = w.allocF64(d * k);
      // Y in the range of X (Y = X·B): an interpolant exists; a random Y: only when rank = n.
      const inRange = put(matmul(X, randn(d * k, 507), n, d, k));
      const random = put(randn(n * k, 508));
      for (const [which, pY] of [['X·B', inRange], ['random', random]] as const) {
        const g = gdLimit(w, f, pX, pY, W0, k, out);
        expect(g.rank).toBe(ref.rank);
        if (g.interpolates) expect(g.relResidual, which).toBeLessThanOrEqual(Math.sqrt(EPS));
        else expect(g.relResidual, which).toBeGreaterThan(Math.sqrt(EPS));
        if (which === 'X·B') expect(g.interpolates, which).toBe(true);
        if (which === 'random' && ref.rank < n) expect(g.interpolates, which).toBe(false);
      }
      f.dispose();
      [pX, W0, out, inRange, random].forEach((p) => { w.free(p); });
    });
  }
});

describe('truncation at the rank tolerance (the triangle\'s SVD)', () => {
  const EPS = 2.220446049250313e-16;
  // Rank 3 plus noise whose singular values sit a factor ~5 below max(n, d)·ε·σ_1 while its rows are
  // above the pivoting stop: pivoting keeps noise pivots, and the SVD of the kept triangle drops them.
  // And (64×200) one row that is its neighbour plus a tiny difference: pivoting keeps all n rows
  // (the full triangle), the SVD drops one singular value.
  const cases: { n: number; d: number; rank: number; X: (n: number, d: number, tol: number) => Float64Array }[] = [
    ...([[20, 60], [60, 20]] as const).map(([n, d]) => ({
      n, d, rank: 3, X: (nn: number, dd: number, tol: number) => {
        const A = matmul(randn(nn * 3, 601), randn(3 * dd, 602), nn, 3, dd);
        const s1 = Math.max(...pinvJacobi(A, nn, dd).sigma);
        const E = randn(nn * dd, 603, tol * s1 / 5 / (Math.sqrt(nn) + Math.sqrt(dd)));
        return A.map((v, i) => v + E[i]!);
      },
    })),
    {
      n: 64, d: 200, rank: 63, X: (nn: number, dd: number, tol: number) => {
        const X = conditioned(nn, dd, 1e3, 606);
        const s1 = Math.max(...pinvJacobi(X, nn, dd).sigma);
        const g = randn(dd, 607, tol * s1 / 5 / Math.sqrt(dd));
        for (let j = 0; j < dd; j++) X[(nn - 1) * dd + j] = X[(nn - 2) * dd + j]! + g[j]!;
        return X;
      },
    },
  ];
  for (const c of cases) {
    const { n, d } = c;
    it(`${n}×${d}: rank ${c.rank}, X⁺B and the split equal the truncated Jacobi SVD's`, () => {
      const tol = Math.max(n, d) * EPS;
      const X = c.X(n, d, tol);
      const ref = pinvJacobi(X, n, d);
      const sMax = Math.max(...ref.sigma);
      for (const s of ref.sigma) expect(s / (tol * sMax) > 1.5 || s / (tol * sMax) < 1 / 1.5).toBe(true);
      expect(ref.rank).toBe(c.rank);
      const pX = put(X);
      const f = factorRowSpace(w, pX, n, d);
      expect(f.rank).toBe(c.rank);
      const k = 2;
      const B = randn(n * k, 604), pB = put(B), out = w.allocF64(d * k);
      f.pinv(pB, k, out);
      expect(relFro(get(out, d * k), matmul(ref.pinv, B, d, n, k))).toBeLessThan(1e-10);
      // split: P_row = X⁺X from the SVD
      const V = randn(d * k, 605), pV = put(V);
      const Prow = matmul(matmul(ref.pinv, X, d, n, d), V, d, d, k);
      const s = f.split(pV, k);
      expect(Math.abs(s.row - fro(Prow)) / fro(V)).toBeLessThan(1e-10);
      expect(Math.abs(s.null - fro(V.map((v, i) => v - Prow[i]!))) / fro(V)).toBeLessThan(1e-10);
      f.projectRow(pV, k, out);
      expect(relFro(get(out, d * k), Prow)).toBeLessThan(1e-10);
      f.dispose();
      [pX, pB, pV, out].forEach((p) => { w.free(p); });
    });
  }
});

describe('triangleExtremes (the bracket of the kept triangle) against the plain JS reference', () => {
  /** The kernel on T stored as lqFactor leaves it: strictly lower part in rows of stride lda, diagonal apart. */
  function kernel(T: Float64Array, r: number, lda: number, steps: number): { max: number; min: number } {
    const A = new Float64Array(r * lda).fill(NaN); // entries the kernel must not read (the upper part, the padding)
    for (let i = 0; i < r; i++) for (let j = 0; j < i; j++) A[i * lda + j] = T[i * r + j]!;
    const pA = put(A), pD = put(Float64Array.from({ length: r }, (_, i) => T[i * r + i]!));
    const work = w.allocF64(2 * r), out = w.allocF64(2);
    w.exports.triangleExtremes(r, pA, lda, pD, steps, work, out);
    const [max, min] = get(out, 2);
    [pA, pD, work, out].forEach((p) => { w.free(p); });
    return { max: max!, min: min! };
  }
  /**
   * A lower triangle r×r (dense, row-major): diag[i] = ±decay^i, Gaussian entries of size 0.3·decay^i/√r
   * below it (small enough that cond(T) follows the diagonal, unlike a plain Gaussian triangle's 2^r).
   */
  function lower(r: number, seed: number, decay: number): Float64Array {
    const g = randn(r * r, seed);
    const T = new Float64Array(r * r);
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < i; j++) T[i * r + j] = 0.3 * decay ** i * g[i * r + j]! / Math.sqrt(r);
      T[i * r + i] = (g[i * r + i]! < 0 ? -1 : 1) * decay ** i;
    }
    return T;
  }
  const cases: { r: number; lda: number; decay: number; seed: number; steps: number }[] = [
    { r: 1, lda: 1, decay: 1, seed: 901, steps: 12 },
    { r: 2, lda: 5, decay: 1, seed: 902, steps: 12 },
    { r: 7, lda: 7, decay: 0.5, seed: 903, steps: 3 },
    { r: 40, lda: 93, decay: 0.9, seed: 904, steps: 12 },
    { r: 65, lda: 65, decay: 0.6, seed: 905, steps: 12 }, // σ_r far below ε·σ_1
  ];
  for (const c of cases) {
    it(`r=${c.r}, lda=${c.lda}, diag decay ${c.decay}: the same bits as the reference, and a bracket of the Jacobi SVD's σ`, () => {
      const T = lower(c.r, c.seed, c.decay);
      const got = kernel(T, c.r, c.lda, c.steps);
      const ref = triangleExtremesRef(T, c.r, c.steps);
      expect(Object.is(got.max, ref.max) && Object.is(got.min, ref.min), `${got.max} ${got.min} vs ${ref.max} ${ref.min}`).toBe(true);
      const sigma = pinvJacobi(T, c.r, c.r, 0).sigma;
      const s1 = Math.max(...sigma), sr = Math.min(...sigma);
      expect(got.max).toBeGreaterThan(0);
      expect(got.max).toBeLessThanOrEqual(s1 * (1 + 1e-12));
      if (sr > 1e-8 * s1) {
        // Inside out, up to the round-off of the solves (ε·cond(T)), and close after a dozen steps.
        expect(got.min).toBeGreaterThanOrEqual(sr * (1 - 1e-6));
        if (c.steps === 12) {
          expect(got.max / s1).toBeGreaterThan(0.8);
          expect(got.min / sr).toBeLessThan(2);
        }
      } else {
        // σ_r far below ε·σ_1: what row-space.ts needs is a min that sends it to the triangle's SVD.
        expect(got.min).toBeLessThan(1e-12 * got.max);
      }
    });
  }
  it('a zero on the diagonal: no finite inverse, min = 0 (as the reference)', () => {
    const T = lower(6, 906, 1);
    T[3 * 6 + 3] = 0;
    const got = kernel(T, 6, 9, 12);
    expect(got.min).toBe(0);
    expect(Object.is(got.max, triangleExtremesRef(T, 6).max)).toBe(true);
  });
  it('on the triangle of a real factorization: the same bits as the reference on its dense copy', () => {
    const n = 30, d = 70, X = conditioned(n, d, 1e6, 907);
    const pX = put(X), A = put(X), tau = w.allocF64(n), diag = w.allocF64(n), perm = w.allocF64(n), norms = w.allocF64(2 * n);
    const r = w.exports.lqFactor(n, d, A, tau, diag, perm, norms, 0);
    expect(r).toBe(n);
    const a = get(A, n * d), dg = get(diag, n), T = new Float64Array(n * n);
    for (let i = 0; i < n; i++) { for (let j = 0; j < i; j++) T[i * n + j] = a[i * d + j]!; T[i * n + i] = dg[i]!; }
    const out = w.allocF64(2);
    w.exports.triangleExtremes(n, A, d, diag, 12, norms, out);
    const [max, min] = get(out, 2);
    const ref = triangleExtremesRef(T, n);
    expect(Object.is(max, ref.max) && Object.is(min, ref.min)).toBe(true);
    // X's singular values are 1 … 1e-6 (conditioned): the bracket lies inside and is close at both ends.
    expect(max! / 1).toBeGreaterThan(0.9);
    expect(max!).toBeLessThanOrEqual(1 + 1e-12);
    expect(min! / 1e-6).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(min! / 1e-6).toBeLessThan(2);
    [pX, A, tau, diag, perm, norms, out].forEach((p) => { w.free(p); });
  });
});

describe('lqFactor (four rows per reflector) against the plain row-by-row reference, to the bit', () => {
  const cases: { m: number; d: number; pivot: boolean; rtol: number; X: () => Float64Array; name: string }[] = [
    { m: 1, d: 5, pivot: true, rtol: 0, X: () => randn(5, 951), name: 'one row' },
    { m: 13, d: 37, pivot: true, rtol: 0, X: () => randn(13 * 37, 952), name: 'wide' },
    { m: 37, d: 13, pivot: true, rtol: 0, X: () => randn(37 * 13, 953), name: 'tall' },
    { m: 22, d: 61, pivot: false, rtol: 0, X: () => randn(22 * 61, 954), name: 'unpivoted' },
    { m: 30, d: 70, pivot: true, rtol: 70 * 2.220446049250313e-16 / Math.sqrt(30), X: () => conditioned(30, 70, 1e8, 955), name: 'cond 1e8' },
    {
      m: 18, d: 41, pivot: true, rtol: 41 * 2.220446049250313e-16 / Math.sqrt(18), name: 'rank 5: stops early',
      X: () => matmul(randn(18 * 5, 956), randn(5 * 41, 957), 18, 5, 41),
    },
  ];
  for (const c of cases) {
    it(`${c.name} (${c.m}×${c.d}${c.pivot ? ', pivoted' : ''}): A, τ, diag, perm and the rank equal the reference's`, () => {
      const { m, d } = c, X = c.X(), steps = Math.min(m, d);
      const A = put(X), tau = w.allocF64(steps), diag = w.allocF64(steps), perm = w.allocF64(Math.ceil(m / 2)), norms = w.allocF64(2 * m);
      const r = w.exports.lqFactor(m, d, A, tau, diag, c.pivot ? perm : 0, norms, c.rtol);
      const ref = lqFactorRef(m, d, X, c.pivot, c.rtol);
      expect(r).toBe(ref.rank);
      if (c.name.startsWith('rank')) expect(r).toBe(5);
      const same = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).every((v, i) => Object.is(v, b[i]));
      expect(same(get(A, m * d), ref.A)).toBe(true);
      expect(same(get(tau, r), ref.tau.subarray(0, r))).toBe(true);
      expect(same(get(diag, r), ref.diag.subarray(0, r))).toBe(true);
      if (c.pivot) expect(Array.from(new Int32Array(w.exports.memory.buffer, perm, m))).toEqual(Array.from(ref.perm));
      [A, tau, diag, perm, norms].forEach((p) => { w.free(p); });
    });
  }
});
