// Options as the API takes them: unknown keys name the closest valid one, learning rates as text
// ('0.5*auto') mean what the CLI means by them, one set of defaults, numbers in messages written
// for people, exact step counts, and the advice of a run that stops short of tol.
import { describe, it, expect } from 'vitest';
import { solve, solveBatch, generate, singularValues, adam, DspgdError, type SolveOptions } from '../src/index.js';
import { runGrid } from '../src/experiment.js';
import { DEFAULTS, editDistance, closestName } from '../src/options.js';
import { parseLr, parseLrList } from '../src/lr-spec.js';
import { parseLrs } from '../web/util.js';
import { formatHuman, formatLr, formatCount } from '../src/util/numbers.js';
import { resolveStopping } from '../src/stopping.js';

async function rejects(p: Promise<unknown>): Promise<DspgdError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(DspgdError);
  return e as DspgdError;
}

describe('unknown option keys', () => {
  it('edit distance: the textbook values', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('flaw', 'lawn')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('maxIter', 'maxiter')).toBe(0);
    expect(closestName('tolerance', ['tol', 'gradTol', 'maxIter'])).toBe('tol');
    expect(closestName('maxIters', ['tol', 'gradTol', 'maxIter'])).toBe('maxIter');
    expect(closestName('zzzzzz', ['tol', 'maxIter'])).toBeUndefined();
  });

  it('solve: E_PARAM naming the key and the closest valid one', async () => {
    const p = await generate({ n: 5, d: 12, seed: 1 });
    const cases: [Record<string, unknown>, string, string][] = [
      [{ tolerance: 1e-6 }, 'tolerance', 'tol'],
      [{ max_iter: 10 }, 'max_iter', 'maxIter'],
      [{ learningRate: 0.1 }, 'learningRate', 'lr'],
      [{ treads: 2 }, 'treads', 'threads'],
    ];
    for (const [extra, key, near] of cases) {
      const e = await rejects(solve(p, { precond: 'gd', lr: 0.1, ...extra } as SolveOptions));
      expect(e.code).toBe('E_PARAM');
      expect(e.argument).toBe(key);
      expect(e.message).toContain(`unknown option \`${key}\` (did you mean \`${near}\`?)`);
    }
    // An unknown key whose value is undefined changes nothing, as for the known ones.
    expect((await solve(p, { precond: 'gd', lr: 0.1, maxIter: 3, extra: undefined } as SolveOptions)).iterations).toBe(3);
    const stall = await rejects(solve(p, { precond: 'gd', lr: 0.1, stall: { windw: 10 } } as unknown as SolveOptions));
    expect([stall.argument, stall.message]).toEqual(['stall.windw', expect.stringContaining('did you mean `window`?')]);
    const batch = await rejects(solveBatch(p, [{ precond: 'gd', lr: 0.1 }, { precond: 'gd', lr: 0.1, maxIters: 5 } as SolveOptions]));
    expect(batch.argument).toBe('runs[1].maxIters');
    expect(batch.message).toMatch(/did you mean `maxIter`/);
    const grid = await rejects(runGrid([{ problem: p, seed: 1 }], { preconds: ['gd'], lrs: [0.1], maxiter: 5 } as never));
    expect([grid.code, grid.argument]).toEqual(['E_PARAM', 'maxiter']);
    expect(grid.message).toMatch(/did you mean `maxIter`/);
    const gen = await rejects(generate({ n: 5, d: 12, seeds: 3 } as never));
    expect(gen.message).toMatch(/did you mean `seed`/);
    // Preconditioner parameter objects: an unknown key was already an error; now it also says what was meant.
    expect(() => adam({ epsilon: 0.1 } as never)).toThrow(/has no parameter "epsilon" \(did you mean `eps`\?\)/);
    p.dispose();
  });
});

describe("learning rates as text: one parser for the API, the CLI and the page", () => {
  it("'0.5*auto' and 'auto*0.5' are half the 'auto' step, and the run equals one at that number", async () => {
    const p = await generate({ n: 8, d: 30, seed: 4 });
    const opts = { precond: 'normalized:eps=0.1', maxIter: 200, tol: 0, stall: false as const, report: false };
    const auto = await solve(p, { ...opts, lr: 'auto' });
    const half = await solve(p, { ...opts, lr: '0.5*auto' });
    const half2 = await solve(p, { ...opts, lr: 'auto*0.5' });
    const num = await solve(p, { ...opts, lr: auto.lr * 0.5 });
    expect(half.lr).toBe(auto.lr * 0.5);
    expect(half2.lr).toBe(half.lr);
    expect(half.W.data).toEqual(num.W.data);
    expect(half2.W.data).toEqual(num.W.data);
    const grid = await runGrid([{ problem: p, seed: 4 }], { preconds: ['normalized:eps=0.1'], lrs: ['0.5*auto', 0.01], maxIter: 10 });
    expect(grid.rows.map((r) => r.lr)).toEqual([half.lr, 0.01]);
    for (const bad of ['autoo', '0*auto', '-1*auto', 'auto*', '0.1', '']) {
      const e = await rejects(solve(p, { precond: 'gd', lr: bad as never }));
      expect([e.code, e.argument]).toEqual(['E_PARAM', 'lr']);
      expect(e.message).toMatch(/auto or F\*auto/);
    }
    p.dispose();
  });

  it('the list parser keeps what both callers accepted: commas, blanks, spaces around *', () => {
    const want = [0.01, { autoFactor: 1 }, { autoFactor: 0.5 }, { autoFactor: 0.25 }, 2e-3];
    expect(parseLrList('0.01,auto,0.5*auto,auto*0.25,2e-3', '--lr')).toEqual(want);
    expect(parseLrList('0.01 auto, 0.5 * auto  auto*0.25,2e-3', '--lr')).toEqual(want);
    expect(parseLrs('0.01, auto 0.5*auto, auto * 0.25 2e-3')).toEqual(want);
    expect(parseLr(' 1e-2 ')).toBe(0.01);
    expect(() => parseLrList('0.1, fast', '--lr')).toThrow('--lr: expected a learning rate > 0, auto or F*auto (F > 0, e.g. 0.5*auto), got "fast"');
    expect(() => parseLrs('0.1, fast')).toThrow('learning rates: expected a learning rate > 0, auto or F*auto (F > 0, e.g. 0.5*auto), got "fast"');
    expect(() => parseLrs(' , ')).toThrow(/at least one/);
    for (const bad of ['0x10', '1/2', 'Infinity', 'NaN', '0', '-0.1', '1e400']) expect(() => parseLr(bad, '--lr')).toThrow(DspgdError);
  });
});

describe('one set of defaults, and numbers in messages written for people', () => {
  it('the API resolves to DEFAULTS', () => {
    const s = resolveStopping({});
    expect([s.maxIter, s.tol, s.gradTol, s.stallWindow, s.stallMinDecrease, s.divergenceFactor])
      .toEqual([DEFAULTS.maxIter, DEFAULTS.tol, DEFAULTS.gradTol, DEFAULTS.stallWindow, DEFAULTS.stallMinDecrease, DEFAULTS.divergenceFactor]);
    expect(DEFAULTS.maxIter).toBe(10_000);
  });

  it('formatHuman/formatLr/formatCount', () => {
    expect(['1e-6', '1e-10', '0.01235', '1.235e5', '2.5e-7', '0.5', '100', '-3e-9', '1e5'])
      .toEqual([1e-6, 1e-10, 0.0123456, 123456, 2.5e-7, 0.5, 100, -3e-9, 99999.7].map((x) => formatHuman(x)));
    expect(formatLr(0.006152347)).toBe('0.006152');
    expect(formatLr(1 / 3)).toBe('0.3333');
    expect(formatCount(100000)).toBe('100,000');
  });

  it("stopping messages: 'tol 1e-6', not 0.000001", async () => {
    const p = await generate({ n: 5, d: 12, seed: 3 });
    const r = await solve(p, { precond: 'gd', lr: 'auto', tol: 1e-6, maxIter: 100_000 });
    expect(r.status).toBe('converged');
    expect(r.message).toMatch(/≤ tol 1e-6$/);
    const m = await solve(p, { precond: 'gd', lr: 1e-3, tol: 0, maxIter: 12_000, stall: false });
    expect(m.message).toBe('reached maxIter = 12,000');
    p.dispose();
  });
});

describe('exact step counts', () => {
  it('a chaotic real-Adam run that stalls by default runs exactly maxIter steps with stall: false and divergenceFactor: Infinity', async () => {
    const p = await generate({ n: 20, d: 60, seed: 3 });
    const opts = { precond: 'adam:eps=1e-8,beta1=0.9,beta2=0.999', lr: 0.1, maxIter: 5000, tol: 0 };
    const dflt = await solve(p, opts);
    expect(dflt.status).toBe('stalled');
    expect(dflt.iterations).toBeLessThan(5000);
    const exact = await solve(p, { ...opts, stall: false, divergenceFactor: Infinity });
    expect([exact.status, exact.iterations]).toEqual(['max-iter', 5000]);
    expect(exact.trace.iteration.at(-1)).toBe(5000);
    // The first `dflt.iterations` steps are the same steps: the stop changes when, not what.
    const prefix = await solve(p, { ...opts, maxIter: dflt.iterations, stall: false });
    expect(prefix.W.data).toEqual(dflt.W.data);
    p.dispose();
  });

  it('divergenceFactor: Infinity turns off the growth test; non-finite values still stop the run', async () => {
    const p = await generate({ n: 8, d: 20, seed: 1 });
    const a = await solve(p, { precond: 'gd', lr: 1e4, maxIter: 100_000 });
    const b = await solve(p, { precond: 'gd', lr: 1e4, maxIter: 100_000, divergenceFactor: Infinity });
    expect([a.status, b.status]).toEqual(['diverged', 'diverged']);
    expect(a.message).toMatch(/grew 1e6× over its start/);
    expect(b.message).toMatch(/non-finite/);
    expect(b.divergedAt!).toBeGreaterThan(a.divergedAt!);
    p.dispose();
  });
});

describe('a run that stops short of tol says how far it got and what to try', () => {
  it('gd on an ill-conditioned spectrum: the trend matches the slowest singular direction, and the estimate reaches tol', async () => {
    // X = U diag(s) V, s geometric from 1 to 1/30: with lr 1 (= auto, λmax = 1) the residual's
    // component on the smallest singular direction shrinks by (1 − s_min²) per step and dominates late.
    const n = 5, cond = 30, tol = 1e-8;
    const p = await generate({ n, d: 40, kind: 'spectrum', cond, seed: 2 });
    const s = await singularValues(n, cond);
    const sMin = Math.min(...s);
    const r = await solve(p, { precond: 'gd', lr: 'auto', tol, maxIter: 4000, path: 'primal' });
    expect(r.status).toBe('max-iter');
    expect(r.lr).toBeCloseTo(1, 6);
    const a = r.advice!;
    const theory = 1000 * Math.log10(1 - r.lr * sMin * sMin);
    expect(Math.abs(a.decadesPer1000 - theory) / Math.abs(theory)).toBeLessThan(0.01);
    expect(a.from).toBeGreaterThanOrEqual(3000);
    expect(a.to).toBe(4000);
    expect(a.relResidualTo).toBe(r.relResidual);
    // The estimate, checked by doing it: the run with the suggested budget converges, near the estimate.
    const budget = a.suggestions.find((x) => x.option === 'maxIter')!;
    expect(budget.value).toBeGreaterThanOrEqual(4000 + a.iterationsToTol!);
    const full = await solve(p, { precond: 'gd', lr: 'auto', tol, maxIter: budget.value as number, path: 'primal' });
    expect(full.status).toBe('converged');
    expect(Math.abs(full.iterations - (4000 + a.iterationsToTol!)) / full.iterations).toBeLessThan(0.02);
    // lr is already 'auto': the next step up is within 2/L; the row-space path applies (2n ≤ d).
    expect(a.suggestions.map((x) => x.option)).toEqual(['maxIter', 'lr', 'path', 'X']);
    expect(a.suggestions[1]).toMatchObject({ autoFactor: 1.9 });
    expect(a.summary).toMatch(/^relResidual went from .* over iterations 3,000–4,000 .*tol 1e-8 needs about [\d,]+ more iterations \(rates usually slow down further: a lower bound\)\. Try: maxIter/);
    // A converged run carries no advice.
    expect(full.advice).toBeUndefined();
    p.dispose();
  });

  it('a run that does not decrease (sign descent on its floor) is told to lower lr, with no budget estimate', async () => {
    const p = await generate({ n: 20, d: 60, seed: 3 });
    const r = await solve(p, { precond: 'sign:eps=1e-12', lr: 0.01, maxIter: 3000, tol: 1e-10 });
    expect(r.status).toBe('stalled');
    const a = r.advice!;
    // At a fixed lr, sign descent ends in a cycle that revisits the same iterates: no decrease at all.
    expect(a.decadesPer1000).toBe(0);
    expect(a.iterationsToTol).toBeNull();
    expect(a.suggestions).toHaveLength(1);
    expect(a.suggestions[0]).toMatchObject({ option: 'lr', value: 0.0025 });
    p.dispose();
  });
});
