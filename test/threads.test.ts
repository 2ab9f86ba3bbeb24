// The threaded pass over X: same bits as one thread, fallback without shared memory.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { solve, generate, DspgdError } from '../src/index.js';
import { getWasm } from '../src/wasm/module.js';
import { chunkCount, chunkRows } from '../src/engine/pass.js';
import { splitGrid, stopPool } from '../src/engine/threads.js';
import { randn } from './helpers/rng.js';

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const x = new Float64Array(Array.from(a)), y = new Float64Array(Array.from(b));
  return Buffer.from(x.buffer).equals(Buffer.from(y.buffer));
}

describe('threads', () => {
  it('the module runs on shared memory in Node', async () => {
    const w = await getWasm();
    expect(w.shared).toBeDefined();
    expect(w.exports.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('chunks cover the rows exactly once, on four-row boundaries', () => {
    for (const n of [16, 17, 63, 100, 513, 2000]) {
      const C = 4;
      let next = 0;
      for (let c = 0; c < C; c++) {
        const [i0, i1] = chunkRows(n, C, c);
        expect(i0).toBe(next);
        if (i1 < n) expect(i1 % 4).toBe(0);
        next = i1;
      }
      expect(next).toBe(n);
    }
    expect(chunkCount(10, 10, 1)).toBe(1);
    expect(chunkCount(64, 4096, 4)).toBe(4);
  });

  it('the split grid depends on the shape only: row pieces on four-row boundaries, even panel widths, each covering its range once', () => {
    for (const [n, d] of [[16, 16], [17, 33], [67, 4099], [512, 8192], [2000, 20000], [5, 100001]]) {
      const g = splitGrid(n, d);
      expect(g.pieceRows % 4).toBe(0);
      expect(g.panelWidth % 2).toBe(0);
      expect(g.pieces).toBeLessThanOrEqual(64);
      expect(g.panels).toBeLessThanOrEqual(64);
      expect((g.pieces - 1) * g.pieceRows).toBeLessThan(n);
      expect(g.pieces * g.pieceRows).toBeGreaterThanOrEqual(n);
      expect((g.panels - 1) * g.panelWidth).toBeLessThan(d);
      expect(g.panels * g.panelWidth).toBeGreaterThanOrEqual(d);
    }
  });

  // The split pass (assembly/pass/split.ts) on any pieces and panels must give the bits
  // of the fused pass on the same chunks: R, D, G and the stats.
  for (const [n, d, k, C] of [[67, 4099, 4, 4], [70, 515, 1, 4], [33, 301, 11, 1], [9, 60, 2, 4]] as const) {
    it(`split pass = fused pass bit for bit, for odd pieces and panels (n=${n}, d=${d}, k=${k}, ${C} chunks)`, async () => {
      const w = await getWasm();
      const e = w.exports;
      const put = (a: Float64Array) => { const p = w.allocF64(a.length); w.f64(p, a.length).set(a); return p; };
      const X = put(randn(n * d, 3)), Y = put(randn(n * k, 4)), W = put(randn(d * k, 5, 0.1));
      const [G, R, D, G2, R2, D2, part, scratch] = [d * k, n * k, n * k, d * k, n * k, n * k, d * k, 8 * k].map((len) => w.allocF64(len));
      const st = w.allocF64(2 * C), st2 = w.allocF64(2 * C);
      const per = chunkRows(n, C, 0)[1];
      for (let c = 0; c < C; c++) {
        const [i0, i1] = chunkRows(n, C, c);
        e.residualGradRows(i0, i1, d, k, X, W, Y, c ? part : G, R, D, 1, 0.5, 1, st + 16 * c);
        if (c) e.axpy(d * k, 1, part, G);
      }
      e.sumStats(C - 1, st + 16, st);
      // Pieces of 5 rows (not on four-row boundaries either), in reverse order; panels of 8 columns.
      for (let i = Math.floor((n - 1) / 5) * 5; i >= 0; i -= 5) e.residualRows(i, Math.min(n, i + 5), d, k, X, W, Y, R2);
      for (let c = 0; c < C; c++) {
        const [i0, i1] = chunkRows(n, C, c);
        e.lossRows(i0, i1, k, R2, D2, 1, 0.5, 1, st2 + 16 * c);
      }
      e.sumStats(C - 1, st2 + 16, st2);
      for (let j = 0; j < d; j += 8) e.gradPanel(n, per, C, j, Math.min(d, j + 8), d, k, X, D2, G2, scratch);
      const hex = (p: number, len: number) => Buffer.from(new Uint8Array(e.memory.buffer, p, 8 * len)).toString('hex');
      expect(hex(R2, n * k)).toBe(hex(R, n * k));
      expect(hex(D2, n * k)).toBe(hex(D, n * k));
      expect(hex(G2, d * k)).toBe(hex(G, d * k));
      expect(hex(st2, 2)).toBe(hex(st, 2));
      for (const p of [X, Y, W, G, R, D, G2, R2, D2, part, scratch, st, st2]) w.free(p);
    });
  }

  it('any thread count gives the bits of one thread: 2 and 4 share the chunks, 3, 5 and 8 run the split pass', async () => {
    const p = await generate({ n: 70, d: 3001, k: 5, seed: 7, w0: 'gaussian', w0Scale: 0.1 });
    const opts = { precond: 'adam:eps=0.05', loss: 'huber:delta=0.5', lr: 0.02, maxIter: 15, tol: 0, stall: false as const, path: 'primal' as const, report: false };
    const one = await solve(p, { ...opts, threads: 1 });
    for (const threads of [2, 3, 4, 5, 8]) {
      const r = await solve(p, { ...opts, threads });
      expect(r.threads).toBe(threads);
      expect(sameBits(r.W.data, one.W.data), `${threads} threads`).toBe(true);
      expect(sameBits(r.trace.loss, one.trace.loss), `${threads} threads`).toBe(true);
    }
    p.dispose();
    await stopPool();
  });

  for (const [precond, loss] of [['adam:eps=0.05', 'squared'], ['gd', 'huber:delta=0.5'], ['sign:eps=0.1', 'logcosh']] as const) {
    it(`${precond}, ${loss}: 2 and 3 threads give the bits of 1 thread (n=67, d=4099, k=4)`, async () => {
      const p = await generate({ n: 67, d: 4099, k: 4, seed: 9, w0: 'gaussian', w0Scale: 0.1 });
      const opts = { precond, loss, lr: 0.02, maxIter: 25, tol: 0, stall: false as const, path: 'primal' as const, traceEvery: 5 };
      const one = await solve(p, { ...opts, threads: 1 });
      const two = await solve(p, { ...opts, threads: 2 });
      const three = await solve(p, { ...opts, threads: 3 });
      expect(one.threads).toBe(1);
      expect(two.threads).toBe(2);
      expect(three.threads).toBe(3);
      expect(sameBits(two.W.data, one.W.data)).toBe(true);
      expect(sameBits(three.W.data, one.W.data)).toBe(true);
      expect(sameBits(two.trace.loss, one.trace.loss)).toBe(true);
      expect(sameBits(two.trace.gradNorm, one.trace.gradNorm)).toBe(true);
      expect(two.bias!.relDistToGD).toBe(one.bias!.relDistToGD);
      p.dispose();
    });
  }

  it('a small problem (one chunk) runs on one thread whatever is asked', async () => {
    const p = await generate({ n: 8, d: 30, seed: 2 });
    const r = await solve(p, { precond: 'gd', lr: 0.1, threads: 4, maxIter: 10, path: 'primal', report: false });
    expect(r.threads).toBe(1);
    p.dispose();
  });

  it('threads out of range is E_PARAM naming threads', async () => {
    const p = await generate({ n: 8, d: 30, seed: 2 });
    for (const threads of [0, 1.5, -1, NaN, 100]) {
      const err = await solve(p, { precond: 'gd', lr: 0.1, threads }).catch((e) => e);
      expect(err).toBeInstanceOf(DspgdError);
      expect(err.code).toBe('E_PARAM');
      expect(err.message).toMatch(/^threads:/);
    }
    p.dispose();
  });

  it('without shared memory (DSPGD_THREADS=0) the same run is single-threaded with the same bits', async () => {
    const p = await generate({ n: 67, d: 4099, k: 4, seed: 9 });
    const r = await solve(p, { precond: 'adam:eps=0.05', lr: 0.02, maxIter: 10, tol: 0, stall: false, path: 'primal', threads: 2, report: false });
    p.dispose();
    await stopPool();
    const script = `
      import { generate, solve } from './dist/index.js';
      const p = await generate({ n: 67, d: 4099, k: 4, seed: 9 });
      const r = await solve(p, { precond: 'adam:eps=0.05', lr: 0.02, maxIter: 10, tol: 0, stall: false, path: 'primal', threads: 2, report: false });
      process.stdout.write(JSON.stringify({ threads: r.threads, hex: Buffer.from(new Float64Array(r.W.data).buffer).toString('hex') }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, DSPGD_THREADS: '0' }, encoding: 'utf8' }));
    expect(out.threads).toBe(1);
    expect(out.hex).toBe(Buffer.from(new Float64Array(Array.from(r.W.data)).buffer).toString('hex'));
  });
});
