// The worker runner in Node (worker_threads): the same numbers as an in-process solve,
// progress while a run goes, cancellation, transfers and errors across the thread boundary.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { solve, solveBatch, generate, adam, custom, DspgdError } from '../src/index.js';
import { runGrid } from '../src/experiment.js';
import { createRunner, type Runner } from '../src/worker/index.js';

const hex = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('worker runner (Node worker thread)', () => {
  let runner: Runner;
  beforeAll(async () => { runner = await createRunner({ progressEveryMs: 0 }); });
  afterAll(async () => { await runner.terminate(); });

  it('solve in the worker is bit-identical to solve in this thread, with progress events', async () => {
    const opts = { n: 30, d: 120, k: 2, seed: 7, kind: 'teacher' as const };
    const remote = await runner.generate(opts);
    expect([remote.n, remote.d, remote.k]).toEqual([30, 120, 2]);
    const local = await generate(opts);
    const o = { precond: adam({ eps: 0.05 }), lr: 0.01, tol: 1e-9, maxIter: 3000, stall: false as const };
    const seen: number[] = [];
    const r = await runner.solve(remote, o, { onProgress: (p) => seen.push(p.iteration) });
    const l = await solve(local, o);
    expect([r.status, r.iterations]).toEqual([l.status, l.iterations]);
    expect(hex(r.W.data as Float64Array)).toBe(hex(l.W.data));
    expect(hex(r.bias!.W_GD.data)).toBe(hex(l.bias!.W_GD.data));
    expect(r.bias!.c).toBe(l.bias!.c);
    expect(r.W.data).toBeInstanceOf(Float64Array);
    expect(r.trace.loss).toBeInstanceOf(Float64Array);
    expect(seen.length).toBeGreaterThan(3);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    local.dispose();
    await remote.dispose();
  });

  it('solveBatch: each run as it finishes, equal to in-process; problem data transferred, not copied', async () => {
    const local = await generate({ n: 12, d: 60, seed: 3 });
    const X = new Float64Array(12 * 60), Y = new Float64Array(12);
    for (let i = 0; i < X.length; i++) X[i] = Math.sin(i * 0.37) / 8;
    for (let i = 0; i < Y.length; i++) Y[i] = Math.cos(i);
    const runs = [{ precond: 'gd', lr: 'auto' as const, maxIter: 500 }, { precond: 'sign:eps=0.1', lr: 0.01, maxIter: 400 }];
    const expected = await solveBatch({ X: { data: X.slice(), shape: [12, 60] }, Y: Y.slice() }, runs);
    const order: number[] = [];
    const got = await runner.solveBatch({ X: { data: X, shape: [12, 60] }, Y }, runs, { transfer: true, onDone: (i) => order.push(i) });
    expect(X.byteLength).toBe(0); // moved to the worker
    expect(order.sort()).toEqual([0, 1]);
    for (let i = 0; i < runs.length; i++) expect(hex(got[i].W.data)).toBe(hex(expected[i].W.data));
    local.dispose();
  });

  it('cancel: an AbortSignal stops a long run, which comes back with status aborted', async () => {
    const p = await runner.generate({ n: 200, d: 3000, seed: 1 });
    const ctl = new AbortController();
    let progressed = 0;
    let abortedAt = 0;
    const t0 = Date.now();
    const pending = runner.solve(p, { precond: 'adam:eps=0.01', lr: 1e-4, tol: 0, maxIter: 10_000_000, stall: false }, {
      signal: ctl.signal,
      onProgress: () => { if (++progressed === 3) { abortedAt = performance.now(); ctl.abort(); } },
    });
    const r = await pending;
    const latencyMs = performance.now() - abortedAt;
    expect(r.status).toBe('aborted');
    expect(r.iterations).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    // The worker checks for messages every yieldEveryMs (25 ms) of solving; the bound leaves room for a loaded machine.
    console.log(`worker cancel: stopped after ${r.iterations} iterations (${(r.timeMs / r.iterations).toFixed(2)} ms each); the result, with its bias report, back ${latencyMs.toFixed(1)} ms after abort()`);
    expect(latencyMs).toBeLessThan(2000);
    // runner.cancel() stops everything in flight the same way
    const again = runner.solve(p, { precond: 'gd', lr: 1e-4, tol: 0, maxIter: 10_000_000, stall: false, path: 'primal' });
    setTimeout(() => runner.cancel(), 100);
    expect((await again).status).toBe('aborted');
    await p.dispose();
  });

  it('cancel reaches a run that never yields to its event loop (shared flag read at every iteration)', async () => {
    const p = await runner.generate({ n: 100, d: 1000, seed: 2 });
    const ctl = new AbortController();
    const maxIter = 300_000; // tens of seconds: without the flag the run would only end here
    const r = await runner.solve(p, { precond: 'gd', lr: 1e-4, tol: 0, maxIter, stall: false, path: 'primal', yieldEveryMs: 1e9 }, {
      signal: ctl.signal,
      onProgress: (q) => { if (q.iteration >= 50) ctl.abort(); },
    });
    expect(r.status).toBe('aborted');
    expect(r.iterations).toBeLessThan(maxIter);
    expect(r.W.data.every(Number.isFinite)).toBe(true);
    await p.dispose();
  }, 120_000);

  it('runGrid in the worker gives the rows of runGrid in this thread', async () => {
    const remote = await runner.generate({ n: 10, d: 40, seed: 5 });
    const local = await generate({ n: 10, d: 40, seed: 5 });
    const o = { preconds: ['gd', 'adam:eps=0.1'], lrs: [{ autoFactor: 0.5 }, 0.01], maxIter: 300 };
    const runs: number[] = [];
    const w = await runner.runGrid([{ problem: remote, seed: 5 }], { ...o, onRun: (_row, done) => runs.push(done) });
    const l = await runGrid([{ problem: local, seed: 5 }], o);
    expect(runs).toEqual([1, 2, 3, 4]);
    expect(w.rows.map((r) => ({ ...r, timeMs: 0 }))).toEqual(l.rows.map((r) => ({ ...r, timeMs: 0 })));
    expect(hex(w.traces[3].loss)).toBe(hex(l.traces[3].loss));
    local.dispose();
    await remote.dispose();
  });

  it('errors cross as DspgdError with their code; custom preconditioners are refused up front', async () => {
    const bad = runner.generate({ n: 0, d: 10 });
    await expect(bad).rejects.toBeInstanceOf(DspgdError);
    await expect(bad).rejects.toMatchObject({ code: 'E_PARAM' });
    const p = await runner.generate({ n: 4, d: 8 });
    await expect(runner.solve(p, { precond: 'gd', lr: -1 })).rejects.toMatchObject({ code: 'E_PARAM', argument: 'lr' });
    const mine = custom({ name: 'mine', gradK: (G, out) => out.set(G) });
    await expect(runner.solve(p, { precond: mine, lr: 0.1 })).rejects.toMatchObject({ code: 'E_PARAM', argument: 'options.precond' });
    await p.dispose();
    await expect(runner.solve(p, { precond: 'gd', lr: 0.1 })).rejects.toMatchObject({ code: 'E_DISPOSED' });
    // Data that cannot be cloned never reaches the worker, and the runner still works.
    const X = Object.assign([[1, 2, 3]], { tag: () => 0 });
    await expect(runner.solve({ X, Y: [1] }, { precond: 'gd', lr: 0.1 })).rejects.toMatchObject({ code: 'E_PARAM', argument: 'solve' });
    expect((await runner.solve({ X: [[1, 2, 3]], Y: [1] }, { precond: 'gd', lr: 0.05, maxIter: 5000 })).status).toBe('converged');
  });

  it('terminate rejects calls in flight with E_THREAD', async () => {
    const r2 = await createRunner();
    const p = await r2.generate({ n: 100, d: 2000, seed: 2 });
    const pending = r2.solve(p, { precond: 'gd', lr: 1e-5, tol: 0, maxIter: 10_000_000, stall: false, path: 'primal' });
    const caught = pending.catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await r2.terminate();
    expect(await caught).toMatchObject({ code: 'E_THREAD', message: 'runner: terminated' });
    await expect(r2.generate({ n: 2, d: 3 })).rejects.toMatchObject({ code: 'E_THREAD' });
  });
});
