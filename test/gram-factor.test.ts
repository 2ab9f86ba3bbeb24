// The Gram route to X⁺ (Cholesky of XXᵀ + refinement through X) against the LQ
// factorization and the NumPy/LAPACK fixtures; and that a large problem takes it
// without a copy of X.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { getWasm, type Wasm } from '../src/wasm/module.js';
import { factorRowSpace, gdLimit } from '../src/linalg/index.js';
import { factorGram } from '../src/linalg/gram-factor.js';
import { generate, solve } from '../src/index.js';
import { GRAM_ROUTE_MIN_ENTRIES } from '../src/problem.js';
import { randn } from './helpers/rng.js';
import { relFro } from './helpers/svd.js';

let w: Wasm;
beforeAll(async () => {
  w = await getWasm();
});
const put = (a: ArrayLike<number>) => { const p = w.allocF64(a.length); w.f64(p, a.length).set(a); return p; };
const get = (p: number, len: number) => Float64Array.from(w.f64(p, len));
const gramOf = (pX: number, n: number, d: number) => { const g = w.allocF64(n * n); w.exports.gramXXt(n, d, pX, g); return g; };

interface Case { name: string; n: number; d: number; k: number; X: number[]; Y: number[]; W0: number[]; W: number[]; rank: number; interpolates: boolean }
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/linalg_lstsq.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('Gram route', () => {
  for (const c of fixtures.cases) {
    it(`${c.name}: ${c.n <= c.d && c.rank === c.n ? 'W_GD∞ matches LAPACK to 1e-10' : 'declined (LQ handles it)'}`, () => {
      const { n, d, k } = c;
      const pX = put(c.X), pY = put(c.Y), pW0 = put(c.W0), out = w.allocF64(d * k), g = gramOf(pX, n, d);
      const f = factorGram(w, pX, n, d, g);
      if (n > d || c.rank < n) {
        expect(f).toBeUndefined();
      } else {
        expect(f).toBeDefined();
        const res = gdLimit(w, f!, pX, pY, pW0, k, out);
        const W = get(out, d * k);
        const step = W.map((v, i) => v - c.W0[i]), refStep = c.W.map((v, i) => v - c.W0[i]);
        expect(relFro(step, refStep)).toBeLessThanOrEqual(1e-10);
        expect(res.interpolates).toBe(true);
        expect(res.rank).toBe(n);
        f!.dispose();
      }
      [pX, pY, pW0, out, g].forEach((p) => w.free(p));
    });
  }

  for (const [n, d, k] of [[5, 12, 2], [30, 100, 3], [17, 17, 1]]) {
    it(`n=${n}, d=${d}, k=${k}: X⁺B, P_row and the split agree with the LQ factorization`, () => {
      const X = randn(n * d, n * d + 1), B = randn(n * k, 3), V = randn(d * k, 4);
      const pX = put(X), pB = put(B), pV = put(V), g = gramOf(pX, n, d);
      const fg = factorGram(w, pX, n, d, g)!, fl = factorRowSpace(w, pX, n, d);
      const o1 = w.allocF64(d * k), o2 = w.allocF64(d * k);
      fg.pinv(pB, k, o1); fl.pinv(pB, k, o2);
      expect(relFro(get(o1, d * k), get(o2, d * k))).toBeLessThan(1e-12);
      fg.projectRow(pV, k, o1); fl.projectRow(pV, k, o2);
      expect(relFro(get(o1, d * k), get(o2, d * k))).toBeLessThan(1e-12);
      const s1 = fg.split(pV, k), s2 = fl.split(pV, k);
      expect(Math.abs(s1.row - s2.row) / s2.row).toBeLessThan(1e-12);
      expect(Math.abs(s1.null - s2.null) / Math.max(s2.null, 1e-300)).toBeLessThan(n === d ? Infinity : 1e-10);
      expect(fg.singularEstimate.max).toBeGreaterThan(0);
      // Without a cached Gram matrix the factor builds its own, in place: the same bits.
      const fh = factorGram(w, pX, n, d)!;
      fg.pinv(pB, k, o1); fh.pinv(pB, k, o2);
      expect(Buffer.from(get(o1, d * k).buffer).equals(Buffer.from(get(o2, d * k).buffer))).toBe(true);
      fg.dispose(); fl.dispose(); fh.dispose();
      [pX, pB, pV, g, o1, o2].forEach((p) => w.free(p));
    });
  }

  it('declines a nearly rank-deficient X (cond ≈ 1e9)', () => {
    const n = 6, d = 20;
    const X = randn(n * d, 77);
    for (let j = 0; j < d; j++) X[5 * d + j] = X[4 * d + j] + 1e-9 * X[3 * d + j];
    const pX = put(X), g = gramOf(pX, n, d);
    expect(factorGram(w, pX, n, d, g)).toBeUndefined();
    w.free(pX); w.free(g);
  });

  it('a large problem reaches the GD limit without a copy of X, and the report agrees with the LQ route', async () => {
    const n = 64, d = GRAM_ROUTE_MIN_ENTRIES / 64 + 3, k = 2;
    const p = await generate({ n, d, k, seed: 4, w0: 'gaussian', w0Scale: 0.1 });
    const before = w.exports.memoryBytes();
    const gd = p.gdLimit();
    const grown = w.exports.memoryBytes() - before;
    expect(grown).toBeLessThan(n * d * 8 / 2);
    // The LQ route on the same data, for comparison.
    const f = factorRowSpace(w, p.ptr.X, n, d), out = w.allocF64(d * k);
    gdLimit(w, f, p.ptr.X, p.ptr.Y, p.ptr.W0, k, out);
    const W0 = Float64Array.from(p.W0.data);
    const ref = get(out, d * k);
    expect(relFro(Float64Array.from(gd.data).map((v, i) => v - W0[i]), ref.map((v, i) => v - W0[i]))).toBeLessThan(1e-12);
    const r = await solve(p, { precond: 'gd', lr: 'auto', tol: 1e-12, maxIter: 20000 });
    expect(r.status).toBe('converged');
    expect(r.bias!.relDistToGD).toBeLessThan(1e-9);
    expect(r.bias!.nullspaceNorm).toBeLessThan(1e-9 * r.bias!.rowspaceNorm);
    f.dispose(); w.free(out); p.dispose();
  });
});
