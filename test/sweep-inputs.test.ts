// A sweep checks, where it loads a data file, that the bytes it loaded are those whose SHA-256 the
// grid recorded; the hash is taken from the loader's own reads (src/io/node/file-hash.ts), not
// from a second read of the file. Bytes read are counted by Linux (/proc/self/io rchar: every
// byte read(2) returned, from the page cache or not).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesSource, encodeNpy, encodeNpz, encodeCsv } from '../src/io/index.js';
import { FileHash, GAP_BYTES } from '../src/io/node/file-hash.js';
import { loadProblem } from '../src/io/node/problem-files.js';
import { parseGridFile } from '../src/sweep/grid.js';
import { withContentHashes } from '../src/sweep/inputs.js';
import { openGridProblem } from '../src/sweep/execute.js';
import type { Matrix } from '../src/matrix.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('FileHash: the SHA-256 of a file from the reads a loader makes', () => {
  it('whatever the reads (in order, back, far ahead, past the end), digest() is the SHA-256 of the whole', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 3 * GAP_BYTES }),
      fc.array(fc.tuple(fc.double({ min: 0, max: 1.1, noNaN: true }), fc.integer({ min: 1, max: 2 * GAP_BYTES })), { maxLength: 12 }),
      (bytes, reads) => {
        const hash = new FileHash();
        const src = hash.wrap(bytesSource(bytes));
        for (const [at, length] of reads) {
          const position = Math.floor(at * bytes.length);
          const into = new Uint8Array(length);
          const n = src.read(position, into);
          // The reads themselves are passed through unchanged.
          expect(into.subarray(0, n)).toEqual(bytes.subarray(position, position + n));
        }
        expect(hash.digest()).toBe(sha(bytes));
      },
    ), { numRuns: 150 });
  });

  it('a file read front to back in blocks (an .npy\'s data) is hashed from those reads: nothing read again', () => {
    const bytes = Uint8Array.from({ length: 1_000_003 }, (_, i) => (i * 7919) % 251);
    let read = 0;
    const raw = bytesSource(bytes);
    const counted = { size: raw.size, read: (p: number, into: Uint8Array) => { const n = raw.read(p, into); read += n; return n; } };
    const hash = new FileHash();
    const src = hash.wrap(counted);
    // A header read (the first 10 kB), then the data from byte 128 on, in blocks.
    src.read(0, new Uint8Array(10_000));
    for (let p = 128; p < bytes.length; p += 65_536) src.read(p, new Uint8Array(65_536));
    const loader = read;
    expect(hash.digest()).toBe(sha(bytes));
    // The data read again from byte 128 starts the hash over: bytes 0–127 are read once more for it.
    expect(read - loader).toBe(0);
    expect(loader).toBe(10_000 + (bytes.length - 128) + 128);
  });

  it('the hash holds what the last read of each byte saw: a header changed between its two reads gives the new file\'s hash', () => {
    const v1 = Uint8Array.from({ length: 50_000 }, (_, i) => i % 256);
    const v2 = v1.slice();
    v2[10] ^= 0xff;
    let now = v1;
    const hash = new FileHash();
    const src = hash.wrap({ size: v1.length, read: (p: number, into: Uint8Array) => bytesSource(now).read(p, into) });
    src.read(0, new Uint8Array(1000)); // the header, hashed (v1)
    now = v2; // the file is rewritten in place
    const again = new Uint8Array(1000);
    src.read(0, again); // read again, as the decoder does: it decodes v2
    expect(again[10]).toBe(v2[10]);
    // Had the second read been skipped as "already hashed", the digest would be v1's, and the
    // change (persisting) would go unnoticed while the data loaded is v2's.
    expect(hash.digest()).toBe(sha(v2));
  });
});

describe('a sweep loads a data file once', () => {
  let dir: string;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const matrix = (rows: number, cols: number, seed: number): Matrix => {
    let s = seed;
    const data = Float64Array.from({ length: rows * cols }, () => { s = (s * 16807) % 2147483647; return s / 2147483647 - 0.5; });
    return { data, shape: cols === 1 ? [rows] : [rows, cols] };
  };
  const rchar = () => Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
  async function bytesRead<T>(f: () => Promise<T>): Promise<[T, number]> {
    const before = rchar();
    const out = await f();
    return [out, rchar() - before];
  }
  const grid = (problem: object) => withContentHashes(parseGridFile(JSON.stringify({ problems: [problem], preconds: ['gd'], lrs: [0.1], stopping: { maxIter: 1 } }), 'exp.json'), dir);

  // X.npy (8 MB), Y.npy; p.npz holding both (stored, as np.savez); X and Y as CSV.
  const X = matrix(1000, 1000, 1), Y = matrix(1000, 1, 2);
  const cases: { what: string; problem: object; files: { X: string; Y: string; W0?: string } }[] = [
    { what: 'X.npy and Y.npy', problem: { X: 'X.npy', Y: 'Y.npy' }, files: { X: 'X.npy', Y: 'Y.npy' } },
    { what: 'an .npz problem', problem: { problem: 'p.npz' }, files: { X: 'p.npz:X', Y: 'p.npz:Y', W0: 'p.npz:W0' } },
    { what: 'X and Y as members of one .npz', problem: { X: 'p.npz:X', Y: 'p.npz:Y' }, files: { X: 'p.npz:X', Y: 'p.npz:Y' } },
    { what: 'CSV files', problem: { X: 'X.csv', Y: 'Y.csv' }, files: { X: 'X.csv', Y: 'Y.csv' } },
  ];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dspgd-sweep-inputs-'));
    writeFileSync(join(dir, 'X.npy'), encodeNpy(X));
    writeFileSync(join(dir, 'Y.npy'), encodeNpy(Y));
    writeFileSync(join(dir, 'p.npz'), encodeNpz({ X, Y }));
    writeFileSync(join(dir, 'X.csv'), encodeCsv(matrix(200, 50, 3)));
    writeFileSync(join(dir, 'Y.csv'), encodeCsv(matrix(200, 1, 4)));
    (await loadProblem({ X: join(dir, 'X.npy'), Y: join(dir, 'Y.npy') })).dispose(); // the WASM module is read before anything is counted
  });

  for (const c of cases) {
    it(`${c.what}: the check of the recorded SHA-256 reads (almost) nothing besides the loader's own reads`, async () => {
      const g = await grid(c.problem);
      const abs = (p: string) => join(dir, p);
      const [plain, loaderReads] = await bytesRead(() => loadProblem(
        { X: abs(c.files.X), Y: abs(c.files.Y), W0: c.files.W0 && abs(c.files.W0) }, { optionalW0: c.files.W0 !== undefined }));
      const [checked, sweepReads] = await bytesRead(() => openGridProblem(g.problems[0]!, 0, dir));
      try {
        const bits = (m: Matrix) => sha(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
        expect(bits(checked.X)).toBe(bits(plain.X));
        // Before: the whole file again (8 MB here). Now: at most a gap or two of 64 KiB, and the .npz central directory.
        expect(sweepReads - loaderReads).toBeLessThan(2 * GAP_BYTES + 8192);
      } finally {
        plain.dispose();
        checked.dispose();
      }
    });
  }

  it('loadProblem tells the SHA-256 of each file it read, once per file, equal to the hash of its bytes', async () => {
    for (const c of cases) {
      const told: [string, string][] = [];
      const abs = (p: string) => join(dir, p);
      const p = await loadProblem({ X: abs(c.files.X), Y: abs(c.files.Y), W0: c.files.W0 && abs(c.files.W0) },
        { optionalW0: c.files.W0 !== undefined, onSha256: (file, hex) => told.push([file, hex]) });
      p.dispose();
      const files = [...new Set(Object.values(c.files).map((f) => abs(f.replace(/:[A-Z0-9]+$/, ''))))];
      expect(told, c.what).toEqual(files.map((f) => [f, sha(readFileSync(f))]));
    }
  });
});
