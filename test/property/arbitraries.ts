/**
 * fast-check arbitraries and the invariant shared by the property tests:
 * hostile shapes and values, every built-in preconditioner and loss, and the
 * check that an error is a DspgdError with a documented code.
 *
 * Every property runs with a fixed seed (FC_SEED overrides it; fast-check
 * prints the seed and the shrunk counterexample on failure) and a time budget,
 * so the whole reliability suite stays well under a minute on two cores.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { DspgdError, BUILTIN_PRECOND_NAMES, LOSS_NAMES, STATUSES } from '../../src/index.js';

export const SEED = Number(process.env.FC_SEED ?? 20261128);

/** fc.assert options: fixed seed, bounded runs and wall time (an interrupt is not a failure). */
export function budget(numRuns: number, ms: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns, interruptAfterTimeLimit: ms, markInterruptAsFailure: false, endOnFailure: true };
}

/** The codes README.md documents. */
export const DOCUMENTED_CODES = new Set([
  'E_SHAPE', 'E_EMPTY', 'E_NONFINITE', 'E_PARAM', 'E_UNKNOWN_NAME', 'E_TOO_LARGE', 'E_FORMAT', 'E_IO', 'E_DISPOSED', 'E_CALLBACK',
]);

/** Rethrows anything that is not a DspgdError with a documented code (so fast-check reports it). */
export function expectTypedError(e: unknown): DspgdError {
  if (!(e instanceof DspgdError)) throw new Error(`expected a DspgdError, got ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
  expect(DOCUMENTED_CODES.has(e.code), `undocumented code ${e.code}`).toBe(true);
  expect(e.message.length).toBeGreaterThan(0);
  return e;
}

export function expectStatus(status: unknown): void {
  expect(STATUSES as readonly unknown[]).toContain(status);
}

/** Values that break naive float code: non-finite, signed zero, subnormals, huge and tiny normals. */
export const HOSTILE = [NaN, Infinity, -Infinity, -0, 0, 5e-324, -4.9e-322, 2.2250738585072014e-308, 1e-160,
  1e154, -1e200, 1e300, -1.7976931348623157e308] as const;

/** Mostly ordinary numbers, sometimes a hostile one. */
export const value = fc.oneof(
  { weight: 40, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE.filter((v) => Number.isFinite(v))) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
);

/** Only finite values (so the data passes validation and reaches the kernels), hostile magnitudes included. */
export const finiteValue = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE.filter((v) => Number.isFinite(v))) },
);

/**
 * How a matrix is filled: ordinary values only (so runs also converge), ordinary
 * values with one or two entries drawn from `entries` patched in, `entries`
 * everywhere, all zeros, or one constant everywhere.
 */
export function matrix(len: number, entries: fc.Arbitrary<number>): fc.Arbitrary<Float64Array> {
  const ordinary = fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: len, maxLength: len }).map((a) => Float64Array.from(a));
  return fc.oneof(
    { weight: 4, arbitrary: ordinary },
    {
      weight: 3,
      arbitrary: fc.tuple(ordinary, fc.array(fc.tuple(fc.nat(), entries), { minLength: 1, maxLength: 2 }))
        .map(([a, patches]) => { for (const [i, v] of patches) a[i % len] = v; return a; }),
    },
    { weight: 2, arbitrary: fc.array(entries, { minLength: len, maxLength: len }).map((a) => Float64Array.from(a)) },
    { weight: 1, arbitrary: fc.constant(new Float64Array(len)) },
    { weight: 1, arbitrary: entries.map((v) => new Float64Array(len).fill(v)) },
  );
}

/** Shapes: 1×1, k = 1, n ≥ d, d = 1, d odd (not a multiple of the f64x2 width) all occur. */
export const shape = fc.record({
  n: fc.integer({ min: 1, max: 7 }),
  d: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 14, max: 40 })),
  k: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 3 })),
});

/** Data for a problem of the given shape; labels 1-D half of the time when k = 1. */
export function problemData(entries: fc.Arbitrary<number>) {
  return shape.chain(({ n, d, k }) => fc.record({
    n: fc.constant(n), d: fc.constant(d), k: fc.constant(k),
    X: matrix(n * d, entries),
    Y: matrix(n * k, entries),
    W0: fc.option(matrix(d * k, entries), { nil: undefined }),
    oneD: fc.boolean(),
  }).map((p) => {
    const oneD = p.oneD && k === 1;
    return {
      n, d, k,
      X: { data: p.X, shape: [n, d] },
      Y: { data: p.Y, shape: oneD ? [n] : [n, k] },
      W0: p.W0 === undefined ? undefined : { data: p.W0, shape: oneD ? [d] : [d, k] },
    };
  }));
}

/** A positive parameter over many magnitudes (tiny ones underflow when squared, huge ones overflow). */
const positive = fc.oneof(
  fc.double({ min: 1e-3, max: 10, noNaN: true }),
  fc.constantFrom(1e-300, 1e-170, 1e-12, 1e12, 1e170, 1e300),
);

/** Every built-in preconditioner as a spec string, with in-range parameters. */
export const precondSpec: fc.Arbitrary<string> = fc.constantFrom(...BUILTIN_PRECOND_NAMES).chain((name): fc.Arbitrary<string> => {
  switch (name) {
    case 'normalized': case 'colnorm': case 'spectral': case 'sign': case 'rownorm':
      return positive.map((eps) => `${name}:eps=${eps}`);
    case 'clip': case 'clip-elementwise':
      return positive.map((c) => `${name}:c=${c}`);
    case 'power':
      return fc.double({ min: 1.05, max: 5, noNaN: true }).map((p) => `power:p=${p}`);
    case 'adam':
      return fc.tuple(positive, fc.constantFrom(0, 0.5, 0.9), fc.constantFrom(0, 0.9, 0.999))
        .map(([eps, b1, b2]) => `adam:eps=${eps},beta1=${b1},beta2=${b2}`);
    default:
      return fc.constant(name);
  }
});

/** Every loss as a spec string, with in-range parameters. */
export const lossSpec: fc.Arbitrary<string> = fc.constantFrom(...LOSS_NAMES).chain((name): fc.Arbitrary<string> => {
  if (name === 'huber') return positive.map((d) => `huber:delta=${d}`);
  if (name === 'lp') return fc.double({ min: 1.1, max: 4, noNaN: true }).map((p) => `lp:p=${p}`);
  return fc.constant(name);
});

/** Learning rates from tiny to absurd, and 'auto'. */
export const lr: fc.Arbitrary<number | 'auto'> = fc.oneof(
  fc.constant('auto' as const),
  fc.double({ min: 1e-4, max: 2, noNaN: true }),
  fc.constantFrom(1e-300, 1e10, 1e300),
);

export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
