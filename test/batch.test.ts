// solveBatch: runs advanced together (one pass over X per iteration for all primal runs)
// give exactly what solve() gives for each of them alone.
import { describe, it, expect } from 'vitest';
import { solve, solveBatch, generate, DspgdError, type SolveOptions } from '../src/index.js';

const hex = (a: ArrayLike<number>) => Buffer.from(new Float64Array(Array.from(a)).buffer).toString('hex');

describe('solveBatch', () => {
  for (const [n, d, k] of [[9, 40, 2], [67, 4099, 4]] as const) {
    it(`n=${n}, d=${d}, k=${k}: every run bit-identical to solve() (mixed preconditioners, losses, budgets, a divergence)`, async () => {
      const p = await generate({ n, d, k, seed: 12, w0: 'gaussian', w0Scale: 0.2 });
      const base = { tol: 1e-9, stall: false as const, traceEvery: 3 };
      const runs: SolveOptions[] = [
        { ...base, precond: 'adam:eps=0.05', lr: 0.01, maxIter: 60 },
        { ...base, precond: 'adam:eps=0.05', lr: 0.003, maxIter: 40, loss: 'huber:delta=0.5' },
        { ...base, precond: 'sign:eps=0.1', lr: 0.02, maxIter: 80, reduction: 'mean' },
        { ...base, precond: 'gd', lr: 'auto', maxIter: 50, path: 'primal' },
        { ...base, precond: 'spectral:eps=0.1', lr: 0.05, maxIter: 30, path: 'rowspace' },
        { ...base, precond: 'gd', lr: 1e6, maxIter: 50, path: 'primal' },
        { ...base, precond: 'adam:eps=0.01,beta1=0.9,beta2=0.999', lr: 0.001, maxIter: 25 },
      ];
      const together = await solveBatch(p, runs);
      expect(together.length).toBe(runs.length);
      for (let i = 0; i < runs.length; i++) {
        const alone = await solve(p, runs[i]);
        const b = together[i];
        expect([b.status, b.iterations, b.path], `run ${i}`).toEqual([alone.status, alone.iterations, alone.path]);
        expect(hex(b.W.data), `run ${i}`).toBe(hex(alone.W.data));
        expect(hex(b.trace.loss), `run ${i}`).toBe(hex(alone.trace.loss));
        expect(b.relResidual).toBe(alone.relResidual);
        expect(b.bias!.relDistToGD).toBe(alone.bias!.relDistToGD);
        expect(b.suggestedLr).toBe(alone.suggestedLr);
      }
      expect(together[5].status).toBe('diverged');
      // gd on the squared loss (sum): L = 1, so the suggestion is exactly 1/λmax of the problem's estimate.
      expect(together[5].suggestedLr).toBe(1 / p.lambdaMax());
      p.dispose();
    });
  }

  it('an aborted run drops out while the others go on; bad options name the run', async () => {
    const p = await generate({ n: 10, d: 50, seed: 3 });
    const ctl = new AbortController();
    const r = await solveBatch(p, [
      { precond: 'adam:eps=0.1', lr: 0.01, maxIter: 200, tol: 0, stall: false, callbackEvery: 1, callback: (q) => { if (q.iteration === 5) ctl.abort(); }, signal: ctl.signal },
      { precond: 'sign:eps=0.1', lr: 0.01, maxIter: 200, tol: 0, stall: false },
    ]);
    expect(r[0].status).toBe('aborted');
    expect(r[0].iterations).toBe(6);
    expect(r[1].status).toBe('max-iter');
    expect(r[1].iterations).toBe(200);
    const err = await solveBatch(p, [{ precond: 'gd', lr: 0.1 }, { precond: 'nope', lr: 0.1 }]).catch((e) => e);
    expect(err).toBeInstanceOf(DspgdError);
    expect(err.code).toBe('E_UNKNOWN_NAME');
    const err2 = await solveBatch(p, []).catch((e) => e);
    expect([err2.code, err2.argument]).toEqual(['E_PARAM', 'runs']);
    p.dispose();
  });
});

describe('runGrid', () => {
  it('batched (default) and one-by-one grids give the same rows, in grid order, and onRun counts every run', async () => {
    const { runGrid } = await import('../src/experiment.js');
    const p = await generate({ n: 12, d: 60, k: 2, seed: 8 });
    const opts = { preconds: ['adam:eps=0.1', 'gd', 'sign:eps=0.1'], lrs: [{ autoFactor: 1 }, { autoFactor: 0.25 }, 1e5], tol: 1e-10, maxIter: 5000 };
    const seen: number[] = [];
    const a = await runGrid([{ problem: p, seed: 8 }], { ...opts, onRun: (_r, done, total) => { seen.push(done); expect(total).toBe(9); } });
    const b = await runGrid([{ problem: p, seed: 8 }], { ...opts, batch: false });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const strip = (rows: typeof a.rows) => rows.map(({ timeMs: _t, ...r }) => r);
    expect(strip(a.rows)).toEqual(strip(b.rows));
    expect(a.rows.map((r) => r.precond)).toEqual(['adam:eps=0.1', 'adam:eps=0.1', 'adam:eps=0.1', 'gd', 'gd', 'gd', 'sign:eps=0.1', 'sign:eps=0.1', 'sign:eps=0.1']);
    expect(a.rows[5].status).toBe('diverged'); // gd at lr 1e5 (adam and sign take bounded steps)
    p.dispose();
  });
});
