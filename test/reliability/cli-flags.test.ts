// The CLI's messages name the flag the user gave: .npy header errors on the streaming path (--X,
// --Y, --W0, --problem members), the solve options checked by the core (gradRelTol → --grad-rel-tol,
// threads → --threads, path → --path); and the summary line says how many threads a run used
// when that is fewer than --threads asked for.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy } from '../../src/io/index.js';
import { zipSync } from 'fflate';

const BIN = join(__dirname, '..', '..', 'bin', 'dspgd.js');
let dir: string;

/** A .npy header (version 1.0) for `dict`, padded as NumPy pads it. */
function npyHeader(dict: string): Uint8Array {
  const body = `${dict + ' '.repeat((64 - ((10 + dict.length + 1) % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + body.length);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0, body.length & 0xff, body.length >> 8]);
  out.set(Buffer.from(body, 'latin1'), 10);
  return out;
}
const cat = (...parts: Uint8Array[]) => Buffer.concat(parts);

/** Malformed .npy files, each with what its message must say after the flag and the file name. */
const BAD: [string, Uint8Array, RegExp][] = [
  ['magic.npy', Buffer.from(`\x93NUMPX\x01\x00\x10\x00${' '.repeat(16)}`, 'latin1'), /not a \.npy file/],
  ['short.npy', Buffer.from('\x93NUM', 'latin1'), /not a \.npy file \(truncated/],
  ['version.npy', Buffer.from(`\x93NUMPY\x09\x00\x10\x00${' '.repeat(16)}`, 'latin1'), /unsupported \.npy format version 9\.0/],
  ['hlen.npy', Buffer.from('\x93NUMPY\x01\x00\xff\xff{', 'latin1'), /declared header length 65535/],
  ['dict.npy', npyHeader('{garbage}'), /malformed header/],
  ['complex.npy', cat(npyHeader("{'descr': '<c16', 'fortran_order': False, 'shape': (4, 3), }"), new Uint8Array(192)), /unsupported dtype '<c16'/],
  ['three.npy', cat(npyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }"), new Uint8Array(64)), /expected a 1-D or 2-D array/],
  ['negative.npy', npyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 3), }"), /negative dimension/],
  ['truncated.npy', cat(npyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), }"), new Uint8Array(40)), /the data is truncated/],
  ['huge.npy', npyHeader("{'descr': '|i1', 'fortran_order': False, 'shape': (40000, 40000), }"), /.+/],
];

beforeAll(() => {
  expect(existsSync(join(__dirname, '..', '..', 'dist', 'cli.js')), 'run `npm run build` first').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'dspgd-flags-'));
  const X = encodeNpy({ data: Float64Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)), shape: [4, 3] });
  writeFileSync(join(dir, 'X.npy'), X);
  writeFileSync(join(dir, 'Y.npy'), encodeNpy({ data: Float64Array.from([1, 2, 3, 4]), shape: [4] }));
  writeFileSync(join(dir, 'W0.npy'), encodeNpy({ data: new Float64Array(3), shape: [3] }));
  for (const [name, bytes] of BAD) {
    writeFileSync(join(dir, name), bytes);
    // The same bytes as the X member of a problem file.
    writeFileSync(join(dir, name.replace('.npy', '.npz')), zipSync({ 'X.npy': new Uint8Array(bytes), 'Y.npy': new Uint8Array(encodeNpy({ data: Float64Array.from([1, 2, 3, 4]), shape: [4] })) }));
  }
  const g = spawnSync(process.execPath, [BIN, 'generate', '--n', '64', '--d', '16384', '--seed', '1', '--out', 'wide.npz', '--quiet'], { cwd: dir, encoding: 'utf8' });
  expect(g.status, g.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dspgd = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
const SOLVE = ['solve', '--precond', 'gd', '--lr', 'auto', '-q'];

describe('.npy header errors name the flag (streaming path)', () => {
  it('every malformed header, given as --X, --Y, --W0 or a --problem member: exit 2, "dspgd: <flag>: <file>: …"', () => {
    const flags = ['--X', '--Y', '--W0', '--problem'] as const;
    const seen = new Set<string>();
    BAD.forEach(([name, , what], i) => {
      const flag = flags[i % flags.length];
      seen.add(flag);
      const file = flag === '--problem' ? name.replace('.npy', '.npz') : name;
      const inputs = flag === '--problem' ? ['--problem', file]
        : ['--X', flag === '--X' ? file : 'X.npy', '--Y', flag === '--Y' ? file : 'Y.npy', ...(flag === '--W0' ? ['--W0', file] : [])];
      const r = dspgd(...SOLVE, ...inputs);
      expect(r.status, `${flag} ${file}: ${r.stderr}`).toBe(2);
      expect(r.stderr, `${flag} ${file}`).toMatch(new RegExp(`^dspgd: ${flag}: ${file.replace('.', '\\.')}: `));
      expect(r.stderr).toMatch(what);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
    expect(seen.size).toBe(4);
  }, 120_000);
});

describe('solve options checked by the core are reported by their flag', () => {
  it.each([
    [['--grad-rel-tol', '1'], '--grad-rel-tol', /expected a number in \[0, 1\)/],
    [['--grad-rel-tol', '2.5'], '--grad-rel-tol', /expected a number in \[0, 1\)/],
    [['--threads', '65'], '--threads', /from 1 to 64/],
    [['--path', 'rowspace', '--precond', 'sign'], '--path', /does not preserve the row space/],
  ])('%j: exit 2, the message names %s', (extra, flag, what) => {
    const args = extra.includes('--precond') ? ['solve', '--lr', 'auto', '-q', '--problem', 'wide.npz', ...extra] : [...SOLVE, '--problem', 'wide.npz', ...extra];
    const r = dspgd(...args);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.startsWith(`dspgd: ${flag}: `) || r.stderr.includes(`option '${flag} `), r.stderr).toBe(true);
    expect(r.stderr).toMatch(what);
    expect(r.stderr).not.toMatch(/(?<![-\w])(gradRelTol|threads|path):/);
  }, 60_000);
});

describe('the summary line says how many threads ran', () => {
  it('--threads 2 with --path auto picking the row-space path: "1 thread (asked 2: the row-space path runs on one thread)"', () => {
    // With the default budget the Gram matrix pays for itself: auto picks the row-space path.
    const r = dspgd('solve', '--problem', 'wide.npz', '--precond', 'gd', '--lr', 'auto', '--threads', '2');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\(rowspace, 1 thread \(asked 2: the row-space path runs on one thread\), kernel /);
    const j = dspgd('solve', '--problem', 'wide.npz', '--precond', 'gd', '--lr', 'auto', '--threads', '2', '--json');
    expect(JSON.parse(j.stdout)).toMatchObject({ path: 'rowspace', threads: 1 });
  }, 60_000);

  it('--path primal on a problem of 4 row chunks: the threads asked for, no remark', () => {
    const r = dspgd('solve', '--problem', 'wide.npz', '--precond', 'gd', '--lr', 'auto', '--max-iter', '3', '--threads', '2', '--path', 'primal');
    expect(r.status, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/\(primal, 2 threads, kernel [a-z]+\)\n/);
  }, 60_000);
});
