// Atomic writes: a target is replaced completely or not at all, and no temp
// files are left behind on success or failure.
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeFilesAtomic } from '../src/io/index.js';
import { DspgdError } from '../src/errors.js';

// Fault injection: fs/promises as usual, except that a rename onto
// `renameFailsTo` or an fsync of a file in `syncFailsIn` fails.
const faults = vi.hoisted(() => ({ renameFailsTo: undefined as string | undefined, syncFailsIn: undefined as string | undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const fail = (code: string) => Object.assign(new Error(`${code}: simulated failure`), { code });
  return {
    ...real,
    rename: async (from: string, to: string) => {
      if (faults.renameFailsTo !== undefined && to === faults.renameFailsTo) throw fail('EXDEV');
      return real.rename(from, to);
    },
    open: async (...args: Parameters<typeof real.open>) => {
      const fh = await real.open(...args);
      if (faults.syncFailsIn !== undefined && String(args[0]).startsWith(faults.syncFailsIn) && args[1] === 'wx') {
        fh.sync = async () => { throw fail('ENOSPC'); };
      }
      return fh;
    },
  };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dspgd-atomic-'));
});
afterEach(() => {
  faults.renameFailsTo = faults.syncFailsIn = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const ls = (d = dir) => readdirSync(d).sort();

async function ioError(p: Promise<unknown>, code = 'E_IO'): Promise<DspgdError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e, 'expected a DspgdError').toBeInstanceOf(DspgdError);
  expect((e as DspgdError).code).toBe(code);
  return e as DspgdError;
}

describe('writeFileAtomic', () => {
  it('creates a file from bytes or a UTF-8 string', async () => {
    await writeFileAtomic(join(dir, 'a.bin'), Uint8Array.of(0, 1, 2, 255));
    await writeFileAtomic(join(dir, 'b.json'), '{"λ": 1}\n');
    expect([...readFileSync(join(dir, 'a.bin'))]).toEqual([0, 1, 2, 255]);
    expect(readFileSync(join(dir, 'b.json'), 'utf8')).toBe('{"λ": 1}\n');
    expect(ls()).toEqual(['a.bin', 'b.json']);
  });

  it('replaces an existing file completely (shorter content leaves no tail) and keeps its mode', async () => {
    const p = join(dir, 'out.txt');
    writeFileSync(p, 'x'.repeat(10_000));
    if (process.platform !== 'win32') chmodSync(p, 0o640);
    await writeFileAtomic(p, 'short');
    expect(readFileSync(p, 'utf8')).toBe('short');
    if (process.platform !== 'win32') expect(statSync(p).mode & 0o777).toBe(0o640);
    await writeFileAtomic(p, new Uint8Array(0));
    expect(readFileSync(p).length).toBe(0);
    expect(ls()).toEqual(['out.txt']);
  });

  it('a missing directory: E_IO naming the path, nothing created', async () => {
    const p = join(dir, 'no', 'such', 'out.json');
    const e = await ioError(writeFileAtomic(p, 'data', '--out'));
    expect(e.message).toContain(p);
    expect(e.message).toMatch(/^--out: cannot write .*does not exist/);
    expect(e.argument).toBe('--out');
    expect(ls()).toEqual([]);
  });

  it('a directory as target: E_IO, the directory is untouched, no temp file left', async () => {
    const target = join(dir, 'W.npy');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'keep');
    const e = await ioError(writeFileAtomic(target, 'data'));
    expect(e.message).toMatch(/cannot write .*W\.npy: is a directory/);
    expect(ls()).toEqual(['W.npy']);
    expect(ls(target)).toEqual(['inside']);
  });

  it('invalid data: E_IO, previous file intact, temp removed', async () => {
    const p = join(dir, 'keep.txt');
    writeFileSync(p, 'previous');
    await ioError(writeFileAtomic(p, 42 as unknown as string));
    expect(readFileSync(p, 'utf8')).toBe('previous');
    expect(ls()).toEqual(['keep.txt']);
  });

  it('concurrent writers to one target: the result is one complete version, no temps left', async () => {
    const p = join(dir, 'race.txt');
    const versions = Array.from({ length: 12 }, (_, i) => String(i).repeat(1000 + i * 517));
    await Promise.all(versions.map((v) => writeFileAtomic(p, v)));
    expect(versions).toContain(readFileSync(p, 'utf8'));
    expect(ls()).toEqual(['race.txt']);
  });
  // Leftover temp files of killed writers, and which machine wrote them: io-temp-names.test.ts.
});

describe('writeFilesAtomic', () => {
  it('writes all files', async () => {
    await writeFilesAtomic([
      { path: join(dir, 'r.json'), data: '{}' },
      { path: join(dir, 'W.npy'), data: Uint8Array.of(1, 2, 3) },
    ]);
    expect(ls()).toEqual(['W.npy', 'r.json']);
    expect(readFileSync(join(dir, 'r.json'), 'utf8')).toBe('{}');
    await writeFilesAtomic([]); // nothing to do
  });

  it('a failure before the renames leaves every previous output intact and no temps', async () => {
    const a = join(dir, 'a.json'), b = join(dir, 'b.npy');
    writeFileSync(a, 'old a');
    writeFileSync(b, 'old b');
    // The third file cannot be written: its directory does not exist.
    const e = await ioError(writeFilesAtomic([
      { path: a, data: 'new a' },
      { path: b, data: 'new b' },
      { path: join(dir, 'missing', 'c.npy'), data: 'c', argument: '--save-wgd' },
    ]));
    expect(e.argument).toBe('--save-wgd');
    expect(e.message).toMatch(/--save-wgd: cannot write .*c\.npy/);
    expect(readFileSync(a, 'utf8')).toBe('old a');
    expect(readFileSync(b, 'utf8')).toBe('old b');
    expect(ls()).toEqual(['a.json', 'b.npy']);
  });

  it('a target that is a directory fails before any rename', async () => {
    const a = join(dir, 'a.json');
    writeFileSync(a, 'old a');
    mkdirSync(join(dir, 'isdir'));
    await ioError(writeFilesAtomic([
      { path: a, data: 'new a' },
      { path: join(dir, 'isdir'), data: 'x' },
    ]));
    expect(readFileSync(a, 'utf8')).toBe('old a');
    expect(ls()).toEqual(['a.json', 'isdir']);
    expect(ls(join(dir, 'isdir'))).toEqual([]);
  });

  it('a failed fsync (simulated ENOSPC) leaves every previous output intact and no temps', async () => {
    const a = join(dir, 'a.json'), b = join(dir, 'b.npy');
    writeFileSync(a, 'old a');
    writeFileSync(b, 'old b');
    faults.syncFailsIn = dir;
    const e = await ioError(writeFilesAtomic([{ path: a, data: 'new a' }, { path: b, data: 'new b' }]));
    expect(e.message).toMatch(/cannot write .*a\.json: no space left on device \(ENOSPC\)/);
    expect(readFileSync(a, 'utf8')).toBe('old a');
    expect(readFileSync(b, 'utf8')).toBe('old b');
    expect(ls()).toEqual(['a.json', 'b.npy']);
  });

  it('a rename that fails (simulated EXDEV) removes the remaining temps and says what was written', async () => {
    const a = join(dir, 'a.txt'), b = join(dir, 'b.txt'), c = join(dir, 'c.txt');
    writeFileSync(b, 'old b');
    faults.renameFailsTo = b;
    const e = await ioError(writeFilesAtomic([{ path: a, data: 'new a' }, { path: b, data: 'new b' }, { path: c, data: 'new c' }]));
    expect(e.message).toMatch(/cannot write .*b\.txt: .*EXDEV.*\(already written: .*a\.txt\)/);
    expect(readFileSync(a, 'utf8')).toBe('new a');
    expect(readFileSync(b, 'utf8')).toBe('old b'); // never truncated
    expect(ls()).toEqual(['a.txt', 'b.txt']);
  });

  it('writeFileAtomic with a failing rename leaves the target and no temp', async () => {
    const p = join(dir, 'W.npy');
    writeFileSync(p, 'previous');
    faults.renameFailsTo = p;
    await ioError(writeFileAtomic(p, 'next'));
    expect(readFileSync(p, 'utf8')).toBe('previous');
    expect(ls()).toEqual(['W.npy']);
  });

  it('the same path twice is E_PARAM, nothing written', async () => {
    const e = await ioError(writeFilesAtomic([
      { path: join(dir, 'W.npy'), data: 'a', argument: '--save-w' },
      { path: join(dir, '.', 'W.npy'), data: 'b', argument: '--save-wgd' },
    ]), 'E_PARAM');
    expect(e.message).toMatch(/--save-wgd: two outputs would be written to the same file/);
    expect(ls()).toEqual([]);
  });
});
