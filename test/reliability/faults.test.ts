// Faults during a run: divergence (status, iteration, suggested learning rate
// that then converges), cancellation by AbortSignal (within one iteration, with
// the last finite iterate), and the invariant that the W handed back is an
// actual iterate of the run (bit-identical to a run stopped there by maxIter).
import { describe, it, expect, afterAll } from 'vitest';
import { generate, solve, BUILTIN_PRECOND_NAMES, type Problem } from '../../src/index.js';
import { bitsOf } from '../helpers/bits.js';

const problems: Problem[] = [];
afterAll(() => { for (const p of problems) p.dispose(); });
async function problem(opts: Parameters<typeof generate>[0]): Promise<Problem> {
  const p = await generate(opts);
  problems.push(p);
  return p;
}

/** The iterate W_t, computed by a run that can only stop at maxIter = t. */
async function iterate(p: Problem, precond: string, lr: number, t: number): Promise<Float64Array> {
  const r = await solve(p, { precond, lr, maxIter: t, tol: 0, gradTol: 0, stall: false, report: false });
  expect(r.status).toBe('max-iter');
  expect(r.iterations).toBe(t);
  return r.W.data;
}

describe('divergence', () => {
  for (const name of BUILTIN_PRECOND_NAMES) {
    it(`${name}: lr = 1e8 ends 'diverged' with divergedAt and the last finite iterate; the suggested lr converges`, async () => {
      const p = await problem({ kind: 'teacher', n: 20, d: 60, k: 2, seed: 3, w0: 'gaussian', w0Scale: 0.1 });
      const r = await solve(p, { precond: name, lr: 1e8, maxIter: 2000 });
      expect(r.status).toBe('diverged');
      expect(r.message).toMatch(/try lr ≤/);
      expect(Number.isInteger(r.divergedAt) && r.divergedAt! >= 1).toBe(true);
      // The returned W is the iterate before the blow-up, exactly.
      expect(r.iterations).toBe(r.divergedAt! - 1);
      expect(r.W.data.every(Number.isFinite)).toBe(true);
      expect(bitsOf(r.W.data)).toEqual(bitsOf(await iterate(p, name, 1e8, r.iterations)));
      expect(Number.isFinite(r.relResidual)).toBe(true);
      expect(r.bias).toBeDefined();

      const lr = r.suggestedLr!;
      expect(lr > 0 && lr < 1e8).toBe(true);
      const again = await solve(p, { precond: name, lr, maxIter: 100_000, tol: 1e-8, stall: false, report: false });
      if (name === 'power') {
        // ‖G‖^{p−2}G (p = 3) converges only polynomially near the optimum: it must not
        // diverge and must make steady progress, not reach 1e-8 in the budget.
        expect(again.status).toBe('max-iter');
        expect(again.relResidual).toBeLessThan(1e-3);
      } else {
        expect(again.status).toBe('converged');
        expect(again.relResidual).toBeLessThanOrEqual(1e-8);
      }
    });
  }

  it('huber loss with the mean reduction: the suggestion after a divergence a step that converges', async () => {
    const p = await problem({ kind: 'gaussian', n: 15, d: 40, k: 1, seed: 8 });
    const r = await solve(p, { precond: 'gd', loss: 'huber:delta=0.5', reduction: 'mean', lr: 1e9, maxIter: 100 });
    expect(r.status).toBe('diverged');
    const again = await solve(p, { precond: 'gd', loss: 'huber:delta=0.5', reduction: 'mean', lr: r.suggestedLr!, maxIter: 200_000, tol: 1e-8, stall: false, report: false });
    expect(again.status).toBe('converged');
  });
});

describe('AbortSignal', () => {
  it('an abort fired from a timer stops within one iteration and returns a valid finite iterate', async () => {
    const p = await problem({ kind: 'gaussian', n: 300, d: 3000, k: 1, seed: 5 });
    const controller = new AbortController();
    let lastSeen = -1;
    let seenAtAbort = -1;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The timer is armed once the loop is running (iteration 5), so it always fires mid-run.
    const r = await solve(p, {
      precond: 'sign:eps=0.1', lr: 0.01, maxIter: 10_000_000, tol: 0, stall: false, signal: controller.signal,
      callbackEvery: 1,
      callback: ({ iteration }) => {
        lastSeen = iteration;
        if (iteration === 5) timer = setTimeout(() => { seenAtAbort = lastSeen; controller.abort(); }, 100);
      },
    });
    clearTimeout(timer);
    expect(r.status).toBe('aborted');
    expect(seenAtAbort).toBeGreaterThanOrEqual(5);
    // The timer ran while the loop yielded after finishing iteration seenAtAbort;
    // the loop checks the signal before the next update.
    expect(r.iterations).toBeLessThanOrEqual(seenAtAbort + 1);
    expect(r.iterations).toBeGreaterThan(0);
    expect(r.W.data.every(Number.isFinite)).toBe(true);
    expect(bitsOf(r.W.data)).toEqual(bitsOf(await iterate(p, 'sign:eps=0.1', 0.01, r.iterations)));
    expect(r.trace.iteration[r.trace.iteration.length - 1]).toBe(r.iterations);
  });

  it('an already aborted signal returns W0 with status aborted and no update', async () => {
    const p = await problem({ kind: 'teacher', n: 10, d: 30, k: 1, seed: 2, w0: 'gaussian' });
    const r = await solve(p, { precond: 'adam:eps=0.1,beta1=0.9,beta2=0.999', lr: 0.1, signal: AbortSignal.abort() });
    expect(r.status).toBe('aborted');
    expect(r.iterations).toBe(0);
    expect(bitsOf(r.W.data)).toEqual(bitsOf(p.W0.data));
  });

  it('AbortSignal.timeout() and timeLimitMs both stop a long run with a valid iterate', async () => {
    const p = await problem({ kind: 'gaussian', n: 200, d: 2000, k: 2, seed: 6 });
    for (const opts of [{ signal: AbortSignal.timeout(60) }, { timeLimitMs: 60 }]) {
      const r = await solve(p, { precond: 'spectral:eps=0.1', lr: 0.01, maxIter: 10_000_000, tol: 0, stall: false, report: false, ...opts });
      expect(r.status).toBe('signal' in opts ? 'aborted' : 'time-limit');
      expect(bitsOf(r.W.data)).toEqual(bitsOf(await iterate(p, 'spectral:eps=0.1', 0.01, r.iterations)));
    }
  });
});
