// Property: every preconditioner and loss parameter out of range, of the wrong
// type or under an unknown key is refused with E_PARAM (E_UNKNOWN_NAME for an
// unknown key or name) naming the parameter, through the factory, the spec
// string and solve(); every in-range value is accepted.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  PRECONDITIONERS, BUILTIN_PRECOND_NAMES, LOSSES, LOSS_NAMES, resolvePrecond, resolveLoss, solve, type DspgdError,
  adam, huber, normalized,
} from '../../src/index.js';
import { budget, expectTypedError } from './arbitraries.js';

/** The valid range of each parameter (spec: math.md; beta1/beta2 of real Adam in [0, 1)). */
const RANGE: Record<string, (v: number) => boolean> = {
  eps: (v) => v > 0, c: (v) => v > 0, p: (v) => v > 1, delta: (v) => v > 0, beta1: (v) => v >= 0 && v < 1, beta2: (v) => v >= 0 && v < 1,
};

const numbers = fc.oneof(
  fc.double(), // includes NaN, ±Infinity, −0
  fc.constantFrom(0, -0, 1, 1 + 2 ** -52, 1 - 2 ** -53, -1e-300, 5e-324, NaN, Infinity, -Infinity, 0.999999, 2),
);
const wrongType = fc.constantFrom('1', '', null, true, {}, [], [1], 1n, () => 1) as fc.Arbitrary<unknown>;

const tables = [
  ...BUILTIN_PRECOND_NAMES.map((name) => ({ kind: 'precond' as const, name, defaults: PRECONDITIONERS[name].defaults, factory: PRECONDITIONERS[name].factory as (o: unknown) => unknown })),
  ...LOSS_NAMES.map((name) => ({ kind: 'loss' as const, name, defaults: LOSSES[name].defaults as Record<string, number>, factory: LOSSES[name].factory as (o: unknown) => unknown })),
];
const withParams = tables.filter((t) => Object.keys(t.defaults).length > 0);

function attempt(f: () => unknown): DspgdError | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return expectTypedError(e);
  }
}

describe('parameter ranges', () => {
  it('a number is accepted exactly when it is in range, by the factory and by the spec string', () => {
    const pick = fc.constantFrom(...withParams).chain((t) => fc.tuple(fc.constant(t), fc.constantFrom(...Object.keys(t.defaults)), numbers));
    fc.assert(fc.property(pick, ([t, key, v]) => {
      const ok = RANGE[key](v) && Number.isFinite(v);
      const viaFactory = attempt(() => t.factory({ [key]: v }));
      const resolve = t.kind === 'precond' ? resolvePrecond : resolveLoss;
      const viaString = attempt(() => resolve(`${t.name}:${key}=${v}` as never));
      for (const e of [viaFactory, viaString]) {
        if (ok) {
          expect(e, `${t.name} ${key}=${v} refused: ${e?.message}`).toBeUndefined();
        } else {
          expect(e, `${t.name} ${key}=${v} accepted`).toBeDefined();
          expect(e!.code).toBe('E_PARAM');
          expect(e!.argument).toContain(`${t.kind}`);
          // The message names the parameter (or, for a non-number in a string, the raw text).
          expect(e!.message).toContain(key);
        }
      }
      if (ok) {
        const made = t.factory({ [key]: v }) as { params: Record<string, number> };
        expect(made.params[key] === v || (key !== 'eps' && t.name === 'adam' && made.params[key] === undefined && v === 0)).toBe(true);
      }
    }), budget(3000, 3000));
  });

  it('a value of the wrong type is E_PARAM naming the parameter', () => {
    const pick = fc.constantFrom(...withParams).chain((t) => fc.tuple(fc.constant(t), fc.constantFrom(...Object.keys(t.defaults)), wrongType));
    fc.assert(fc.property(pick, ([t, key, v]) => {
      const e = attempt(() => t.factory({ [key]: v }));
      expect(e).toBeDefined();
      expect(e!.code).toBe('E_PARAM');
      expect(e!.argument).toBe(`${t.kind}.${key}`);
    }), budget(500, 2000));
  });

  it('an unknown key is E_UNKNOWN_NAME listing the allowed ones, for every preconditioner and loss (those without parameters too)', () => {
    const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
    fc.assert(fc.property(fc.constantFrom(...tables), key, fc.double({ min: 0.5, max: 0.9, noNaN: true }), (t, k, v) => {
      fc.pre(!Object.hasOwn(t.defaults, k));
      const resolve = t.kind === 'precond' ? resolvePrecond : resolveLoss;
      for (const e of [attempt(() => t.factory({ [k]: v })), attempt(() => resolve(`${t.name}:${k}=${v}` as never))]) {
        expect(e, `${t.name} accepted unknown key ${k}`).toBeDefined();
        expect(e!.code).toBe('E_UNKNOWN_NAME');
        expect(e!.message).toContain(k);
      }
    }), budget(1000, 2000));
  });

  it('options that are not an object are E_PARAM', () => {
    fc.assert(fc.property(fc.constantFrom(...tables), fc.constantFrom(5, 'eps', true, [0.1], 1n) as fc.Arbitrary<unknown>, (t, o) => {
      const e = attempt(() => t.factory(o));
      expect(e).toBeDefined();
      expect(e!.code).toBe('E_PARAM');
    }), budget(200, 1000));
  });

  it('unknown and prototype names are E_UNKNOWN_NAME, malformed specs E_PARAM', () => {
    const names = fc.oneof(fc.stringMatching(/^[a-z-]{1,12}$/), fc.constantFrom('constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'));
    fc.assert(fc.property(names, (name) => {
      fc.pre(!(BUILTIN_PRECOND_NAMES as readonly string[]).includes(name) && !(LOSS_NAMES as readonly string[]).includes(name));
      for (const resolve of [resolvePrecond, resolveLoss]) {
        const e = attempt(() => resolve(name as never));
        expect(e?.code).toBe('E_UNKNOWN_NAME');
      }
    }), budget(500, 1000));
    for (const bad of ['adam:eps', 'adam:=1', 'adam:eps=', 'adam:eps=1,eps=2', 'adam:eps=0x', 'adam:eps=1e999', ':', '', '  ']) {
      expect(attempt(() => resolvePrecond(bad))?.code, bad).toBe('E_PARAM');
    }
  });

  it('edited or forged factory objects are validated like the string form (no WASM trap)', async () => {
    const data = { X: [[1, 2, 3], [0, 1, 0]], Y: [1, 2] };
    const forged: unknown[] = [
      { ...normalized(), params: { eps: -1 } },
      { ...adam(), params: { eps: NaN } },
      { name: 'gd', params: {}, wasm: { id: 99, params: new Float64Array(1) } },
      { name: 'nope', params: {}, wasm: { id: 0, params: new Float64Array(1) } },
      { ...normalized(), wasm: { id: 5, params: new Float64Array([0.1]) } },
    ];
    for (const precond of forged) {
      const e = await solve(data, { precond: precond as never, lr: 0.1, maxIter: 5 }).catch((x) => x);
      expectTypedError(e);
      expect(e.code).toBe('E_PARAM');
    }
    for (const loss of [{ ...huber(), params: { delta: 0 } }, { name: 'squared', params: {}, wasm: { id: 7, param: 0 } }, { name: 'x', wasm: { id: 0, param: 0 } }]) {
      const e = await solve(data, { precond: 'gd', loss: loss as never, lr: 0.1, maxIter: 5 }).catch((x) => x);
      expectTypedError(e);
      expect(e.code).toBe('E_PARAM');
    }
    // Unedited objects still work, and mean the same as their string form.
    const a = await solve(data, { precond: adam({ eps: 0.2, beta1: 0.9 }), loss: huber({ delta: 0.5 }), lr: 0.05, maxIter: 30, tol: 0 });
    const b = await solve(data, { precond: 'adam:eps=0.2,beta1=0.9', loss: 'huber:delta=0.5', lr: 0.05, maxIter: 30, tol: 0 });
    expect(Array.from(a.W.data)).toEqual(Array.from(b.W.data));
    expect(a.precond.stateful).toBe(true);
  });
});
