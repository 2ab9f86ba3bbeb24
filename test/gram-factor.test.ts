// The Gram route to X⁺ (Cholesky of XXᵀ + refinement through X) against the LQ
// factorization and the NumPy/LAPACK fixtures; and that a large problem takes it
// without a copy of X.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { getWasm, type Wasm } from '../src/wasm/module.js';
import { factorRowSpace, gdLimit } from '../src/linalg/index.js';
import { factorGram, residualDD } from '../src/linalg/gram-factor.js';
import { generate, solve } from '../src/index.js';
import { GRAM_ROUTE_MIN_ENTRIES } from '../src/problem.js';
import { randn } from './helpers/rng.js';
import { relFro, jacobiSvd, fro } from './helpers/svd.js';

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
        expect(f?.rank).toBe(n);
        const res = gdLimit(w, f!, pX, pY, pW0, k, out);
        const W = get(out, d * k);
        const step = W.map((v, i) => v - c.W0[i]), refStep = c.W.map((v, i) => v - c.W0[i]);
        expect(relFro(step, refStep)).toBeLessThanOrEqual(1e-10);
        expect(res.interpolates).toBe(true);
        expect(res.rank).toBe(n);
        f!.dispose();
      }
      [pX, pY, pW0, out, g].forEach((p) => { w.free(p); });
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
      [pX, pB, pV, g, o1, o2].forEach((p) => { w.free(p); });
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

  it('the null-space part at cond(X) = 1e5 is measured directly: round-off for V in the row space, the Jacobi SVD\'s value otherwise', () => {
    const n = 8, d = 30, k = 2;
    // X = U·diag(s)·Q with U, Q orthonormal (Gram–Schmidt twice, plain JS), s from 1 to 1e-5.
    const orth = (m: number, len: number, seed: number) => {
      const G = randn(m * len, seed);
      const R = Array.from({ length: m }, (_, j) => Float64Array.from(G.subarray(j * len, (j + 1) * len)));
      for (let pass = 0; pass < 2; pass++) {
        R.forEach((q, j) => {
          for (let l = 0; l < j; l++) { let t = 0; for (let i = 0; i < len; i++) t += R[l]![i]! * q[i]!; for (let i = 0; i < len; i++) q[i]! -= t * R[l]![i]!; }
          const nr = fro(q); for (let i = 0; i < len; i++) q[i]! /= nr;
        });
      }
      return R;
    };
    const Q = orth(n, d, 91), Ut = orth(n, n, 92);
    const sv = Array.from({ length: n }, (_, a) => 10 ** (-5 * a / (n - 1)));
    const X = new Float64Array(n * d);
    for (let a = 0; a < n; a++) for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) X[i * d + j] += Ut[a]![i]! * sv[a]! * Q[a]![j]!;
    // V = Xᵀ·A in exact (BigInt) arithmetic, rounded once: in the row space of the stored X up to
    // ε‖V‖. A = U·diag(1/s)·C puts V along the small singular directions (‖A‖ ≈ 1e5·‖V‖), where
    // V − fl(XᵀA) would carry an error of about ε·1e5·‖V‖.
    const A = new Float64Array(n * k);
    for (let c = 0; c < k; c++) for (let a = 0; a < n; a++) for (let i = 0; i < n; i++) A[i * k + c] += Ut[a]![i]! * ((a + 1 + c) / n) / sv[a]!;
    const V = new Float64Array(d * k);
    for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) V[j * k + c] = exactDot(Array.from({ length: n }, (_, i) => X[i * d + j]!), Array.from({ length: n }, (_, i) => A[i * k + c]!));
    const pX = put(X), g = gramOf(pX, n, d);
    const fg = factorGram(w, pX, n, d, g)!, fl = factorRowSpace(w, pX, n, d);
    // cond(X) = 1e5 is inside the Gram route's range (below ~1e6): both routes see the full row rank.
    expect([fg?.rank, fl.rank]).toEqual([n, n]);
    const vn = fro(V);
    const pV = put(V);
    const sg = fg.split(pV, k), sl = fl.split(pV, k);
    expect(sg.null, `Gram route: ${sg.null}`).toBeLessThanOrEqual(20 * 2.2e-16 * vn);
    // The LQ route's null space is that of X + δX with ‖δX‖ ≈ ε‖X‖ (backward stable), which is
    // tilted by ≈ ε·cond(X) against X's: there the bound is ε·cond·‖V‖ (measured 5.5e-12).
    expect(sl.null, `LQ route: ${sl.null}`).toBeLessThanOrEqual(100 * 2.2e-16 * 1e5 * vn);
    expect(Math.abs(sg.row - vn) / vn).toBeLessThan(1e-12);
    // With a null-space part of 1e-6: the Jacobi SVD's projection of the same V (X's row space
    // from an independent SVD of the stored X), to 1e-8 relative.
    const eta = 1e-6, q = randn(d * k, 93);
    const V2 = V.map((v, i) => v + eta * q[i]!);
    const svd = jacobiSvd(Array.from({ length: n }, (_, i) => Float64Array.from(X.subarray(i * d, (i + 1) * d))), d);
    let ref2 = 0;
    for (let c = 0; c < k; c++) {
      const r = Float64Array.from({ length: d }, (_, j) => eta * q[j * k + c]!); // V's own row-space part drops out exactly
      for (const b of svd.U) { let t = 0; for (let i = 0; i < d; i++) t += b[i]! * r[i]!; for (let i = 0; i < d; i++) r[i]! -= t * b[i]!; }
      ref2 += fro(r) ** 2;
    }
    ref2 = Math.sqrt(ref2);
    const pV2 = put(V2);
    expect(Math.abs(fg.split(pV2, k).null - ref2) / ref2).toBeLessThan(1e-9); // measured 7e-12
    expect(Math.abs(fl.split(pV2, k).null - ref2)).toBeLessThanOrEqual(100 * 2.2e-16 * 1e5 * vn); // ε·cond·‖V‖ again
    fg.dispose(); fl.dispose(); [pX, g, pV, pV2].forEach((p) => { w.free(p); });
  });
});

describe('split work memory', () => {
  it('residualDD in column blocks: bit for bit the plain row-by-row double-double accumulation (d×k low parts)', () => {
    // d across three blocks of 256 columns (the last one partial) and within one block; z with zeros.
    for (const [n, d, k] of [[7, 2 * 256 + 37, 3], [5, 40, 1]] as const) {
      const X = randn(n * d, 901 + d), z = randn(n * k, 902 + d), V = randn(d * k, 903 + d);
      for (let q = 0; q < n * k; q += 4) z[q] = 0;
      const got = Float64Array.from(V);
      residualDD(Float64Array.from(X), Float64Array.from(z), n, d, k, got);
      // The reference: rows in order, every entry's low part in a d×k array, added at the end.
      const ref = Float64Array.from(V), lo = new Float64Array(d * k), SPLIT = 134217729;
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < k; c++) {
          const b = -z[i * k + c]!;
          if (b === 0) continue;
          const tb = SPLIT * b, bh = tb - (tb - b), bl = b - bh;
          for (let j = 0; j < d; j++) {
            const a = X[i * d + j]!, p = a * b;
            const ta = SPLIT * a, ah = ta - (ta - a), al = a - ah;
            const ep = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
            const o = j * k + c, h = ref[o]!, s = h + p, bb = s - h;
            ref[o] = s;
            lo[o] += (h - (s - bb)) + (p - bb) + ep;
          }
        }
      }
      for (let o = 0; o < d * k; o++) ref[o] += lo[o]!;
      expect(Buffer.from(got.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
      // And it is the compensated V − Xᵀz: against the exact dot product, within an ulp or two.
      for (const o of [0, d * k - 1, 5 * k + (k - 1)]) {
        const j = Math.floor(o / k), c = o % k;
        const xs = [1, ...Array.from({ length: n }, (_, i) => X[i * d + j]!)], ys = [V[o]!, ...Array.from({ length: n }, (_, i) => -z[i * k + c]!)];
        expect(Math.abs(got[o]! - exactDot(xs, ys))).toBeLessThanOrEqual(4 * 2.2e-16 * Math.abs(exactDot(xs, ys)));
      }
    }
  });

  it('splitDiff(A, B) is split(A − B) bit for bit on both routes, in lent buffers or its own; A and B stay intact', () => {
    const n = 9, d = 300, k = 2;
    const X = randn(n * d, 911), A = randn(d * k, 912), B = randn(d * k, 913);
    const pX = put(X), pA = put(A), pB = put(B), pD = w.allocF64(d * k), lent = [w.allocF64(d * k), w.allocF64(d * k)];
    w.exports.sub(d * k, pA, pB, pD);
    for (const f of [factorGram(w, pX, n, d)!, factorRowSpace(w, pX, n, d)]) {
      const ref = f.split(pD, k);
      expect(ref.row).toBeGreaterThan(0);
      expect(ref.null).toBeGreaterThan(0);
      for (const work of [undefined, lent.slice(0, 1), lent]) {
        const inUse = w.bytesInUse();
        const s = f.splitDiff(pA, pB, k, work);
        expect(w.bytesInUse()).toBe(inUse);
        expect([s.row, s.null]).toEqual([ref.row, ref.null]);
        expect(Array.from(get(pA, d * k))).toEqual(Array.from(A));
        expect(Array.from(get(pB, d * k))).toEqual(Array.from(B));
      }
      f.dispose();
    }
    [pX, pA, pB, pD, ...lent].forEach((p) => { w.free(p); });
  });
});

/** Σ x_i·y_i exactly (BigInt on the doubles' integer mantissas), rounded to float64 once. */
function exactDot(xs: number[], ys: number[]): number {
  const parts = (x: number): [bigint, number] => {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, x);
    const hi = dv.getUint32(0), lo = dv.getUint32(4);
    const e = (hi >>> 20) & 0x7ff;
    let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    if (e > 0) m |= 1n << 52n;
    return [x < 0 ? -m : m, (e > 0 ? e : 1) - 1075];
  };
  const terms = xs.map((x, i) => { const [mx, ex] = parts(x), [my, ey] = parts(ys[i]!); return [mx * my, ex + ey] as [bigint, number]; }).filter(([m]) => m !== 0n);
  if (!terms.length) return 0;
  const E = Math.min(...terms.map(([, e]) => e));
  const S = terms.reduce((s, [m, e]) => s + (m << BigInt(e - E)), 0n);
  if (S === 0n) return 0;
  const mag = S < 0n ? -S : S;
  const shift = Math.max(0, mag.toString(2).length - 64);
  // Keep a sticky bit so that the one rounding to 53 bits is to nearest.
  const kept = (mag >> BigInt(shift)) | (mag & ((1n << BigInt(shift)) - 1n) ? 1n : 0n);
  return (S < 0n ? -1 : 1) * Number(kept) * 2 ** (E + shift);
}
