// Property: generate() with any options, valid or not, returns a Problem of the
// requested shape with finite data, or throws a DspgdError naming the option;
// the same options always give the same bytes.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { generate, suggestLearningRate, BUILTIN_PRECOND_NAMES } from '../../src/index.js';
import { budget, expectTypedError, allFinite } from './arbitraries.js';

const junk = fc.constantFrom(-1, 0, 1.5, NaN, Infinity, -Infinity, '3', null, 2 ** 53, 1e20) as fc.Arbitrary<unknown>;
const maybe = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 40, arbitrary: good as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: junk },
  { weight: 1, arbitrary: fc.constant(undefined) });

const options = fc.record({
  n: maybe(fc.integer({ min: 1, max: 12 })),
  d: maybe(fc.integer({ min: 1, max: 30 })),
  k: maybe(fc.integer({ min: 1, max: 4 })),
  seed: maybe(fc.oneof(fc.nat(), fc.constant(2 ** 53 - 1))),
  kind: fc.oneof({ weight: 20, arbitrary: fc.constantFrom('gaussian', 'teacher', 'spectrum', undefined) }, { weight: 1, arbitrary: fc.constantFrom('Gaussian', 'x', 3) as fc.Arbitrary<unknown> }),
  noise: maybe(fc.constantFrom(0, 0.1, 1e300)),
  cond: maybe(fc.constantFrom(1, 100, 1e300)),
  w0: fc.oneof({ weight: 20, arbitrary: fc.constantFrom('zeros', 'gaussian', undefined) }, { weight: 1, arbitrary: fc.constant('ones') }) as fc.Arbitrary<unknown>,
  w0Scale: maybe(fc.constantFrom(0, 1, 1e300)),
  oneD: fc.constantFrom(true, false, undefined),
}, { requiredKeys: [] });

describe('generate', () => {
  it('a Problem of the requested shape with finite data, or a typed error naming the option', async () => {
    let made = 0, refused = 0;
    await fc.assert(fc.asyncProperty(options, fc.constantFrom(...BUILTIN_PRECOND_NAMES), async (o, precond) => {
      let p;
      try {
        p = await generate(o as never);
      } catch (e) {
        const err = expectTypedError(e);
        expect(['E_PARAM', 'E_UNKNOWN_NAME', 'E_TOO_LARGE']).toContain(err.code);
        // An option of the call, or X for a problem too large for WASM memory.
        expect(['n', 'd', 'k', 'seed', 'kind', 'noise', 'cond', 'w0', 'w0Scale', 'oneD', 'X']).toContain(err.argument);
        refused++;
        return;
      }
      made++;
      try {
        expect(p.n).toBe(o.n);
        expect(p.d).toBe(o.d);
        expect(p.k).toBe(o.k ?? 1);
        // 1e300 noise or w0Scale may overflow to ±Infinity? They must not: the generator is finite or refuses.
        for (const a of [p.X.data, p.Y.data, p.W0.data]) expect(allFinite(a)).toBe(true);
        const lr = suggestLearningRate(p, precond);
        expect(lr > 0 && Number.isFinite(lr)).toBe(true);
        const again = await generate(o as never);
        expect(Array.from(again.Y.data)).toEqual(Array.from(p.Y.data));
        again.dispose();
      } finally {
        p.dispose();
      }
    }), budget(400, 6_000));
    console.log(`generate property: ${made} problems made, ${refused} refused with a typed error`);
    expect(made).toBeGreaterThan(100);
  });
});
