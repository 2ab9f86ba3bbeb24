// The preconditioners that square entries (normalized, clip, power, colnorm,
// rownorm, sign, spectral) over the whole float64 range. Each is homogeneous:
//   ∇K_{sε}(sG) = ∇K_ε(G) and K_{sε}(sG) = s·K_ε(G)  (normalized, colnorm, rownorm, sign, spectral),
//   ∇K_{sc}(sG) = s·∇K_c(G)                          (clip),
//   ∇K(sG) = s^{p−1}·∇K(G)                            (power),
// so the kernels at |g| ~ 1e±300 (where g² over/underflows) must agree with
// themselves at |g| ~ 1. Inside [1e−100, 1e100] the kernels compute exactly
// the spec's squares, bit-identical to the build before the scaled fallback
// (checked when it was added: 21,000 calls, 0 differences).
import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { getWasm, type Wasm } from '../../src/wasm/module.js';
import { PRECOND_IDS } from '../../src/index.js';
import { budget } from './arbitraries.js';

let w: Wasm;
beforeAll(async () => { w = await getWasm(); });

/** ∇K and K of built-in `name` with parameter `param` at G (d×k). */
function run(name: keyof typeof PRECOND_IDS, param: number, G: Float64Array, d: number, k: number): { P: Float64Array; K: number } {
  const id = PRECOND_IDS[name];
  const e = w.exports;
  const pG = w.allocF64(d * k), pP = w.allocF64(d * k), pp = w.allocF64(1), ps = w.allocF64(Math.max(1, e.precondScratchLen(id, d, k)));
  try {
    w.f64(pG, d * k).set(G);
    w.f64(pp, 1)[0] = param;
    e.precondGrad(id, d, k, pG, pP, pp, ps);
    const K = e.precondValue(id, d, k, pG, pp, ps);
    return { P: w.f64(pP, d * k).slice(), K };
  } finally {
    for (const p of [pG, pP, pp, ps]) w.free(p);
  }
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0, s = 0;
  for (let i = 0; i < b.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return s === 0 ? m : m / s;
}

const SCALES = [1e-300, 1e-250, 1e-200, 1e-160, 1e160, 1e200, 1e250, 1e300];
const gradient = fc.record({ d: fc.integer({ min: 1, max: 12 }), k: fc.integer({ min: 1, max: 5 }) }).chain(({ d, k }) =>
  fc.record({
    d: fc.constant(d), k: fc.constant(k),
    // Entries 0 or of magnitude in [1e−3, 4], so that sG is exactly representable up to rounding (no subnormals).
    G: fc.array(fc.integer({ min: -4000, max: 4000 }), { minLength: d * k, maxLength: d * k }).map((a) => Float64Array.from(a, (i) => i / 1000)),
    eps: fc.double({ min: 0.05, max: 5, noNaN: true }),
    s: fc.constantFrom(...SCALES),
  }));
// Spectral: 64·u·√κ like test/precond.test.ts, with κ = (‖G‖² + ε²)/ε² ≤ (16·d·k + 25)/0.0025.
const TOL: Record<string, (d: number, k: number) => number> = {
  normalized: () => 1e-14, colnorm: () => 1e-14, rownorm: () => 1e-14, sign: () => 1e-15, clip: () => 1e-14, power: () => 1e-13,
  spectral: (d, k) => 64 * 2 ** -53 * Math.sqrt((16 * d * k + 25) / 0.0025),
};

describe('degree-0 maps: ∇K_{sε}(sG) = ∇K_ε(G), K_{sε}(sG) = s·K_ε(G)', () => {
  for (const name of ['normalized', 'colnorm', 'rownorm', 'sign', 'spectral'] as const) {
    it(`${name} for s from 1e−300 to 1e300`, () => {
      fc.assert(fc.property(gradient, ({ d, k, G, eps, s }) => {
        const base = run(name, eps, G, d, k);
        const scaled = run(name, eps * s, G.map((g) => g * s), d, k);
        expect(scaled.P.every(Number.isFinite), `${name} s=${s}: non-finite ∇K`).toBe(true);
        expect(relErr(scaled.P, base.P)).toBeLessThanOrEqual(TOL[name](d, k));
        expect(Math.abs(scaled.K / s - base.K) / base.K).toBeLessThanOrEqual(TOL[name](d, k));
      }), budget(300, 3000));
    });
  }

  it('G = 0 with a tiny ε gives ∇K = 0 and K = ε·(count), not NaN (ε² underflows to 0)', () => {
    for (const name of ['normalized', 'colnorm', 'rownorm', 'sign', 'spectral'] as const) {
      for (const eps of [1e-170, 1e-200, 1e-300, 5e-324]) {
        const r = run(name, eps, new Float64Array(6), 3, 2);
        expect(Array.from(r.P), `${name} eps=${eps}`).toEqual([0, 0, 0, 0, 0, 0]);
        const count = name === 'normalized' ? 1 : name === 'colnorm' || name === 'spectral' ? 2 : name === 'rownorm' ? 3 : 6;
        expect(Math.abs(r.K - count * eps) <= 4 * Number.EPSILON * count * eps, `${name} eps=${eps}: K = ${r.K}`).toBe(true);
      }
    }
  });

  it('one huge entry: sign and normalized map it to ±1 (was 0 when g² overflowed)', () => {
    const G = Float64Array.from([1e200, -3, -1e300, 0]);
    expect(Array.from(run('sign', 0.1, G, 4, 1).P)).toEqual([1, -3 / Math.sqrt(9.01), -1, 0]);
    const n = run('normalized', 0.1, G, 4, 1).P;
    expect(n[2]).toBe(-1);
    expect(Math.abs(n[0] - 1e-100)).toBeLessThan(1e-114);
  });
});

describe('clip and power', () => {
  it('clip: ∇K_{sc}(sG) = s·∇K_c(G)', () => {
    fc.assert(fc.property(gradient, ({ d, k, G, eps: c, s }) => {
      const base = run('clip', c, G, d, k);
      const scaled = run('clip', c * s, G.map((g) => g * s), d, k);
      expect(relErr(scaled.P.map((x) => x / s), base.P)).toBeLessThanOrEqual(TOL.clip(d, k));
    }), budget(300, 2000));
  });

  it('power: ∇K(sG) = s^{p−1}·∇K(G) wherever that is representable', () => {
    const p = fc.double({ min: 1.1, max: 2.9, noNaN: true });
    fc.assert(fc.property(gradient, p, ({ d, k, G, s }, pw) => {
      const f = s ** (pw - 1);
      fc.pre(Number.isFinite(f) && f > 1e-290 && f < 1e290);
      const base = run('power', pw, G, d, k);
      const scaled = run('power', pw, G.map((g) => g * s), d, k);
      expect(relErr(scaled.P.map((x) => x / f), base.P)).toBeLessThanOrEqual(TOL.power(d, k));
    }), budget(300, 2000));
  });
});
