// Property: whatever data and options reach solve, Problem.create and the bias
// report, the answer is a result with a defined status and a finite W (the
// last finite iterate), or a DspgdError with a documented code. Never a WASM
// trap, a TypeError, or a hang (maxIter and timeLimitMs bound every run).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { solve, solveBatch, Problem, suggestLearningRate, DspgdError, custom } from '../../src/index.js';
import {
  budget, problemData, value, finiteValue, precondSpec, lossSpec, lr, expectTypedError, expectStatus, allFinite,
} from './arbitraries.js';

/** The result's path (feature-detected: absent before the engines landed). */
function r0(r: object): { path?: string } {
  return 'path' in r ? (r as { path: string }) : { path: 'rowspace' };
}

async function outcome<T>(f: () => Promise<T>): Promise<{ ok: T } | { err: DspgdError }> {
  try {
    return { ok: await f() };
  } catch (e) {
    return { err: expectTypedError(e) };
  }
}

const runOptions = fc.record({
  precond: precondSpec,
  loss: lossSpec,
  reduction: fc.constantFrom('sum', 'mean') as fc.Arbitrary<'sum' | 'mean'>,
  lr,
  maxIter: fc.integer({ min: 0, max: 150 }),
  tol: fc.constantFrom(0, 1e-12, 1e-6),
  // 'rowspace' with a preconditioner that has no row-space kernel must be E_PARAM, not a wrong run.
  path: fc.constantFrom(undefined, 'auto', 'primal', 'rowspace') as fc.Arbitrary<'auto' | 'primal' | 'rowspace' | undefined>,
});

const ROWSPACE_OK = new Set(['gd', 'normalized', 'clip', 'power', 'colnorm', 'spectral']);
/** The error a run may legitimately end with: non-finite data, or the row-space path asked of a map without one. */
function allowedError(err: DspgdError, hasNonFinite: boolean, opts: { precond: string; path?: string }): boolean {
  if (err.code === 'E_NONFINITE') return hasNonFinite;
  return err.code === 'E_PARAM' && err.argument === 'path' && opts.path === 'rowspace' && !ROWSPACE_OK.has(opts.precond.split(':')[0]);
}

describe('solve on hostile data', () => {
  it('any values (NaN, ±Infinity, −0, subnormals, 1e300, all-zero): a result or E_NONFINITE', async () => {
    const seen: Record<string, number> = {};
    await fc.assert(fc.asyncProperty(problemData(value), runOptions, async (data, opts) => {
      const o = await outcome(() => solve(data, { ...opts, timeLimitMs: 2000 }));
      const key = 'err' in o ? o.err.code : o.ok.status;
      seen[key] = (seen[key] ?? 0) + 1;
      const hasNonFinite = !allFinite(data.X.data) || !allFinite(data.Y.data) || (data.W0 !== undefined && !allFinite(data.W0.data));
      if ('err' in o) {
        // Finite data with in-range options must not be refused.
        expect(allowedError(o.err, hasNonFinite, opts), `refused: ${o.err.code} ${o.err.message}`).toBe(true);
        return;
      }
      expect(hasNonFinite).toBe(false);
      if (opts.path === 'rowspace') expect(r0(o.ok).path).toBe('rowspace');
      const r = o.ok;
      expectStatus(r.status);
      expect(r.W.data.length).toBe(data.d * data.k);
      expect(allFinite(r.W.data), `non-finite W with status ${r.status}`).toBe(true);
      expect(r.iterations).toBeGreaterThanOrEqual(0);
      expect(r.iterations).toBeLessThanOrEqual(opts.maxIter);
      if (r.status === 'diverged') {
        expect(r.divergedAt).toBeTypeOf('number');
        expect(r.suggestedLr! > 0 && Number.isFinite(r.suggestedLr!), `suggestedLr ${r.suggestedLr}`).toBe(true);
      } else {
        expect(Number.isFinite(r.relResidual)).toBe(true);
      }
      expect(typeof r.lr === 'number' && r.lr > 0 && Number.isFinite(r.lr), `lr ${r.lr}`).toBe(true);
      // The bias report is computed on whatever came back; it must not throw, and its rank is an integer.
      expect(r.bias).toBeDefined();
      expect(Number.isInteger(r.bias!.rank) && r.bias!.rank >= 0 && r.bias!.rank <= Math.min(data.n, data.d)).toBe(true);
    }), budget(1000, 10_000));
    console.log('outcomes of the hostile-data property:', JSON.stringify(seen));
    // The generator reaches the interesting outcomes, not only refusals.
    for (const k of ['converged', 'max-iter', 'diverged', 'E_NONFINITE']) expect(seen[k] ?? 0, k).toBeGreaterThan(10);
  });

  it('a reused Problem survives many hostile runs and suggestLearningRate is always a finite step', async () => {
    await fc.assert(fc.asyncProperty(problemData(finiteValue), fc.array(runOptions, { minLength: 1, maxLength: 4 }), async (data, runs) => {
      const p = await Problem.create(data);
      try {
        for (const opts of runs) {
          const s = suggestLearningRate(p, opts.precond, opts.loss, opts.reduction);
          expect(s > 0 && Number.isFinite(s), `suggestLearningRate ${s} for ${opts.precond}`).toBe(true);
          const o = await outcome(() => solve(p, { ...opts, timeLimitMs: 2000 }));
          if ('err' in o) {
            expect(allowedError(o.err, false, opts), `refused: ${o.err.code} ${o.err.message}`).toBe(true);
            continue;
          }
          expectStatus(o.ok.status);
          expect(allFinite(o.ok.W.data)).toBe(true);
        }
      } finally {
        p.dispose();
      }
    }), budget(300, 6_000));
  });
});

describe('solveBatch and threads on hostile data', () => {
  it('solveBatch: every run a result with a finite W (or the same typed error solve gives), and each equal to its own solve', async () => {
    await fc.assert(fc.asyncProperty(problemData(finiteValue), fc.array(runOptions, { minLength: 1, maxLength: 4 }), async (data, runs) => {
      const plain = runs.map((r) => ({ ...r, path: r.path === 'rowspace' ? 'primal' as const : r.path }));
      const p = await Problem.create(data);
      try {
        const o = await outcome(() => solveBatch(p, plain));
        if ('err' in o) throw o.err;
        expect(o.ok.length).toBe(runs.length);
        for (let i = 0; i < runs.length; i++) {
          const r = o.ok[i];
          expectStatus(r.status);
          expect(allFinite(r.W.data)).toBe(true);
          const alone = await solve(p, plain[i]);
          expect(r.status).toBe(alone.status);
          expect(Array.from(r.W.data)).toEqual(Array.from(alone.W.data));
        }
      } finally {
        p.dispose();
      }
    }), budget(150, 6_000));
  });

  it('threads: 2 workers on large problems with hostile entries give a status and a finite W', async () => {
    // Threads only engage from n·d·k ≥ 2^20 (src/engine/pass.ts), so X is large here: filled by an
    // LCG, with a few hostile finite entries (1e300, subnormals, −0) patched in by fast-check.
    const big = fc.record({
      n: fc.integer({ min: 70, max: 100 }), d: fc.integer({ min: 15_000, max: 17_000 }), k: fc.constantFrom(1, 2),
      seed: fc.nat(), patches: fc.array(fc.tuple(fc.nat(), fc.constantFrom(1e300, -1e300, 1e154, 5e-324, -0, 0)), { maxLength: 4 }),
    });
    let threaded = 0;
    await fc.assert(fc.asyncProperty(big, runOptions, async ({ n, d, k, seed, patches }, opts) => {
      let s = seed >>> 0;
      const X = new Float64Array(n * d).map(() => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) / 100);
      for (const [i, v] of patches) X[i % X.length] = v;
      const Y = new Float64Array(n * k).map((_, i) => Math.sin(i + seed));
      const o = await outcome(() => solve({ X: { data: X, shape: [n, d] }, Y: { data: Y, shape: [n, k] } },
        { ...opts, path: 'primal', threads: 2, maxIter: Math.min(opts.maxIter, 20), timeLimitMs: 2000, report: false }));
      if ('err' in o) throw o.err;
      expectStatus(o.ok.status);
      expect(allFinite(o.ok.W.data)).toBe(true);
      if ((o.ok as { threads?: number }).threads === 2) threaded++;
    }), budget(12, 8_000));
    console.log(`threads property: ${threaded} runs used 2 threads`);
  }, 60_000);
});

describe('custom preconditioners that misbehave', () => {
  it('a gradK that writes NaN/Infinity or throws: status diverged or E_CALLBACK', async () => {
    const bad = fc.constantFrom(NaN, Infinity, -Infinity, 1e308);
    await fc.assert(fc.asyncProperty(problemData(finiteValue), bad, fc.integer({ min: 0, max: 5 }), fc.boolean(), async (data, v, at, throws) => {
      let calls = 0;
      const precond = custom({
        name: 'evil',
        gradK: (G, out) => {
          if (calls++ >= at) {
            if (throws) throw new Error('boom');
            out.fill(v);
          } else out.set(G);
        },
        K: () => (calls >= at ? v : 0),
      });
      const o = await outcome(() => solve(data, { precond, lr: 0.01, maxIter: 20, tol: 0 }));
      if ('err' in o) {
        expect(o.err.code).toBe('E_CALLBACK');
        expect(throws).toBe(true);
        return;
      }
      expectStatus(o.ok.status);
      expect(allFinite(o.ok.W.data)).toBe(true);
    }), budget(200, 4_000));
  });
});

describe('Problem.create on malformed inputs', () => {
  const junk = fc.oneof(
    fc.constantFrom(undefined, null, 0, 'X', true, {}, [], [[]], [[1], [1, 2]], [1, [2]], { data: [1, 2], shape: [3] },
      { data: [1, 2], shape: [1, 2, 1] }, { data: [1, 2], shape: [-1, -2] }, { data: [1, 2], shape: [1.5, 2] },
      { data: null, shape: [1, 2] }, { data: ['a', 'b'], shape: [1, 2] }, { data: [], shape: [0, 3] },
      { data: [1], shape: [1e6, 1e6] }, { data: new Float64Array(2), shape: 'no' }, [[1, NaN]], [[1, '2']], new Float32Array(0)),
    fc.array(fc.array(value, { maxLength: 4 }), { maxLength: 4 }),
  );
  it('every combination is a Problem or a typed error', async () => {
    await fc.assert(fc.asyncProperty(junk, junk, fc.option(junk, { nil: undefined }), async (X, Y, W0) => {
      const o = await outcome(() => Problem.create({ X, Y, W0 } as never));
      if ('ok' in o) {
        expect(o.ok.n).toBeGreaterThan(0);
        o.ok.dispose();
      }
    }), budget(400, 5_000));
  });

  it('a problem that cannot fit in 4 GiB is refused up front with the size it needs', async () => {
    const n = 30000, d = 30000; // 7.2 GB for X alone
    const e = await Problem.create({ X: { data: { length: n * d } as never, shape: [n, d] }, Y: { data: new Float64Array(n), shape: [n] } })
      .then(() => undefined, (err) => err);
    expect(e).toBeInstanceOf(DspgdError);
    expect(e.code).toBe('E_TOO_LARGE');
    expect(e.message).toMatch(/GiB|GB/);
  });
});

describe('solve options', () => {
  const junkOpt = fc.constantFrom(undefined, null, NaN, -1, 0, 0.5, Infinity, 'x', {}, [], () => 1, Symbol.iterator as never);
  it('junk in any option is a typed error, never a crash', async () => {
    const data = { X: [[1, 2, 3], [0, 1, 0]], Y: [1, 2] };
    const keys = ['path', 'threads', 'precond', 'lr', 'loss', 'reduction', 'maxIter', 'tol', 'gradTol', 'stall', 'divergenceFactor', 'timeLimitMs',
      'callbackEvery', 'traceEvery', 'yieldEveryMs', 'callback', 'signal', 'report'] as const;
    await fc.assert(fc.asyncProperty(fc.constantFrom(...keys), junkOpt, async (key, v) => {
      const opts: Record<string, unknown> = { precond: 'gd', lr: 0.1, maxIter: 20, [key]: v };
      const o = await outcome(() => solve(data, opts as never));
      if ('ok' in o) expectStatus(o.ok.status);
    }), budget(200, 5_000));
  });
});
