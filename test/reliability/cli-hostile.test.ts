// The real CLI on hostile inputs: random combinations of bad and good flag
// values and data files (NaN, 1e300, all-zero, 1×1, mismatched, garbage,
// truncated) always end with exit 0 or 3 (ran) or 2 (one line on stderr naming
// the problem); never exit 1 ("internal error"), a stack trace or a hang.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, encodeNpz } from '../../src/io/index.js';
import { budget } from '../property/arbitraries.js';

const BIN = join(__dirname, '..', '..', 'bin', 'dspgd.js');
let dir: string;

beforeAll(() => {
  expect(existsSync(join(__dirname, '..', '..', 'dist', 'cli.js')), 'run `npm run build` first').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'dspgd-cli-hostile-'));
  const X = (n: number, d: number, f: (i: number) => number) => encodeNpy({ data: Float64Array.from({ length: n * d }, (_, i) => f(i)), shape: [n, d] });
  const y = (n: number, f: (i: number) => number) => encodeNpy({ data: Float64Array.from({ length: n }, (_, i) => f(i)), shape: [n] });
  const files: Record<string, Uint8Array | string> = {
    'X.npy': X(4, 9, (i) => Math.sin(i + 1)), 'y.npy': y(4, (i) => i - 1.5),
    'Xnan.npy': X(4, 9, (i) => (i === 5 ? NaN : 1)), 'Xhuge.npy': X(4, 9, (i) => (i % 2 ? 1e300 : -1e300)),
    'Xzero.npy': X(4, 9, () => 0), 'yzero.npy': y(4, () => 0), 'X11.npy': X(1, 1, () => 2), 'y1.npy': y(1, () => 3),
    'Xsub.npy': X(4, 9, (i) => (i + 1) * 5e-324), 'y5.npy': y(5, () => 1),
    'trunc.npy': X(4, 9, () => 1).slice(0, 150), 'garbage.npy': 'hello', 'X.csv': '1,2,3\n4,5\n', 'X.json': '[[1,2],[3,"a"]]',
    'p.npz': encodeNpz({ X: { data: new Float64Array(36).fill(1), shape: [4, 9] }, Y: { data: new Float64Array(4), shape: [4] } }),
  };
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const xs = ['X.npy', 'Xnan.npy', 'Xhuge.npy', 'Xzero.npy', 'X11.npy', 'Xsub.npy', 'trunc.npy', 'garbage.npy', 'X.csv', 'X.json', 'missing.npy', 'p.npz:X', 'p.npz:Q', 'p.npz', '.'];
const ys = ['y.npy', 'yzero.npy', 'y1.npy', 'y5.npy', 'garbage.npy', 'p.npz:Y'];
const precs = ['gd', 'sign:eps=0.1', 'spectral:eps=1e-300', 'adam:eps=0', 'adam:beta1=1', 'power:p=1', 'nope', 'clip:c=1e308', 'colnorm:eps=1e300', 'rownorm:x=1', 'normalized:eps=NaN', ':', 'sign:eps=1e-170'];
const lrs = ['0.1', 'auto', '1e300', '1e-300', '-1', '0', 'abc', 'NaN', 'Infinity', '1e999'];
const iters = ['0', '1', '50', '-1', '1.5', 'x', '1e3'];
const losses = ['squared', 'huber:delta=0', 'lp:p=1', 'lp:p=1.5', 'logcosh', 'bogus'];

describe('dspgd solve on hostile inputs', () => {
  it('exit 0/2/3 with a one-line message on 2, never an internal error or a stack trace', () => {
    const args = fc.record({
      X: fc.constantFrom(...xs), Y: fc.constantFrom(...ys), precond: fc.constantFrom(...precs), lr: fc.constantFrom(...lrs),
      maxIter: fc.constantFrom(...iters), loss: fc.constantFrom(...losses),
    });
    fc.assert(fc.property(args, (a) => {
      const argv = ['solve', '--X', a.X, '--Y', a.Y, '--precond', a.precond, '--lr', a.lr, '--max-iter', a.maxIter, '--loss', a.loss, '--json', '--quiet'];
      const r = spawnSync(process.execPath, [BIN, ...argv], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      const what = argv.join(' ');
      expect(r.signal, `${what}: killed by timeout`).toBeNull();
      expect([0, 2, 3], `${what}: exit ${r.status}, stderr ${r.stderr}`).toContain(r.status);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      if (r.status === 2) expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('dspgd:') || l.startsWith('error:')).length).toBeGreaterThanOrEqual(1);
      else expect(['converged', 'max-iter', 'diverged', 'stalled']).toContain(JSON.parse(r.stdout).status);
    }), { ...budget(40, 20_000) });
  }, 60_000);
});
