// Memory: 10,000 consecutive solves of varying small sizes in one process leave
// WASM memory and the JS heap flat after warm-up; dispose() (or `using`)
// returns a problem's blocks for reuse; problems that cannot fit are refused
// up front with the size they would need.
import { describe, it, expect } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { solve, generate, Problem, DspgdError, requiredBytes, BUILTIN_PRECOND_NAMES } from '../../src/index.js';
import { getWasm, WASM_MAX_BYTES } from '../../src/wasm/module.js';

// A real gc() for heap measurements (vitest does not pass --expose-gc to its workers).
v8.setFlagsFromString('--expose-gc');
const gc: () => void = (globalThis as { gc?: () => void }).gc ?? vm.runInNewContext('gc');

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A deterministic stream of sizes and data (LCG), so the sequence is the same on every run. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

describe('10,000 consecutive solves', () => {
  it('WASM memory does not grow after warm-up, every block is freed, and the JS heap stays flat', async () => {
    const wasm = await getWasm();
    const rand = lcg(42);
    const names = [...BUILTIN_PRECOND_NAMES, 'adam:beta1=0.9,beta2=0.999'];
    const one = async (i: number) => {
      const n = 1 + Math.floor(rand() * 12), d = 1 + Math.floor(rand() * 40), k = 1 + Math.floor(rand() * 3);
      const X = new Float64Array(n * d).map(() => rand() - 0.5);
      const Y = new Float64Array(n * k).map(() => rand() - 0.5);
      const r = await solve({ X: { data: X, shape: [n, d] }, Y: { data: Y, shape: [n, k] } }, {
        precond: names[i % names.length], lr: 'auto', maxIter: 30, tol: 1e-6, report: i % 2 === 0,
      });
      expect(r.W.data.length).toBe(d * k);
    };
    const inUse0 = wasm.bytesInUse();
    for (let i = 0; i < 1000; i++) await one(i); // warm-up: memory reaches its working size, JIT settles
    const mem1 = wasm.exports.memory.buffer.byteLength;
    const heap1 = heapAfterGc();
    for (let i = 1000; i < 10_000; i++) {
      await one(i);
      if (i % 1000 === 0) expect(wasm.bytesInUse(), `blocks leaked by solve ${i}`).toBe(inUse0);
    }
    const mem2 = wasm.exports.memory.buffer.byteLength;
    const heap2 = heapAfterGc();
    expect(wasm.bytesInUse()).toBe(inUse0);
    expect(mem2).toBe(mem1);
    // Generous: 9,000 solves that each leaked even one 1 KiB trace would add ~9 MB.
    expect(heap2 - heap1).toBeLessThan(4 * 2 ** 20);
    console.log(`10,000 solves: WASM memory ${mem1} → ${mem2} bytes, JS heap ${(heap1 / 2 ** 20).toFixed(1)} → ${(heap2 / 2 ** 20).toFixed(1)} MiB`);
  }, 120_000);
});

describe('dispose() and `using`', () => {
  it('creating and disposing a 32 MB problem 20 times does not grow memory after the first', async () => {
    const wasm = await getWasm();
    const base = wasm.bytesInUse();
    let grown = 0;
    for (let i = 0; i < 20; i++) {
      const p = await generate({ n: 400, d: 10_000, seed: i });
      await solve(p, { precond: 'gd', lr: 0.01, maxIter: 3, report: false });
      expect(wasm.bytesInUse()).toBeGreaterThan(base + 400 * 10_000 * 8);
      p.dispose();
      expect(wasm.bytesInUse()).toBe(base);
      if (i === 0) grown = wasm.exports.memory.buffer.byteLength;
      else expect(wasm.exports.memory.buffer.byteLength).toBe(grown);
    }
  });

  it('`using` disposes at the end of the block; a disposed problem is E_DISPOSED', async () => {
    const wasm = await getWasm();
    const base = wasm.bytesInUse();
    let kept: Problem;
    {
      using p = await generate({ n: 50, d: 500, seed: 1 });
      kept = p;
      expect(wasm.bytesInUse()).toBeGreaterThan(base);
    }
    expect(kept.isDisposed).toBe(true);
    expect(wasm.bytesInUse()).toBe(base);
    const e = await solve(kept, { precond: 'gd', lr: 0.1 }).catch((x) => x);
    expect(e).toBeInstanceOf(DspgdError);
    expect(e.code).toBe('E_DISPOSED');
    kept.dispose(); // idempotent
  });

  it('a failing Problem.create or solve leaves no block behind', async () => {
    const wasm = await getWasm();
    const base = wasm.bytesInUse();
    await Problem.create({ X: [[1, 2], [3, 4]], Y: [1, 2, 3] }).catch(() => undefined);
    await solve({ X: [[1, 2], [3, 4]], Y: [1, 2] }, { precond: 'gd', lr: 0.1, callback: () => { throw new Error('x'); } }).catch(() => undefined);
    await solve({ X: [[1, 2], [3, 4]], Y: [1, 2] }, { precond: { name: 'c', params: {}, isotropic: false, preservesRowSpace: false, stateful: false, gradK: () => { throw new Error('y'); }, toString: () => 'c' }, lr: 0.1 }).catch(() => undefined);
    expect(wasm.bytesInUse()).toBe(base);
  });
});

describe('problems that cannot fit', () => {
  for (const [n, d, k] of [[30_000, 30_000, 1], [1, 300_000_000, 1], [100, 1_000_000, 40], [2 ** 20, 2 ** 13, 1]]) {
    it(`n=${n}, d=${d}, k=${k} is refused up front with the size it needs, without allocating`, async () => {
      const wasm = await getWasm();
      const mem = wasm.exports.memory.buffer.byteLength;
      const need = requiredBytes(n, d, k);
      expect(need).toBeGreaterThan(WASM_MAX_BYTES);
      const e = await generate({ n, d, k, seed: 1 }).catch((x) => x);
      expect(e).toBeInstanceOf(DspgdError);
      expect(e.code).toBe('E_TOO_LARGE');
      const gib = (need / 2 ** 30).toFixed(2);
      expect(e.message).toContain(`${gib} GiB`);
      expect(wasm.exports.memory.buffer.byteLength).toBe(mem);
    });
  }

  it('one array over the per-array limit (4 GiB less the module\'s first MiB) is E_TOO_LARGE, not a trap', async () => {
    const wasm = await getWasm();
    const e = (() => { try { wasm.allocF64(2 ** 29 - 2 ** 17 + 1, 'big'); } catch (x) { return x; } })() as DspgdError;
    expect(e).toBeInstanceOf(DspgdError);
    expect(e.code).toBe('E_TOO_LARGE');
    expect(e.message).toMatch(/more than the 4095 MiB one array can have in WASM memory/);
  });
});
