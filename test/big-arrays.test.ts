// Arrays past AssemblyScript's 1 GiB block limit: blocks above it are whole pages grown for them
// (src/wasm/module.ts), so one array may take what is left of the 4 GiB wasm32 address space.
// Each test touches at most ~1.3 GiB of memory and a few passes over it (CI: 2 cores, 24 GiB).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DspgdError, loadProblem, solve, encodeNpy } from '../src/index.js';
import { requiredBytes } from '../src/problem.js';
import { MAX_ARRAY_BYTES } from '../src/io/index.js';
import { getWasm, WASM_MAX_ARRAY_BYTES, WASM_MAX_BYTES } from '../src/wasm/module.js';

const BIN = resolve(__dirname, '..', 'bin', 'dspgd.js');
const OLD_CAP = 2 ** 30 - 64; // the per-array limit before: TLSF's largest block
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dspgd-big-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A float64 .npy of `shape` whose data is a hole (zeros) except the values written at `at` (element index → value). */
function sparseNpy(name: string, shape: [number, number], at: Map<number, number>): string {
  let h = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape[0]}, ${shape[1]}), }`;
  h += ' '.repeat(63 - ((10 + h.length) % 64)) + '\n';
  const head = new Uint8Array(10 + h.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
  for (let i = 0; i < h.length; i++) head[10 + i] = h.charCodeAt(i);
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head);
    for (const [i, v] of at) writeSync(fd, new Uint8Array(new Float64Array([v]).buffer), 0, 8, head.length + 8 * i);
    ftruncateSync(fd, head.length + 8 * shape[0] * shape[1]);
  } finally {
    closeSync(fd);
  }
  return path;
}

describe('one array past the old 1 GiB limit', () => {
  it('the limit is the 4 GiB address space less the module\'s first MiB, the same for files and WASM', () => {
    expect(WASM_MAX_ARRAY_BYTES).toBe(WASM_MAX_BYTES - 2 ** 20);
    expect(MAX_ARRAY_BYTES).toBe(WASM_MAX_ARRAY_BYTES);
  });

  it('a 2.5 GiB array is allocated, addressed past 2 GiB and 3 GiB inside it, and freed', async () => {
    const wasm = await getWasm();
    const len = 2.5 * 2 ** 27; // 2.5 GiB of float64
    const before = wasm.bytesInUse();
    const p = wasm.allocF64(len, 'big');
    expect(wasm.bytesInUse() - before).toBe(len * 8);
    // Views and kernel pointers past 2^31 and 2^31 + 2^30 bytes into one array, on windows: a
    // pass over all of it would touch 2.5 GiB of fresh pages (~50 s on the loaded 2-core VM).
    const v = wasm.f64(p, len);
    const marks = [0, 2 ** 27, 2 ** 28 - 1, 2 ** 28, len - 2, len - 1]; // 2^28 doubles = 2 GiB in
    marks.forEach((i, j) => { v[i] = j + 1; });
    const at = (i: number) => p + i * 8;
    expect(wasm.exports.sumsq(4, at(0))).toBe(1);
    expect(wasm.exports.sumsq(16, at(2 ** 28 - 8))).toBe(9 + 16);
    expect(wasm.exports.dot(2, at(2 ** 28 - 1), at(len - 2))).toBe(3 * 5 + 4 * 6);
    const tail = at(len - 16);
    expect(wasm.exports.allFinite(16, tail)).toBe(1);
    wasm.f64(tail, 16)[15] = Number.NaN;
    expect(wasm.exports.allFinite(16, tail)).toBe(0);
    wasm.free(p);
    expect(wasm.bytesInUse()).toBe(before);
  }, 120_000);

  it('an array over the new limit is E_TOO_LARGE naming it, and memory is untouched', async () => {
    const wasm = await getWasm();
    const size = wasm.exports.memory.buffer.byteLength;
    const e = (() => { try { wasm.allocF64(WASM_MAX_ARRAY_BYTES / 8 + 1, 'huge'); } catch (x) { return x; } })() as DspgdError;
    expect(e).toBeInstanceOf(DspgdError);
    expect(e.code).toBe('E_TOO_LARGE');
    expect(e.message).toBe('huge: one array of 4.00 GiB is more than the 4095 MiB one array can have in WASM memory');
    expect(wasm.exports.memory.buffer.byteLength).toBe(size);
  });

  it('a 1.19 GiB X (4000×40000) loads from a .npy and one GD step equals η·XᵀY', async () => {
    const [n, d] = [4000, 40_000];
    expect(n * d * 8).toBeGreaterThan(OLD_CAP);
    // Nonzeros at X's first and last entries (the last are 1.19 GiB into the array).
    const x = new Map([[0, 1], [1, 2], [2, 3], [3, 4], [n * d - 4, 5], [n * d - 3, 6], [n * d - 2, 7], [n * d - 1, 8]]);
    const X = sparseNpy('X.npy', [n, d], x);
    const y = new Float64Array(n);
    y[0] = 1;
    y[n - 1] = 2;
    writeFileSync(join(dir, 'y.npy'), encodeNpy({ data: y, shape: [n] }));
    // A freed large region comes back, zeroed, for the next large block instead of new pages.
    const wasm = await getWasm();
    const region = wasm.allocF64(n * d + 1000, 'region');
    wasm.f64(region, 1)[0] = 99;
    wasm.free(region);
    const size = wasm.exports.memory.buffer.byteLength;
    const problem = await loadProblem({ X, Y: join(dir, 'y.npy') }, { names: { X: '--X', Y: '--Y' } });
    try {
      expect(problem.ptr.X).toBe(region);
      expect(wasm.exports.memory.buffer.byteLength).toBe(size);
      expect([problem.n, problem.d, problem.k]).toEqual([n, d, 1]);
      // From W0 = 0 with ℓ = ½r² summed, one step is W1 = η·XᵀY (spec: squared loss, gd = identity ∇K).
      const lr = 0.01;
      const r = await solve(problem, { precond: 'gd', lr, maxIter: 1, tol: 0, report: false, path: 'primal' });
      expect(r.iterations).toBe(1);
      const W = r.W.data as Float64Array;
      const expected = new Map([[0, lr * 1], [1, lr * 2], [2, lr * 3], [3, lr * 4], [d - 4, lr * 10], [d - 3, lr * 12], [d - 2, lr * 14], [d - 1, lr * 16]]);
      let others = 0;
      for (let j = 0; j < d; j++) {
        if (expected.has(j)) expect(W[j], `W[${j}]`).toBe(expected.get(j));
        else others += Math.abs(W[j]);
      }
      expect(others).toBe(0);
    } finally {
      problem.dispose();
    }
  }, 180_000);
});

describe('from the header, before reading: E_TOO_LARGE naming the flag', () => {
  it('an X over the new per-array limit (4 GiB: 65536×8192)', () => {
    const X = sparseNpy('X4g.npy', [65536, 8192], new Map());
    writeFileSync(join(dir, 'y4g.npy'), encodeNpy({ data: new Float64Array(4), shape: [4] }));
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [BIN, 'solve', '--precond', 'gd', '--lr', '0.1', '--X', X, '--Y', join(dir, 'y4g.npy')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe(`dspgd: --X: ${X}: shape (65536, 8192) of dtype '<f8' is 4 GiB as float64, more than the 4095 MiB one array can hold in WASM memory (refused from the header, before reading the data)`);
    console.log(`4 GiB X: refused in ${Math.round(performance.now() - t0)} ms`);
  });

  it('an X under it whose problem does not fit (3.73 GiB X with n ≤ d: X, Y, W, work and two n×n)', () => {
    const [n, d] = [8000, 62_500];
    expect(n * d * 8).toBeLessThan(WASM_MAX_ARRAY_BYTES);
    expect(requiredBytes(n, d, 1)).toBeGreaterThan(WASM_MAX_BYTES);
    const X = sparseNpy('X373.npy', [n, d], new Map());
    writeFileSync(join(dir, 'y373.npy'), encodeNpy({ data: new Float64Array(n), shape: [n] }));
    const r = spawnSync(process.execPath, [BIN, 'solve', '--precond', 'gd', '--lr', '0.1', '--X', X, '--Y', join(dir, 'y373.npy')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(2);
    const gib = (requiredBytes(n, d, 1) / 2 ** 30).toFixed(2);
    expect(r.stderr.trim()).toMatch(new RegExp(`^dspgd: --X: problem: n=8000, d=62500, k=1 needs about ${gib.replace('.', '\\.')} GiB of WASM memory .*more than the 4 GiB a wasm32 module can address$`));
  });
});
