// Property: malformed .npy / .npz / CSV / JSON bytes (truncated, bytes flipped,
// bytes inserted, lying headers, huge declared shapes) give an E_FORMAT error
// naming the file, or a matrix; never another exception, a hang or a huge
// allocation. A .npz member whose bytes changed is caught by its CRC-32.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNpy, encodeNpy, parseNpz, encodeNpz, parseCsv, parseJsonMatrix, encodeCsv, encodeJsonMatrix, readMatrixFile } from '../../src/io/index.js';
import { crc32 } from '../../src/io/crc32.js';
import { loadProblem, type Matrix } from '../../src/index.js';
import { budget, expectTypedError } from './arbitraries.js';
import { bitsOf } from '../helpers/bits.js';

const NAME = 'file under test.bin';

/** A mutation of a valid file: truncate, flip bits, overwrite, insert or delete bytes. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(src: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = Uint8Array.from(src);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'truncate') b = b.slice(0, at);
    else if (m.kind === 'flip') { if (b.length) b[at] ^= 1 << m.bit; }
    else if (m.kind === 'set') { if (b.length) b[at] = m.byte; }
    else if (m.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
    else b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.len)]);
  }
  return b;
}

const small = fc.record({
  rows: fc.integer({ min: 1, max: 6 }), cols: fc.integer({ min: 1, max: 5 }), oneD: fc.boolean(),
}).chain(({ rows, cols, oneD }) => fc.array(fc.double(), { minLength: rows * (oneD ? 1 : cols), maxLength: rows * (oneD ? 1 : cols) })
  .map((v): Matrix => ({ data: Float64Array.from(v), shape: oneD ? [rows] : [rows, cols] })));

function parsedOrFormatError(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    const err = expectTypedError(e);
    expect(['E_FORMAT', 'E_PARAM']).toContain(err.code);
    expect(err.message).toContain(NAME);
    return undefined;
  }
}

describe('CRC-32', () => {
  it('agrees with zlib on random bytes and the check value of "123456789"', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (b) => {
      expect(crc32(b)).toBe(zlibCrc32(b));
    }), budget(300, 2000));
  });
});

describe('.npy', () => {
  it('mutated files: E_FORMAT naming the file, or a matrix of the declared shape', () => {
    fc.assert(fc.property(small, fc.array(mutation, { minLength: 1, maxLength: 3 }), (m, ms) => {
      const out = parsedOrFormatError(() => parseNpy(mutate(encodeNpy(m), ms), NAME)) as Matrix | undefined;
      if (out) expect(out.data.length).toBe(out.shape.reduce((a, b) => a * b, 1));
    }), budget(2000, 4000));
  });

  it('a header declaring 10^12 elements (or 2^64) fails fast with E_FORMAT, before allocating', () => {
    for (const shape of ['(1000000, 1000000)', '(1000000000000,)', '(18446744073709551616, 2)', '(4294967296, 4294967296)']) {
      const header = `${`{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`.padEnd(117, ' ')}\n`;
      const bytes = new Uint8Array(10 + header.length + 16);
      bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
      bytes.set(new TextEncoder().encode(header), 10);
      const before = process.memoryUsage().arrayBuffers;
      let err: unknown;
      try { parseNpy(bytes, NAME); } catch (e) { err = e; }
      // An attempt to allocate 8 TB would be a RangeError, not a DspgdError.
      expectTypedError(err);
      expect((err as { code: string }).code).toBe('E_FORMAT');
      expect((err as Error).message).toMatch(/truncated/);
      expect((err as Error).message).toContain(NAME);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    }
  });
});

describe('.npz', () => {
  const archive = (ms: Matrix[], compress: boolean) => encodeNpz(Object.fromEntries(ms.map((m, i) => [`a${i}`, m])), { compress });

  it('a mutated archive never yields numbers that were not in it: every array returned is bit-identical to an original', () => {
    fc.assert(fc.property(fc.array(small, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 2 }), (ms, compress, mut) => {
      const out = parsedOrFormatError(() => parseNpz(mutate(archive(ms, compress), mut), NAME)) as Map<string, Matrix> | undefined;
      if (!out) return;
      const originals = new Set(ms.map((m) => `${m.shape.join('x')}:${bitsOf(m.data).join('')}`));
      for (const m of out.values()) expect(originals.has(`${m.shape.join('x')}:${bitsOf(m.data).join('')}`)).toBe(true);
    }), budget(2000, 5000));
  });

  it('one flipped bit in the data of a stored member is caught by its CRC-32, naming the member', () => {
    fc.assert(fc.property(small, fc.nat(), fc.integer({ min: 0, max: 7 }), (m, at, bit) => {
      const bytes = archive([m], false);
      const npy = encodeNpy(m);
      const start = bytes.findIndex((_, i) => i > 30 && bytes[i] === 0x93 && bytes[i + 1] === 0x4e); // the member's .npy starts after its local header
      const dataStart = start + npy.length - m.data.length * 8;
      const pos = dataStart + (at % (m.data.length * 8));
      bytes[pos] ^= 1 << bit;
      let err: unknown;
      try { parseNpz(bytes, NAME); } catch (e) { err = e; }
      expectTypedError(err);
      expect((err as Error).message).toMatch(/CRC-32/);
      expect((err as Error).message).toContain("'a0.npy'");
      expect((err as Error).message).toContain(NAME);
    }), budget(300, 2000));
  });

  it('a member declaring 4 GiB (stored or deflated) is refused before inflating', () => {
    for (const compress of [false, true]) {
      const bytes = archive([{ data: new Float64Array(4), shape: [4] }], compress);
      const dv = new DataView(bytes.buffer);
      // Patch the uncompressed size in the central directory entry (fflate reads sizes from there).
      for (let i = bytes.length - 22; i >= 0; i--) {
        if (dv.getUint32(i, true) === 0x02014b50) { dv.setUint32(i + 24, 0xfffffff0, true); break; }
      }
      let err: unknown;
      try { parseNpz(bytes, NAME); } catch (e) { err = e; }
      expectTypedError(err);
      expect((err as { code: string }).code).toBe('E_FORMAT');
      expect((err as Error).message).toMatch(/4294967280/);
    }
  });
});

describe('CSV and JSON', () => {
  it('mutated CSV text: E_FORMAT naming the file (with line and column), or a matrix', () => {
    fc.assert(fc.property(small, fc.array(mutation, { minLength: 1, maxLength: 3 }), (m, ms) => {
      const text = new TextDecoder().decode(mutate(new TextEncoder().encode(encodeCsv(m)), ms));
      const out = parsedOrFormatError(() => parseCsv(text, NAME)) as Matrix | undefined;
      if (out) expect(out.data.length).toBe(out.shape.reduce((a, b) => a * b, 1));
    }), budget(2000, 4000));
  });

  it('random text as CSV or JSON', () => {
    const text = fc.oneof(fc.string({ maxLength: 60 }), fc.stringMatching(/^[0-9eE.,;+\-\t \n\r"#naifNIF]{0,60}$/));
    fc.assert(fc.property(text, (t) => {
      parsedOrFormatError(() => parseCsv(t, NAME));
      parsedOrFormatError(() => parseJsonMatrix(t, NAME));
    }), budget(3000, 3000));
  });

  it('mutated JSON: E_FORMAT naming the file, or a matrix', () => {
    fc.assert(fc.property(small, fc.array(mutation, { minLength: 1, maxLength: 3 }), (m, ms) => {
      const text = new TextDecoder().decode(mutate(new TextEncoder().encode(encodeJsonMatrix(m)), ms));
      parsedOrFormatError(() => parseJsonMatrix(text, NAME));
    }), budget(2000, 3000));
  });
});

describe('files on disk', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dspgd-io-prop-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('readMatrixFile: every malformed file is E_FORMAT naming the argument and the path', async () => {
    await fc.assert(fc.asyncProperty(small, fc.constantFrom('.npy', '.npz', '.csv', '.json'), fc.array(mutation, { minLength: 1, maxLength: 2 }), async (m, ext, ms) => {
      const path = join(dir, `in put${ext}`);
      const good = ext === '.npy' ? encodeNpy(m) : ext === '.npz' ? encodeNpz({ X: m }) : new TextEncoder().encode(ext === '.csv' ? encodeCsv(m) : encodeJsonMatrix(m));
      writeFileSync(path, mutate(good, ms));
      try {
        await readMatrixFile(ext === '.npz' ? `${path}:X` : path, '--X');
      } catch (e) {
        const err = expectTypedError(e);
        expect(['E_FORMAT', 'E_PARAM']).toContain(err.code);
        expect(err.argument).toBe('--X');
        expect(err.message).toContain(path);
      }
    }), budget(300, 4000));
  });

  it('loadProblem (streams .npy into WASM memory): mutated X and Y files are a Problem or a typed error, never a trap', async () => {
    const pair = fc.record({ n: fc.integer({ min: 1, max: 6 }), d: fc.integer({ min: 1, max: 9 }) });
    await fc.assert(fc.asyncProperty(pair, fc.array(mutation, { minLength: 0, maxLength: 2 }), fc.array(mutation, { maxLength: 1 }), fc.boolean(),
      async ({ n, d }, mx, my, csvY) => {
        const X = encodeNpy({ data: Float64Array.from({ length: n * d }, (_, i) => Math.cos(i)), shape: [n, d] });
        const Y: Matrix = { data: Float64Array.from({ length: n }, (_, i) => i), shape: [n] };
        const px = join(dir, 'lx.npy'), py = join(dir, csvY ? 'ly.csv' : 'ly.npy');
        writeFileSync(px, mutate(X, mx));
        writeFileSync(py, mutate(csvY ? new TextEncoder().encode(encodeCsv(Y)) : encodeNpy(Y), my));
        try {
          const p = await loadProblem({ X: px, Y: py });
          expect(p.n * p.d).toBeGreaterThan(0);
          p.dispose();
        } catch (e) {
          const err = expectTypedError(e);
          expect(['E_FORMAT', 'E_SHAPE', 'E_EMPTY', 'E_NONFINITE', 'E_PARAM']).toContain(err.code);
        }
      }), budget(300, 4000));
  });

  it('loadProblem: a .npy header declaring 10^12 elements fails before allocating', async () => {
    const header = `${`{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }`.padEnd(117, ' ')}\n`;
    const bytes = new Uint8Array(10 + header.length + 16);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
    bytes.set(new TextEncoder().encode(header), 10);
    const px = join(dir, 'huge.npy'), py = join(dir, 'hy.npy');
    writeFileSync(px, bytes);
    writeFileSync(py, encodeNpy({ data: new Float64Array(1000000), shape: [1000000] }));
    const e = await loadProblem({ X: px, Y: py }).catch((x) => x);
    expectTypedError(e);
    expect(e.code).toBe('E_FORMAT');
    expect(e.message).toContain(px);
    expect(e.message).toMatch(/truncated/);
  });
});
