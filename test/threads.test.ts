// The threaded pass over X: same bits as one thread, fallback without shared memory.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { solve, generate, DspgdError } from '../src/index.js';
import { getWasm } from '../src/wasm/module.js';
import { chunkCount, chunkRows } from '../src/engine/pass.js';
import { stopPool } from '../src/engine/threads.js';

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
