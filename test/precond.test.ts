// Every built-in preconditioner: the WASM ∇K and K against the plain-JS
// reference (src/reference/precond.ts, written independently from the spec;
// spectral there uses Denman–Beavers, the WASM kernel Jacobi), ∇K against
// central finite differences of K, spectral against a closed form from an SVD
// built by hand, real Adam against a JS reference, the declared flags against
// what the maps do, custom preconditioners, and names / parameter validation.
//
// Tolerances (u = 2^−53 ≈ 1.1e−16), errors measured as max|a − b| / max|b|:
// - elementwise maps (gd, adam, sign, clip-elementwise): bit-identical, since
//   WASM and JS perform the same IEEE operations entry by entry;
// - maps built from norms (normalized, clip, power, colnorm, rownorm): 1e−14,
//   the norms are summed in different orders (≤ ~10u observed);
// - spectral: 64·u·√κ with κ = (‖G‖² + ε²)/ε² the condition number of
//   S = GᵀG + ε²I. Both sides form S in floating point (absolute error u‖S‖);
//   that tilts eigenvectors by ~u‖S‖/gap, which P amplifies by √λmax/ε.
//   Observed ≤ 10·u·√κ; for κ of order 1 this is ~1e−14;
// - K: 1e−14 (spectral: the same 64·u·√κ: the small eigenvalues carry absolute error u‖S‖);
// - real Adam: 8·u·(1 + Σ β^t/(1 − β^t)); pow(β, t) may differ by an ulp between AssemblyScript and
//   JS, and 1 − β^t amplifies that by β^t/(1 − β^t); the moments themselves are bit-identical;
// - finite differences: h = 1e−5, relative 1e−7 (truncation ~h²·K‴ ≈ 1e−9 here,
//   round-off u·K/h ≈ 1e−10); a wrong ∇K is off at O(1).
import { describe, it, expect, beforeAll } from 'vitest';
import { getWasm, type Wasm } from '../src/wasm/module.js';
import {
  resolvePrecond, BUILTIN_PRECOND_NAMES, PRECONDITIONERS, PRECOND_IDS, DspgdError, parseSpec,
  gd, normalized, clip, power, colnorm, spectral, adam, sign, clipElementwise, rownorm, custom, isotropicFromH,
  type Preconditioner,
} from '../src/index.js';
import { referenceGradK, referenceK, referenceAdam } from '../src/reference/precond.js';
import { randn } from './helpers/rng.js';

let w: Wasm;
beforeAll(async () => { w = await getWasm(); });

const U = 2 ** -53;
const SPECS = ['gd', 'normalized:eps=0.3', 'clip:c=0.7', 'clip:c=50', 'power:p=3', 'power:p=1.5', 'colnorm:eps=0.2', 'spectral:eps=0.2',
  'spectral:eps=3', 'adam:eps=0.05', 'sign:eps=0.1', 'clip-elementwise:c=0.3', 'rownorm:eps=0.2'];
// k = 1, odd k, d = 1, d not a multiple of 2 or 4, k > d (rank-deficient GᵀG), and a larger k for Jacobi.
const SHAPES: [number, number][] = [[1, 1], [5, 1], [7, 2], [9, 3], [1, 4], [13, 5], [4, 8], [33, 2], [3, 7], [2, 6], [40, 16]];
const SCALES = [1e-3, 1, 30, 1e4];
const ELEMENTWISE = new Set(['gd', 'adam', 'sign', 'clip-elementwise']);

/** max|a − b| / max|b| (absolute when b = 0). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0, s = 0;
  for (let i = 0; i < b.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return s === 0 ? m : m / s;
}

/** Same bits (signed zeros distinguished, NaN equal to NaN). */
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

const sq = (G: ArrayLike<number>) => { let s = 0; for (let i = 0; i < G.length; i++) s += G[i] * G[i]; return s; };

const SENTINEL = 12345.678;

/**
 * ∇K(G) and K(G) from the WASM kernels. P and scratch start as NaN garbage
 * (kernels must not rely on zeroed buffers: the solver reuses them), each with
 * two sentinels past its end; the helper checks that G is unchanged and that
 * nothing was written past P or past precondScratchLen doubles of scratch.
 */
function evalWasm(pc: Preconditioner | string, G: Float64Array, d: number, k: number): { P: Float64Array; K: number; p: Preconditioner } {
  const p = typeof pc === 'string' ? resolvePrecond(pc) : pc;
  const e = w.exports;
  const len = d * k, id = p.wasm!.id;
  const sl = e.precondScratchLen(id, d, k);
  const pG = w.allocF64(len), pP = w.allocF64(len + 2), pp = w.allocF64(Math.max(1, p.wasm!.params.length)), ps = w.allocF64(sl + 2);
  w.f64(pG, len).set(G);
  w.f64(pp, p.wasm!.params.length).set(p.wasm!.params);
  const garbage = () => {
    w.f64(pP, len).fill(NaN); w.f64(pP + 8 * len, 2).fill(SENTINEL);
    w.f64(ps, sl).fill(NaN); w.f64(ps + 8 * sl, 2).fill(SENTINEL);
  };
  garbage();
  e.precondGrad(id, d, k, pG, pP, pp, ps);
  const P = w.f64(pP, len).slice();
  const sentP = Array.from(w.f64(pP + 8 * len, 2));
  const sentS1 = Array.from(w.f64(ps + 8 * sl, 2));
  garbage();
  const K = e.precondValue(id, d, k, pG, pp, ps);
  const sentS2 = Array.from(w.f64(ps + 8 * sl, 2));
  const Gafter = w.f64(pG, len).slice();
  for (const x of [pG, pP, pp, ps]) w.free(x);
  const where = `${p} d=${d} k=${k}`;
  expect(sentP, `${where}: wrote past P`).toEqual([SENTINEL, SENTINEL]);
  expect(sentS1, `${where}: grad wrote past scratch`).toEqual([SENTINEL, SENTINEL]);
  expect(sentS2, `${where}: value wrote past scratch`).toEqual([SENTINEL, SENTINEL]);
  expect(sameBits(Gafter, G), `${where}: G modified`).toBe(true);
  return { P, K, p };
}

function refEval(p: Preconditioner, G: Float64Array, d: number, k: number): { P: Float64Array; K: number } {
  const P = new Float64Array(d * k);
  referenceGradK(p.name, p.params, G, P, d, k);
  return { P, K: referenceK(p.name, p.params, G, d, k) };
}

/** Orthonormal columns (m×r, row-major) from random data: modified Gram–Schmidt, twice. */
function orthonormalColumns(m: number, r: number, seed: number): Float64Array {
  const A = randn(m * r, seed);
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < r; j++) {
      for (let i = 0; i < j; i++) {
        let c = 0;
        for (let t = 0; t < m; t++) c += A[t * r + i] * A[t * r + j];
        for (let t = 0; t < m; t++) A[t * r + j] -= c * A[t * r + i];
      }
      let n = 0;
      for (let t = 0; t < m; t++) n += A[t * r + j] ** 2;
      n = Math.sqrt(n);
      for (let t = 0; t < m; t++) A[t * r + j] /= n;
    }
  }
  return A;
}

describe('the WASM table', () => {
  it('ids are the contract with assembly/abi.ts: existing ids never move (new ones are appended)', () => {
    expect(PRECOND_IDS).toMatchObject({ gd: 0, normalized: 1, clip: 2, power: 3, colnorm: 4, spectral: 5, adam: 6, sign: 7, 'clip-elementwise': 8, rownorm: 9 });
    expect([...BUILTIN_PRECOND_NAMES].sort()).toEqual(Object.keys(PRECOND_IDS).sort());
    for (const name of BUILTIN_PRECOND_NAMES) expect(resolvePrecond(name).wasm!.id, name).toBe(PRECOND_IDS[name]);
  });

  it('packs the one parameter each kernel reads', () => {
    const packed = (p: Preconditioner) => Array.from(p.wasm!.params);
    expect(packed(normalized({ eps: 0.3 }))[0]).toBe(0.3);
    expect(packed(colnorm({ eps: 0.4 }))[0]).toBe(0.4);
    expect(packed(spectral({ eps: 0.5 }))[0]).toBe(0.5);
    expect(packed(adam({ eps: 0.6, beta1: 0.9 }))[0]).toBe(0.6);
    expect(packed(sign({ eps: 0.7 }))[0]).toBe(0.7);
    expect(packed(rownorm({ eps: 0.8 }))[0]).toBe(0.8);
    expect(packed(clip({ c: 2 }))[0]).toBe(2);
    expect(packed(clipElementwise({ c: 3 }))[0]).toBe(3);
    expect(packed(power({ p: 4 }))[0]).toBe(4);
  });

  it('scratch: none for the maps that need none, k for colnorm, more for spectral', () => {
    const e = w.exports;
    for (const name of BUILTIN_PRECOND_NAMES) {
      const id = PRECOND_IDS[name];
      const n = e.precondScratchLen(id, 7, 5);
      if (name === 'colnorm') expect(n).toBe(5);
      else if (name === 'spectral') expect(n).toBeGreaterThanOrEqual(2 * 25);
      else expect(n, name).toBe(0);
    }
    // (the evalWasm sentinels check that the stated length suffices)
  });
});

describe('∇K and K against the JS reference', () => {
  for (const spec of SPECS) {
    it(spec, () => {
      const p = resolvePrecond(spec);
      for (const [d, k] of SHAPES) {
        for (const scale of SCALES) {
          const G = randn(d * k, d * 31 + k + Math.round(scale * 7), scale);
          const { P, K } = evalWasm(p, G, d, k);
          const ref = refEval(p, G, d, k);
          const where = `${spec} d=${d} k=${k} scale=${scale}`;
          let tolP = 1e-14, tolK = 1e-14;
          if (p.name === 'spectral') {
            const eps = p.params.eps;
            tolP = tolK = Math.max(1e-14, 64 * U * Math.sqrt((sq(G) + eps * eps) / (eps * eps)));
          }
          if (ELEMENTWISE.has(p.name)) expect(sameBits(P, ref.P), where).toBe(true);
          else expect(relErr(P, ref.P), where).toBeLessThanOrEqual(tolP);
          expect(Math.abs(K - ref.K) / Math.abs(ref.K), `${where} K`).toBeLessThanOrEqual(tolK);
        }
      }
    });
  }

  it('G = 0: ∇K = 0 for every built-in (no 0/0), and K(0) as the formulas give', () => {
    const d = 3, k = 2, eps = 0.25;
    const K0: Record<string, number> = {
      gd: 0, normalized: eps, clip: 0, power: 0, colnorm: k * eps, spectral: k * eps, adam: 0, sign: d * k * eps, 'clip-elementwise': 0, rownorm: d * eps, lion: d * k * eps,
    };
    for (const name of BUILTIN_PRECOND_NAMES) {
      const defaults = PRECONDITIONERS[name].defaults;
      const p = PRECONDITIONERS[name].factory('eps' in defaults ? { eps } : {});
      const { P, K } = evalWasm(p, new Float64Array(d * k), d, k);
      expect(Array.from(P), name).toEqual([0, 0, 0, 0, 0, 0]);
      expect(K, name).toBeCloseTo(K0[name], 15);
    }
    // power with p < 2 at G = 0: ‖G‖^{p−2} = ∞, but the limit of ∇K is 0
    expect(Array.from(evalWasm('power:p=1.2', new Float64Array(4), 2, 2).P)).toEqual([0, 0, 0, 0]);
  });

  it('isotropic maps at a known point: G = (3, 4), ‖G‖ = 5', () => {
    const G = Float64Array.of(3, 4);
    expect(Array.from(evalWasm('clip:c=1', G, 2, 1).P)).toEqual([0.6000000000000001, 0.8]); // 3·(1/5), 4·(1/5)
    expect(evalWasm('clip:c=1', G, 2, 1).K).toBe(4.5); // c‖G‖ − c²/2
    expect(Array.from(evalWasm('clip:c=10', G, 1, 2).P)).toEqual([3, 4]);
    expect(evalWasm('clip:c=10', G, 1, 2).K).toBe(12.5);
    expect(Array.from(evalWasm('power:p=3', G, 2, 1).P)).toEqual([15, 20]);
    expect(evalWasm('power:p=3', G, 2, 1).K).toBeCloseTo(125 / 3, 13);
    expect(Array.from(evalWasm('normalized:eps=12', G, 2, 1).P)).toEqual([3 / 13, 4 / 13]);
    expect(evalWasm('normalized:eps=12', G, 2, 1).K).toBe(13);
  });
});

describe('spectral against a closed form', () => {
  it('G = U diag(σ) Vᵀ: ∇K(G) = U diag(σ/√(σ² + ε²)) Vᵀ and K = Σ √(σ² + ε²) (+ ε per missing direction)', () => {
    for (const [d, k, sig, eps] of [
      [6, 4, [1e3, 1, 1e-2, 0], 0.5],
      [9, 5, [7, 6.999, 2, 2, 0.3], 0.1], // clustered and repeated singular values
      [3, 1, [2.5], 0.2],
    ] as [number, number, number[], number][]) {
      const Uo = orthonormalColumns(d, k, 10 + d), Vo = orthonormalColumns(k, k, 20 + k);
      const G = new Float64Array(d * k), want = new Float64Array(d * k);
      for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) {
        let g = 0, p = 0;
        for (let r = 0; r < k; r++) {
          g += Uo[i * k + r] * sig[r] * Vo[j * k + r];
          p += Uo[i * k + r] * (sig[r] / Math.sqrt(sig[r] ** 2 + eps ** 2)) * Vo[j * k + r];
        }
        G[i * k + j] = g; want[i * k + j] = p;
      }
      const Kwant = sig.reduce((s, x) => s + Math.sqrt(x * x + eps * eps), 0);
      const { P, K } = evalWasm(spectral({ eps }), G, d, k);
      const tol = Math.max(1e-14, 64 * U * Math.sqrt((sq(G) + eps * eps) / (eps * eps)));
      expect(relErr(P, want), `d=${d} k=${k}`).toBeLessThanOrEqual(tol);
      expect(Math.abs(K - Kwant) / Kwant).toBeLessThanOrEqual(tol);
      // the JS reference (Denman–Beavers) against the same closed form
      const ref = refEval(spectral({ eps }), G, d, k);
      expect(relErr(ref.P, want), `reference d=${d} k=${k}`).toBeLessThanOrEqual(tol);
    }
  });

  it('with k = 1 spectral and colnorm are normalized', () => {
    const G = randn(9, 8);
    const base = evalWasm('normalized:eps=0.2', G, 9, 1).P;
    expect(relErr(evalWasm('spectral:eps=0.2', G, 9, 1).P, base)).toBeLessThanOrEqual(4 * U);
    expect(relErr(evalWasm('colnorm:eps=0.2', G, 9, 1).P, base)).toBeLessThanOrEqual(4 * U);
  });
});

describe('∇K is the gradient of K (central finite differences of the WASM K)', () => {
  const FD_SPECS = [...SPECS, 'clip-elementwise:c=5', 'power:p=2.5'];
  const FD_SHAPES: [number, number][] = [[6, 3], [5, 1], [1, 4], [3, 5]];
  for (const spec of FD_SPECS) {
    it(spec, () => {
      const p = resolvePrecond(spec);
      for (const [d, k] of FD_SHAPES) {
        const G = randn(d * k, 99 + d * k, 0.8);
        // Stay clear of the switching points, where K is only C¹.
        if (p.name === 'clip-elementwise') for (const g of G) expect(Math.abs(Math.abs(g) - p.params.c)).toBeGreaterThan(1e-3);
        if (p.name === 'clip') expect(Math.abs(Math.sqrt(sq(G)) - p.params.c)).toBeGreaterThan(1e-3);
        const { P } = evalWasm(p, G, d, k);
        const h = 1e-5;
        const fd = new Float64Array(d * k);
        for (let i = 0; i < d * k; i++) {
          const a = G.slice(), b = G.slice();
          a[i] += h; b[i] -= h;
          fd[i] = (evalWasm(p, a, d, k).K - evalWasm(p, b, d, k).K) / (2 * h);
        }
        expect(relErr(P, fd), `${spec} d=${d} k=${k}`).toBeLessThan(1e-7);
      }
    });
  }
});

describe('real Adam (adamMomentStep)', () => {
  function runSteps(Gs: Float64Array[], beta1: number, beta2: number, eps: number) {
    const len = Gs[0].length;
    const e = w.exports;
    const pG = w.allocF64(len), pM = w.allocF64(len), pV = w.allocF64(len), pP = w.allocF64(len);
    const out = Gs.map((G, t) => {
      w.f64(pG, len).set(G);
      e.adamMomentStep(len, pG, pM, pV, pP, beta1, beta2, eps, t + 1);
      return { P: w.f64(pP, len).slice(), M: w.f64(pM, len).slice(), V: w.f64(pV, len).slice() };
    });
    for (const x of [pG, pM, pV, pP]) w.free(x);
    return out;
  }

  it('matches the JS reference step by step (moments too), odd length for the SIMD tail', () => {
    const len = 11;
    const Gs = Array.from({ length: 8 }, (_, t) => randn(len, 500 + t, t + 1));
    for (const [b1, b2, eps] of [[0.9, 0.999, 1e-3], [0, 0.99, 0.05], [0.9, 0, 0.1], [0.5, 0.5, 1]]) {
      const got = runSteps(Gs, b1, b2, eps);
      const ref = referenceAdam(Gs, b1, b2, eps);
      const m = new Float64Array(len), v = new Float64Array(len);
      Gs.forEach((G, t) => {
        for (let i = 0; i < len; i++) { m[i] = b1 * m[i] + (1 - b1) * G[i]; v[i] = b2 * v[i] + (1 - b2) * G[i] * G[i]; }
        // The only difference from JS: Math.pow(β, t) in AssemblyScript vs JS `**` (≤ 1 ulp each), which
        // 1 − β^t amplifies by β^t/(1 − β^t) (cancellation; ~1000 for β2 = 0.999 at t = 1).
        const amp = 1 + b1 ** (t + 1) / (1 - b1 ** (t + 1)) + b2 ** (t + 1) / (1 - b2 ** (t + 1));
        expect(relErr(got[t].P, ref[t]), `β=(${b1}, ${b2}) t=${t + 1}`).toBeLessThanOrEqual(8 * U * amp);
        expect(sameBits(got[t].M, m) && sameBits(got[t].V, v), `moments β=(${b1}, ${b2}) t=${t + 1}`).toBe(true);
      });
    }
  });

  it('bias correction: step 1 is the stateless adam map whatever the betas', () => {
    const G = randn(7, 3);
    const [step1] = runSteps([G], 0.9, 0.999, 0.05);
    expect(relErr(step1.P, evalWasm('adam:eps=0.05', G, 7, 1).P)).toBeLessThanOrEqual(8 * U);
  });

  it('with beta1 = beta2 = 0 every step equals the adam row bit for bit, extreme entries included', () => {
    const special = Float64Array.of(1e200, -1e200, 1e-300, -5e-324, 0, -0, 3, -2.5, 1e154, 7e-160);
    const Gs = [special, ...Array.from({ length: 4 }, (_, t) => randn(13, 700 + t, 10 ** (t - 2)))].map((g) => g.slice(0, 13));
    const Gpad = Gs.map((g) => { const x = new Float64Array(13); x.set(g); return x; });
    const got = runSteps(Gpad, 0, 0, 0.05);
    Gpad.forEach((G, t) => {
      expect(sameBits(got[t].P, evalWasm('adam:eps=0.05', G, 13, 1).P), `t=${t + 1}`).toBe(true);
      expect(sameBits(got[t].M, G)).toBe(true);
    });
  });

  it('the factory: stateful only with a beta > 0, and carries the moment parameters', () => {
    expect(adam().stateful).toBe(false);
    expect(adam().adam).toBeUndefined();
    expect(adam({ beta1: 0.9 }).stateful).toBe(true);
    expect(adam({ beta2: 0.5 }).stateful).toBe(true);
    expect(adam({ eps: 1e-3, beta1: 0.9, beta2: 0.999 }).adam).toEqual({ beta1: 0.9, beta2: 0.999, eps: 1e-3 });
    expect(adam({ eps: 1e-3, beta1: 0.9, beta2: 0.999 }).params).toEqual({ eps: 1e-3, beta1: 0.9, beta2: 0.999 });
  });
});

describe('flags say what the maps do', () => {
  it('row-space preservers keep ∇K(XᵀD) in the row space of X; the others leave it', () => {
    // X is n×d with n < d; G = XᵀD is what the solver feeds ∇K. P_row = QᵀQ with Q orthonormal rows spanning X's rows.
    const n = 3, d = 8, k = 2;
    const Qt = orthonormalColumns(d, n, 31); // d×n: columns span the row space of X = (random n×n)·Qᵀ
    const A = randn(n * n, 32);
    const X = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) for (let r = 0; r < n; r++) X[i * d + j] += A[i * n + r] * Qt[j * n + r];
    const D = randn(n * k, 33, 2);
    const G = new Float64Array(d * k);
    for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) for (let i = 0; i < n; i++) G[j * k + c] += X[i * d + j] * D[i * k + c];
    const outside = (P: Float64Array) => {
      let r = 0;
      for (let c = 0; c < k; c++) {
        const coef = new Float64Array(n);
        for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) coef[s] += Qt[j * n + s] * P[j * k + c];
        for (let j = 0; j < d; j++) {
          let proj = 0;
          for (let s = 0; s < n; s++) proj += Qt[j * n + s] * coef[s];
          r += (P[j * k + c] - proj) ** 2;
        }
      }
      return Math.sqrt(r / sq(P));
    };
    for (const name of BUILTIN_PRECOND_NAMES) {
      const { P, p } = evalWasm(name, G, d, k);
      const off = outside(P);
      expect(p.preservesRowSpace, name).toBe(PRECONDITIONERS[name].preservesRowSpace);
      if (PRECONDITIONERS[name].preservesRowSpace) expect(off, name).toBeLessThan(1e-14);
      else expect(off, name).toBeGreaterThan(1e-3);
    }
    const h = isotropicFromH({ hPrime: (s) => Math.atan(s) });
    const P = new Float64Array(d * k);
    h.gradK!(G, P, d, k);
    expect(outside(P)).toBeLessThan(1e-14);
  });

  it('isotropic ones commute with rotations of the flattened G (∇K = h′(‖G‖)/‖G‖ · G); the others do not', () => {
    const d = 4, k = 2;
    const G = randn(d * k, 3);
    // a Householder reflection of the flattened G preserves ‖G‖
    const v = randn(d * k, 4);
    const vv = sq(v);
    const reflect = (x: Float64Array) => { const c = 2 * x.reduce((s, xi, i) => s + xi * v[i], 0) / vv; return x.map((xi, i) => xi - c * v[i]); };
    for (const name of BUILTIN_PRECOND_NAMES) {
      const p = resolvePrecond(name);
      const lhs = evalWasm(p, reflect(G), d, k).P;
      const rhs = reflect(evalWasm(p, G, d, k).P);
      expect(p.isotropic, name).toBe(PRECONDITIONERS[name].isotropic);
      expect(relErr(lhs, rhs) < 1e-13, name).toBe(PRECONDITIONERS[name].isotropic);
      // isotropic ⇒ row space preserved (M = scalar)
      if (p.isotropic) expect(p.preservesRowSpace, name).toBe(true);
    }
  });

  it('stateful: real Adam, and lion with beta1 > 0 (its default)', () => {
    expect(BUILTIN_PRECOND_NAMES.filter((name) => resolvePrecond(name).stateful)).toEqual(['lion']);
    expect(resolvePrecond('adam:beta1=0.9').stateful).toBe(true);
    expect(resolvePrecond('lion:beta1=0').stateful).toBe(false);
  });
});

describe('custom preconditioners', () => {
  it('custom(): flags default false, isotropic implies preservesRowSpace, toString is the name', () => {
    const gradK = (G: Float64Array, out: Float64Array) => out.set(G);
    const a = custom({ name: 'mine', gradK });
    expect([a.name, a.isotropic, a.preservesRowSpace, a.stateful, a.wasm, a.K, String(a)]).toEqual(['mine', false, false, false, undefined, undefined, 'mine']);
    expect(custom({ name: 'iso', gradK, isotropic: true }).preservesRowSpace).toBe(true);
    const b = custom({ name: 'row', gradK, preservesRowSpace: true });
    expect([b.isotropic, b.preservesRowSpace]).toEqual([false, true]);
    expect(resolvePrecond(b)).toBe(b);
    expect(Object.isFrozen(b)).toBe(true);
  });

  it('custom(): bad options raise E_PARAM naming the field', () => {
    const cases: [unknown, string][] = [
      [{ gradK: () => {} }, 'precond.name'],
      [{ name: '  ', gradK: () => {} }, 'precond.name'],
      [{ name: 'x' }, 'precond.gradK'],
      [{ name: 'x', gradK: 1 }, 'precond.gradK'],
      [{ name: 'x', gradK: () => {}, K: 'no' }, 'precond.K'],
      [null, 'precond'],
    ];
    for (const [opts, arg] of cases) {
      let err: unknown;
      try { custom(opts as Parameters<typeof custom>[0]); } catch (e) { err = e; }
      expect(err, arg).toBeInstanceOf(DspgdError);
      expect((err as DspgdError).code).toBe('E_PARAM');
      expect((err as DspgdError).argument).toBe(arg);
    }
  });

  it('isotropicFromH: h(s) = √(s² + ε²) reproduces normalized, h(s) = s²/2 reproduces gd', () => {
    const d = 7, k = 3, eps = 0.3;
    const G = randn(d * k, 77, 0.5);
    const norm = isotropicFromH({ name: 'my-normalized', hPrime: (s) => s / Math.sqrt(s * s + eps * eps), h: (s) => Math.sqrt(s * s + eps * eps) });
    expect([norm.name, norm.isotropic, norm.preservesRowSpace, norm.stateful]).toEqual(['my-normalized', true, true, false]);
    const out = new Float64Array(d * k);
    norm.gradK!(G, out, d, k);
    const want = evalWasm(normalized({ eps }), G, d, k);
    expect(relErr(out, want.P)).toBeLessThanOrEqual(1e-15);
    expect(Math.abs(norm.K!(G, d, k) - want.K) / want.K).toBeLessThanOrEqual(1e-15);

    const half = isotropicFromH({ hPrime: (s) => s, h: (s) => s * s / 2 });
    expect(half.name).toBe('isotropic');
    half.gradK!(G, out, d, k);
    expect(relErr(out, G)).toBeLessThanOrEqual(1e-15);
    expect(half.K!(G, d, k)).toBeCloseTo(sq(G) / 2, 14);
    expect(isotropicFromH({ hPrime: (s) => s }).K).toBeUndefined();
  });

  it('isotropicFromH: ∇K(0) = 0 without calling h′(0)/0, and bad functions raise E_PARAM', () => {
    const p = isotropicFromH({ hPrime: () => { throw new Error('h′ must not be evaluated at 0'); } });
    const out = new Float64Array(4).fill(NaN);
    p.gradK!(new Float64Array(4), out, 2, 2);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
    expect(() => isotropicFromH({ hPrime: 3 as unknown as (s: number) => number })).toThrow(DspgdError);
    expect(() => isotropicFromH({ hPrime: (s) => s, h: 'x' as unknown as (s: number) => number })).toThrow(/precond\.h/);
  });
});

describe('names and parameters', () => {
  it('defaults: eps = 0.1, c = 1, p = 3, adam betas 0', () => {
    expect(normalized().params).toEqual({ eps: 0.1 });
    expect(colnorm().params).toEqual({ eps: 0.1 });
    expect(spectral().params).toEqual({ eps: 0.1 });
    expect(sign().params).toEqual({ eps: 0.1 });
    expect(rownorm().params).toEqual({ eps: 0.1 });
    expect(clip().params).toEqual({ c: 1 });
    expect(clipElementwise().params).toEqual({ c: 1 });
    expect(clipElementwise().name).toBe('clip-elementwise');
    expect(power().params).toEqual({ p: 3 });
    expect(gd().params).toEqual({});
    expect(adam().params).toEqual({ eps: 0.1 });
    expect(PRECONDITIONERS.adam.defaults).toEqual({ eps: 0.1, beta1: 0, beta2: 0 });
    for (const name of BUILTIN_PRECOND_NAMES) {
      const p = PRECONDITIONERS[name].factory({});
      expect(p.name).toBe(name);
      for (const [key, value] of Object.entries(p.params)) expect(PRECONDITIONERS[name].defaults[key], `${name}.${key}`).toBe(value);
      expect(typeof PRECONDITIONERS[name].summary).toBe('string');
      expect(Object.isFrozen(p) && Object.isFrozen(p.params), name).toBe(true);
    }
  });

  it('spec strings round-trip through toString and resolvePrecond', () => {
    for (const spec of [...SPECS, 'adam:eps=0.05,beta1=0.9,beta2=0.999']) {
      const p = resolvePrecond(spec);
      expect(p.toString()).toBe(spec);
      const again = resolvePrecond(p.toString());
      expect([again.name, again.params, again.stateful]).toEqual([p.name, p.params, p.stateful]);
    }
    for (const name of BUILTIN_PRECOND_NAMES) {
      const p = resolvePrecond(name);
      expect(resolvePrecond(p.toString()).params).toEqual(p.params);
    }
    expect(resolvePrecond('adam').toString()).toBe('adam:eps=0.1');
    expect(resolvePrecond(' Spectral : eps = 0.5 ').toString()).toBe('spectral:eps=0.5');
    expect(resolvePrecond('adam:beta1=0.9').toString()).toBe('adam:eps=0.1,beta1=0.9,beta2=0');
    expect(parseSpec('adam:eps=0.05,beta1=0.9', 'x')).toEqual({ name: 'adam', params: { eps: 0.05, beta1: 0.9 } });
    const obj = adam({ eps: 0.05 });
    expect(resolvePrecond(obj)).toBe(obj);
  });

  it('out-of-range parameters raise E_PARAM naming the parameter', () => {
    const bad: [string, string][] = [
      ['normalized:eps=0', 'precond.eps'], ['sign:eps=-1', 'precond.eps'], ['colnorm:eps=-0.1', 'precond.eps'],
      ['spectral:eps=0', 'precond.eps'], ['rownorm:eps=-3', 'precond.eps'], ['adam:eps=0', 'precond.eps'],
      ['clip:c=0', 'precond.c'], ['clip-elementwise:c=-2', 'precond.c'],
      ['power:p=1', 'precond.p'], ['power:p=0.5', 'precond.p'], ['adam:beta1=1', 'precond.beta1'], ['adam:beta2=-0.1', 'precond.beta2'],
      ['spectral:eps=nan', 'precond.eps'], ['clip:c=Infinity', 'precond.c'], ['rownorm:eps=', 'precond'],
    ];
    for (const [spec, arg] of bad) {
      let err: unknown;
      try { resolvePrecond(spec); } catch (e) { err = e; }
      expect(err, spec).toBeInstanceOf(DspgdError);
      expect((err as DspgdError).code, spec).toBe('E_PARAM');
      expect((err as DspgdError).argument, spec).toBe(arg);
    }
  });

  it('factories validate their options with the same messages', () => {
    const err = (f: () => unknown) => { try { f(); } catch (e) { return e as DspgdError; } throw new Error('did not throw'); };
    expect(err(() => normalized({ eps: -1 })).message).toBe('precond.eps: expected a number > 0, got -1');
    expect(err(() => power({ p: 1 })).message).toBe('precond.p: expected a number > 1, got 1');
    expect(err(() => adam({ beta2: 1 })).message).toBe('precond.beta2: expected a number in [0, 1), got 1');
    expect(err(() => clip({ c: Infinity })).code).toBe('E_PARAM');
    expect(err(() => sign({ eps: NaN })).code).toBe('E_PARAM');
    const unknown = err(() => normalized({ epsilon: 1 } as { eps?: number }));
    expect([unknown.code, unknown.argument]).toEqual(['E_UNKNOWN_NAME', 'precond.epsilon']);
    expect(err(() => gd({ eps: 1 } as unknown as Record<string, never>)).code).toBe('E_UNKNOWN_NAME');
  });

  it('unknown names and keys raise E_UNKNOWN_NAME listing what is known', () => {
    for (const name of ['muon', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      let e: unknown;
      try { resolvePrecond(name); } catch (x) { e = x; }
      expect(e, name).toBeInstanceOf(DspgdError);
      expect((e as DspgdError).code, name).toBe('E_UNKNOWN_NAME');
      expect((e as DspgdError).argument).toBe('precond');
      expect((e as DspgdError).message).toContain(`known: ${BUILTIN_PRECOND_NAMES.join(', ')}`);
    }
    expect(() => resolvePrecond('gd:eps=1')).toThrow(/takes none/);
    expect(() => resolvePrecond('clip:eps=1')).toThrow(/allowed: c/);
  });

  it('the argument name follows the caller (CLI: --precond)', () => {
    let e: DspgdError | undefined;
    try { resolvePrecond('adam:eps=-1', '--precond'); } catch (x) { e = x as DspgdError; }
    expect(e?.argument).toBe('--precond.eps');
    expect(e?.message).toMatch(/^--precond\.eps: /);
    try { resolvePrecond('nope', '--precond'); } catch (x) { e = x as DspgdError; }
    expect([e?.code, e?.argument]).toEqual(['E_UNKNOWN_NAME', '--precond']);
    for (const bad of [42, null, {}, { name: 'x' }]) {
      try { resolvePrecond(bad as unknown as string); e = undefined; } catch (x) { e = x as DspgdError; }
      expect(e?.code, JSON.stringify(bad)).toBe('E_PARAM');
    }
  });
});
