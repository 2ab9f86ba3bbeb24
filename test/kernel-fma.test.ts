// The fma kernel (relaxed SIMD build of the pass over X): against an independent float64
// reference, within a stated distance of the portable kernel, bit-identical to itself across
// thread counts, and a clean fallback where the engine has no relaxed SIMD.
//
// Node 20 compiles relaxed SIMD only behind a V8 flag; this file turns it on for its worker
// (flags are per process: other files still default to the simd kernel, so they are unaffected).
import { setFlagsFromString } from 'node:v8';
setFlagsFromString('--experimental-wasm-relaxed-simd');

import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getWasm, type Wasm } from '../src/wasm/module.js';
import { RELAXED_SIMD_PROBE, relaxedSimdSupported, type PassKernels } from '../src/wasm/kernels.js';
import { generate, solve, DspgdError } from '../src/index.js';
import { referenceResidualGrad } from '../src/reference/iteration.js';
import { LOSS_IDS } from '../src/losses/index.js';
import { randn, relMaxDiff } from './helpers/rng.js';

let w: Wasm;
let fma: PassKernels;
beforeAll(async () => {
  w = await getWasm();
  const f = await w.fma();
  if (!f) throw new Error('the fma build did not load although relaxed SIMD is on (run npm run build)');
  fma = f;
});

const put = (a: Float64Array): number => {
  const p = w.allocF64(a.length);
  w.f64(p, a.length).set(a);
  return p;
};
const bits = (a: ArrayLike<number>) => Buffer.from(new Float64Array(Array.from(a)).buffer).toString('hex');

describe('fma kernel', () => {
  it('the probe module validates exactly when relaxed SIMD is on', () => {
    expect(relaxedSimdSupported()).toBe(true);
    expect(WebAssembly.validate(RELAXED_SIMD_PROBE)).toBe(true);
  });

  it('the fma builds import only memory and lossRow, export the pass kernels, and have no data segment', () => {
    for (const file of ['dspgd-fma.wasm', 'dspgd-fma-shared.wasm']) {
      const bytes = readFileSync(join(__dirname, '..', 'build', file));
      const m = new WebAssembly.Module(bytes);
      expect(WebAssembly.Module.imports(m).map((i) => `${i.module}.${i.name}:${i.kind}`).sort(), file).toEqual(['dspgd.lossRow:function', 'env.memory:memory']);
      expect(WebAssembly.Module.exports(m).map((e) => e.name), file).toEqual(expect.arrayContaining(['residualGrad', 'residualGradRows', 'residualGradBatch']));
      // Instantiating it on a memory in use must not write a byte: no data (11) or data-count (12) section.
      const sections: number[] = [];
      for (let at = 8; at < bytes.length;) {
        const id = bytes[at++];
        let size = 0, shift = 0, b: number;
        do { b = bytes[at++]; size |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
        sections.push(id);
        at += size;
      }
      expect(sections, file).toContain(10);
      expect(sections.filter((id) => id === 11 || id === 12), file).toEqual([]);
    }
  });

  // Every SIMD tail: k = 1 (pairs over j), odd k, the 4-column block, n not a multiple of 4, d odd.
  for (const [n, d, k] of [[5, 7, 1], [9, 101, 2], [13, 37, 5], [10, 33, 11], [6, 1000, 8], [7, 4099, 1]] as const) {
    for (const [loss, param] of [['squared', 0], ['huber', 0.5], ['logcosh', 0]] as const) {
      it(`${loss}: R, G and the stats against a float64 reference (n=${n}, d=${d}, k=${k})`, () => {
        const X = randn(n * d, 1 + n + d), Y = randn(n * k, 2 + k), W = randn(d * k, 3 + d);
        const pX = put(X), pY = put(Y), pW = put(W);
        const out = (kern: PassKernels) => {
          const pG = w.allocF64(d * k), pR = w.allocF64(n * k), pD = w.allocF64(n * k), st = w.allocF64(2);
          kern.residualGrad(n, d, k, pX, pW, pY, pG, pR, pD, LOSS_IDS[loss], param, 1, st);
          const r = { G: w.f64(pG, d * k).slice(), R: w.f64(pR, n * k).slice(), st: w.f64(st, 2).slice() };
          for (const p of [pG, pR, pD, st]) w.free(p);
          return r;
        };
        const a = out(w.simd), b = out(fma);
        const G = new Float64Array(d * k), R = new Float64Array(n * k);
        const ref = referenceResidualGrad({ X, Y, W0: W, n, d, k }, W, loss, param, 1, G, R);
        // Both kernels sit within the same round-off distance of the reference …
        for (const r of [a, b]) {
          expect(relMaxDiff(r.R, R)).toBeLessThan(1e-12);
          expect(relMaxDiff(r.G, G)).toBeLessThan(1e-11);
          expect(Math.abs(r.st[0] - ref.loss) / Math.max(1, Math.abs(ref.loss))).toBeLessThan(1e-12);
          expect(Math.abs(r.st[1] - ref.rr) / Math.max(1, ref.rr)).toBeLessThan(1e-12);
        }
        // … and of each other (docs/math.md states the bound).
        expect(relMaxDiff(b.G, a.G)).toBeLessThan(1e-11);
        for (const p of [pX, pY, pW]) w.free(p);
      });
    }
  }

  it('the fma kernel does fuse on this machine (its G differs from simd in the last bits)', () => {
    // Only where the CPU has FMA: V8 lowers relaxed_madd to mul + add otherwise, and then the bits agree.
    const n = 8, d = 512, k = 4;
    const X = randn(n * d, 11), Y = randn(n * k, 12), W = randn(d * k, 13);
    const pX = put(X), pY = put(Y), pW = put(W);
    const run = (kern: PassKernels) => {
      const pG = w.allocF64(d * k), pR = w.allocF64(n * k), pD = w.allocF64(n * k), st = w.allocF64(2);
      kern.residualGrad(n, d, k, pX, pW, pY, pG, pR, pD, 0, 0, 1, st);
      const g = bits(w.f64(pG, d * k));
      for (const p of [pG, pR, pD, st]) w.free(p);
      return g;
    };
    let fused = process.arch === 'arm64';
    try {
      fused ||= process.arch === 'x64' && /^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
    } catch {
      // not Linux: fusing is not asserted
    }
    if (!fused) console.log(`fma kernel: fusing not asserted (${process.arch}, no FMA flag found in /proc/cpuinfo)`);
    else expect(run(fma)).not.toBe(run(w.simd));
    for (const p of [pX, pY, pW]) w.free(p);
  });

  it('solve: kernel fma reports itself, stays within 1e-10 of simd, and gives the same bits on 1, 2 and 3 threads', async () => {
    const p = await generate({ n: 67, d: 4099, k: 4, seed: 9, w0: 'gaussian', w0Scale: 0.1 });
    const o = { precond: 'adam:eps=0.05', lr: 0.02, maxIter: 25, tol: 0, stall: false as const, path: 'primal' as const, report: false };
    const simd = await solve(p, o);
    const one = await solve(p, { ...o, kernel: 'fma' });
    const two = await solve(p, { ...o, kernel: 'fma', threads: 2 });
    const three = await solve(p, { ...o, kernel: 'fma', threads: 3 });
    expect(simd.kernel).toBe('simd');
    expect([one.kernel, two.kernel, three.kernel]).toEqual(['fma', 'fma', 'fma']);
    expect(two.threads).toBe(2);
    expect(relMaxDiff(one.W.data, simd.W.data)).toBeLessThan(1e-10);
    expect(bits(two.W.data)).toBe(bits(one.W.data));
    expect(bits(three.W.data)).toBe(bits(one.W.data));
    expect(bits(two.trace.loss)).toBe(bits(one.trace.loss));
    p.dispose();
  });

  it('solveBatch: runs on different kernels each get the bits of their own solve', async () => {
    const p = await generate({ n: 40, d: 300, k: 3, seed: 4 });
    const o = { precond: 'sign:eps=0.1', lr: 0.01, maxIter: 20, tol: 0, stall: false as const, path: 'primal' as const, report: false };
    const { solveBatch } = await import('../src/index.js');
    const [a, b] = await solveBatch(p, [{ ...o, kernel: 'simd' }, { ...o, kernel: 'fma' }]);
    expect(bits(a.W.data)).toBe(bits((await solve(p, { ...o, kernel: 'simd' })).W.data));
    expect(bits(b.W.data)).toBe(bits((await solve(p, { ...o, kernel: 'fma' })).W.data));
    expect(b.kernel).toBe('fma');
    p.dispose();
  });

  it("kernel 'auto' picks one of the two and says which; the row-space path reports simd", async () => {
    const p = await generate({ n: 20, d: 200, seed: 3 });
    const r = await solve(p, { precond: 'gd', lr: 'auto', maxIter: 5, kernel: 'auto', path: 'primal', report: false });
    expect(['simd', 'fma']).toContain(r.kernel);
    const rs = await solve(p, { precond: 'gd', lr: 'auto', maxIter: 5, kernel: 'fma', path: 'rowspace', report: false });
    expect(rs.kernel).toBe('simd');
    p.dispose();
  });

  it('an unknown kernel is E_PARAM naming kernel', async () => {
    const p = await generate({ n: 8, d: 30, seed: 2 });
    const err = await solve(p, { precond: 'gd', lr: 0.1, kernel: 'avx' as 'simd' }).catch((e) => e);
    expect(err).toBeInstanceOf(DspgdError);
    expect(err.code).toBe('E_PARAM');
    expect(err.message).toMatch(/^kernel:/);
    p.dispose();
  });

  it('without relaxed SIMD: auto falls back to simd with the same bits, fma is E_PARAM saying why', () => {
    const script = `
      import { generate, solve } from './dist/index.js';
      const p = await generate({ n: 30, d: 200, k: 2, seed: 1 });
      const o = { precond: 'adam:eps=0.05', lr: 0.02, maxIter: 10, tol: 0, stall: false, path: 'primal', report: false };
      const a = await solve(p, { ...o, kernel: 'auto' });
      const s = await solve(p, o);
      const e = await solve(p, { ...o, kernel: 'fma' }).catch((e) => e);
      const hex = (r) => Buffer.from(new Float64Array(r.W.data).buffer).toString('hex');
      process.stdout.write(JSON.stringify({ auto: a.kernel, same: hex(a) === hex(s), code: e.code, message: e.message }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--no-experimental-wasm-relaxed-simd', '--input-type=module', '-e', script], { encoding: 'utf8' }));
    expect(out).toEqual({ auto: 'simd', same: true, code: 'E_PARAM', message: expect.stringMatching(/^kernel: 'fma' needs WebAssembly relaxed SIMD/) });
  });
});
