// Every built-in preconditioner: the WASM ∇K and K against the plain-JS
// reference (written independently from the spec), ∇K against central finite
// differences of K, real Adam against a JS reference, the declared flags
// against what the maps do, and parameter validation.
import { describe, it, expect, beforeAll } from 'vitest';
import { getWasm, type Wasm } from '../src/wasm/module.js';
import { resolvePrecond, BUILTIN_PRECOND_NAMES, PRECONDITIONERS, adam, spectral, DspgdError, parseSpec } from '../src/index.js';
import { referenceGradK, referenceK, referenceAdam } from '../src/reference/precond.js';
import { randn, relMaxDiff } from './helpers/rng.js';

let w: Wasm;
beforeAll(async () => { w = await getWasm(); });

const SPECS = ['gd', 'normalized:eps=0.3', 'clip:c=0.7', 'power:p=3', 'power:p=1.5', 'colnorm:eps=0.2', 'spectral:eps=0.2',
  'adam:eps=0.05', 'sign:eps=0.1', 'clip-elementwise:c=0.3', 'rownorm:eps=0.2'];
const SHAPES: [number, number][] = [[1, 1], [5, 1], [7, 2], [9, 3], [1, 4], [13, 5], [4, 8], [33, 2]];

function evalWasm(spec: string, G: Float64Array, d: number, k: number) {
  const p = resolvePrecond(spec);
  const e = w.exports;
  const pG = w.allocF64(d * k), pP = w.allocF64(d * k), pp = w.allocF64(1), ps = w.allocF64(Math.max(1, e.precondScratchLen(p.wasm!.id, d, k)));
  w.f64(pG, d * k).set(G);
  w.f64(pp, 1).set(p.wasm!.params);
  e.precondGrad(p.wasm!.id, d, k, pG, pP, pp, ps);
  const P = w.f64(pP, d * k).slice();
  const K = e.precondValue(p.wasm!.id, d, k, pG, pp, ps);
  for (const x of [pG, pP, pp, ps]) w.free(x);
  return { P, K, p };
}

describe('∇K and K against the JS reference', () => {
  for (const spec of SPECS) {
    it(spec, () => {
      for (const [d, k] of SHAPES) {
        for (const scale of [0.01, 1, 30]) {
          const G = randn(d * k, d * 31 + k + Math.round(scale * 7), scale);
          const { P, K, p } = evalWasm(spec, G, d, k);
          const Pref = new Float64Array(d * k);
          referenceGradK(p.name, p.params, G, Pref, d, k);
          const Kref = referenceK(p.name, p.params, G, d, k);
          expect(relMaxDiff(P, Pref), `${spec} d=${d} k=${k} scale=${scale}`).toBeLessThan(1e-12);
          expect(Math.abs(K - Kref) / Math.max(1, Math.abs(Kref)), `${spec} K d=${d} k=${k}`).toBeLessThan(1e-12);
        }
      }
    });
  }

  it('G = 0 gives ∇K = 0 for every built-in (no 0/0)', () => {
    for (const spec of SPECS) {
      const { P } = evalWasm(spec, new Float64Array(6), 3, 2);
      expect(Array.from(P), spec).toEqual([0, 0, 0, 0, 0, 0]);
    }
  });
});

describe('∇K is the gradient of K (central finite differences)', () => {
  // clip and clip-elementwise are C¹ (kinks only in the second derivative), adam too; all smooth enough for h = 1e-6 away from the switching points.
  for (const spec of SPECS) {
    it(spec, () => {
      const d = 6, k = 3;
      const G = randn(d * k, 99, 0.8);
      const { P } = evalWasm(spec, G, d, k);
      const h = 1e-6;
      const fd = new Float64Array(d * k);
      for (let i = 0; i < d * k; i++) {
        const a = G.slice(), b = G.slice();
        a[i] += h; b[i] -= h;
        fd[i] = (evalWasm(spec, a, d, k).K - evalWasm(spec, b, d, k).K) / (2 * h);
      }
      expect(relMaxDiff(P, fd)).toBeLessThan(1e-7);
    });
  }
});

describe('real Adam', () => {
  it('matches the JS reference over 6 steps and with betas 0 equals the stateless adam row bit for bit', () => {
    const len = 11;
    const Gs = Array.from({ length: 6 }, (_, t) => randn(len, 500 + t));
    const e = w.exports;
    const pG = w.allocF64(len), pM = w.allocF64(len), pV = w.allocF64(len), pP = w.allocF64(len);
    const ref = referenceAdam(Gs, 0.9, 0.999, 1e-3);
    Gs.forEach((G, t) => {
      w.f64(pG, len).set(G);
      e.adamMomentStep(len, pG, pM, pV, pP, 0.9, 0.999, 1e-3, t + 1);
      expect(relMaxDiff(w.f64(pP, len), ref[t])).toBeLessThan(1e-13);
    });
    w.f64(pM, len).fill(0); w.f64(pV, len).fill(0);
    w.f64(pG, len).set(Gs[0]);
    e.adamMomentStep(len, pG, pM, pV, pP, 0, 0, 0.05, 1);
    expect(w.f64(pP, len).slice()).toEqual(evalWasm('adam:eps=0.05', Gs[0], len, 1).P);
    for (const p of [pG, pM, pV, pP]) w.free(p);
    expect(adam({ beta1: 0.9 }).stateful).toBe(true);
    expect(adam().stateful).toBe(false);
  });
});

describe('flags say what the maps do', () => {
  it('row-space preservers are G·M: ∇K(G)ᵀ lies in the span of Gᵀ, and the others are not', () => {
    // For G = a bᵀ (rank one, d×k), G·M = a (Mᵀb)ᵀ keeps every column parallel to a.
    const d = 7, k = 3;
    const a = randn(d, 1), b = randn(k, 2);
    const G = new Float64Array(d * k);
    for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) G[i * k + j] = a[i] * b[j];
    for (const name of BUILTIN_PRECOND_NAMES) {
      const { P, p } = evalWasm(name, G, d, k);
      // residual of projecting each column of P onto a
      const aa = a.reduce((s, x) => s + x * x, 0);
      let resid = 0, total = 0;
      for (let j = 0; j < k; j++) {
        let c = 0;
        for (let i = 0; i < d; i++) c += P[i * k + j] * a[i];
        for (let i = 0; i < d; i++) { resid += (P[i * k + j] - (c / aa) * a[i]) ** 2; total += P[i * k + j] ** 2; }
      }
      const inSpan = Math.sqrt(resid / total) < 1e-12;
      expect(inSpan, name).toBe(PRECONDITIONERS[name].preservesRowSpace);
      expect(p.preservesRowSpace).toBe(PRECONDITIONERS[name].preservesRowSpace);
    }
  });

  it('isotropic ones are h′(‖G‖)/‖G‖ · G: rotating G rotates ∇K(G)', () => {
    const d = 4, k = 2;
    const G = randn(d * k, 3);
    // a Householder reflection of the flattened G preserves ‖G‖
    const v = randn(d * k, 4);
    const vv = v.reduce((s, x) => s + x * x, 0);
    const reflect = (x: Float64Array) => { const c = 2 * x.reduce((s, xi, i) => s + xi * v[i], 0) / vv; return x.map((xi, i) => xi - c * v[i]); };
    for (const name of BUILTIN_PRECOND_NAMES) {
      const lhs = evalWasm(name, reflect(G), d, k).P;
      const rhs = reflect(evalWasm(name, G, d, k).P);
      expect(relMaxDiff(lhs, rhs) < 1e-12, name).toBe(PRECONDITIONERS[name].isotropic);
    }
  });

  it('spectral with k = 1 is normalized, and colnorm with k = 1 too', () => {
    const G = randn(9, 8);
    const base = evalWasm('normalized:eps=0.2', G, 9, 1).P;
    expect(relMaxDiff(evalWasm('spectral:eps=0.2', G, 9, 1).P, base)).toBeLessThan(1e-14);
    expect(relMaxDiff(evalWasm('colnorm:eps=0.2', G, 9, 1).P, base)).toBeLessThan(1e-14);
  });

  it('spectral: singular values of ∇K(G) are σ/√(σ² + ε²)', () => {
    // With orthonormal columns scaled by σ_j, G·(GᵀG + ε²)^{-1/2} scales column j to σ_j/√(σ_j² + ε²).
    const d = 5, k = 3, eps = 0.5, sig = [3, 1, 0.2];
    const G = new Float64Array(d * k);
    for (let j = 0; j < k; j++) G[j * k + j] = sig[j];
    const { P } = evalWasm(`spectral:eps=${eps}`, G, d, k);
    for (let j = 0; j < k; j++) expect(P[j * k + j]).toBeCloseTo(sig[j] / Math.sqrt(sig[j] ** 2 + eps ** 2), 14);
    expect(spectral().preservesRowSpace).toBe(true);
  });
});

describe('names and parameters', () => {
  it('spec strings round-trip through toString', () => {
    for (const spec of SPECS) expect(resolvePrecond(spec).toString()).toBe(spec);
    expect(resolvePrecond('adam').toString()).toBe('adam:eps=0.1');
    expect(parseSpec('adam:eps=0.05,beta1=0.9', 'x')).toEqual({ name: 'adam', params: { eps: 0.05, beta1: 0.9 } });
  });

  it('out-of-range parameters raise E_PARAM naming the parameter', () => {
    const bad: [string, string][] = [
      ['normalized:eps=0', 'precond.eps'], ['sign:eps=-1', 'precond.eps'], ['clip:c=0', 'precond.c'], ['clip-elementwise:c=-2', 'precond.c'],
      ['power:p=1', 'precond.p'], ['power:p=0.5', 'precond.p'], ['adam:beta1=1', 'precond.beta1'], ['adam:beta2=-0.1', 'precond.beta2'],
      ['spectral:eps=nan', 'precond.eps'], ['rownorm:eps=', 'precond'],
    ];
    for (const [spec, arg] of bad) {
      let err: unknown;
      try { resolvePrecond(spec); } catch (e) { err = e; }
      expect(err, spec).toBeInstanceOf(DspgdError);
      expect((err as DspgdError).code, spec).toBe('E_PARAM');
      expect((err as DspgdError).argument, spec).toBe(arg);
    }
  });

  it('unknown names and keys raise E_UNKNOWN_NAME listing what is known', () => {
    expect(() => resolvePrecond('muon')).toThrow(/known: gd, normalized/);
    expect(() => resolvePrecond('gd:eps=1')).toThrow(/takes none/);
    expect(() => resolvePrecond('clip:eps=1')).toThrow(/allowed: c/);
  });
});
