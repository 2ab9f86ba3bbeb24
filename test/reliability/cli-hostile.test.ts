// The real CLI on hostile inputs: random combinations of bad and good flag
// values and data files (NaN, 1e300, all-zero, 1×1, mismatched, garbage,
// truncated) always end with exit 0 or 3 (ran) or 2 (one line on stderr naming
// the problem); never exit 1 ("internal error"), a stack trace or a hang.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, encodeNpz, parseNpz } from '../../src/io/index.js';
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

/** Mostly values that run (so the runs themselves meet hostile data), sometimes bad ones. */
const pick = (good: string[], bad: string[]) => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
const xs = pick(['X.npy', 'Xhuge.npy', 'Xzero.npy', 'Xsub.npy', 'p.npz:X'],
  ['Xnan.npy', 'X11.npy', 'trunc.npy', 'garbage.npy', 'X.csv', 'X.json', 'missing.npy', 'p.npz:Q', 'p.npz', '.']);
const ys = pick(['y.npy', 'yzero.npy', 'p.npz:Y'], ['y1.npy', 'y5.npy', 'garbage.npy']);
const precs = pick(['gd', 'sign:eps=0.1', 'spectral:eps=1e-300', 'clip:c=1e308', 'colnorm:eps=1e300', 'sign:eps=1e-170', 'rownorm', 'power:p=1.5'],
  ['adam:eps=0', 'adam:beta1=1', 'power:p=1', 'nope', 'rownorm:x=1', 'normalized:eps=NaN', ':']);
const lrs = pick(['0.1', 'auto', '1e300', '1e-300', '0.25*auto'], ['-1', '0', 'abc', 'NaN', 'Infinity', '1e999']);
const iters = pick(['0', '1', '50', '300'], ['-1', '1.5', 'x', '1e3']);
const losses = pick(['squared', 'lp:p=1.5', 'logcosh', 'huber:delta=1e-300'], ['huber:delta=0', 'lp:p=1', 'bogus']);

describe('dspgd solve on hostile inputs', () => {
  it('exit 0/2/3 with a one-line message on 2, never an internal error or a stack trace', () => {
    const args = fc.record({
      X: xs, Y: ys, precond: precs, lr: lrs, maxIter: iters, loss: losses,
    });
    const exits: Record<string, number> = {};
    fc.assert(fc.property(args, (a) => {
      const argv = ['solve', '--X', a.X, '--Y', a.Y, '--precond', a.precond, '--lr', a.lr, '--max-iter', a.maxIter, '--loss', a.loss, '--json', '--quiet'];
      const r = spawnSync(process.execPath, [BIN, ...argv], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      const what = argv.join(' ');
      exits[String(r.status)] = (exits[String(r.status)] ?? 0) + 1;
      expect(r.signal, `${what}: killed by timeout`).toBeNull();
      expect([0, 2, 3], `${what}: exit ${r.status}, stderr ${r.stderr}`).toContain(r.status);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      if (r.status === 2) expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('dspgd:') || l.startsWith('error:')).length).toBeGreaterThanOrEqual(1);
      else expect(['converged', 'max-iter', 'diverged', 'stalled']).toContain(JSON.parse(r.stdout).status);
    }), { ...budget(40, 20_000) });
    console.log('dspgd solve on hostile inputs, exit codes:', JSON.stringify(exits));
    expect((exits['0'] ?? 0) + (exits['3'] ?? 0)).toBeGreaterThan(0);
    expect(exits['2'] ?? 0).toBeGreaterThan(0);
  }, 60_000);
});

describe('dspgd generate and sweep on hostile flags', () => {
  it('generate: exit 0 with a readable .npz, or 2 with one line; never an internal error', () => {
    const num = (good: string[]) => fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...good) },
      { weight: 1, arbitrary: fc.constantFrom('0', '-1', '1.5', 'abc', 'NaN', '1e999', '9007199254740993') });
    const args = fc.record({
      n: num(['1', '3', '20']), d: num(['1', '7', '50']), k: num(['1', '2']), seed: num(['0', '9007199254740991']),
      kind: fc.constantFrom('gaussian', 'teacher', 'spectrum', 'gaussian', 'teacher', 'bogus'), noise: num(['0', '0.1', '1e300']), cond: num(['1', '100', '1e300']),
      out: fc.constantFrom('g.npz', 'g.npz', 'g.npz', 'g.npy', 'nodir/g.npz', '.'),
    });
    let made = 0;
    fc.assert(fc.property(args, (a) => {
      const argv = ['generate', '--n', a.n, '--d', a.d, '--k', a.k, '--seed', a.seed, '--kind', a.kind, '--noise', a.noise, '--cond', a.cond, '--out', a.out, '--quiet'];
      const r = spawnSync(process.execPath, [BIN, ...argv], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      const what = argv.join(' ');
      expect([0, 2], `${what}: exit ${r.status}, stderr ${r.stderr}`).toContain(r.status);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      if (r.status === 2) expect(r.stderr.trim().length).toBeGreaterThan(0);
      else {
        const m = parseNpz(readFileSync(join(dir, a.out)), a.out);
        expect(m.get('X')!.shape).toEqual([Number(a.n), Number(a.d)]);
        expect(m.get('X')!.data.every(Number.isFinite)).toBe(true);
        made++;
      }
    }), budget(12, 10_000));
    expect(made).toBeGreaterThan(0);
  }, 60_000);

  it('sweep: exit 0/3 with sweep.json, or 2 with one line; never an internal error', () => {
    const args = fc.record({
      precond: pick(['gd', 'sign:eps=1e-300', 'spectral:eps=1e300'], ['power:p=1', 'nope']),
      lr: pick(['auto', '0.25*auto', '1e300,auto'], ['-1', 'auto*auto', '']),
      seeds: pick(['1', '1,2'], ['-1', 'x']),
      data: pick([[], ['--X', 'Xhuge.npy', '--Y', 'y.npy'], ['--problem', 'p.npz']] as never[], [['--X', 'Xnan.npy', '--Y', 'y.npy'], ['--n', '0']] as never[]) as fc.Arbitrary<string[]>,
    });
    let ran = 0;
    fc.assert(fc.property(args, (a) => {
      const argv = ['sweep', '--precond', a.precond, '--lr', a.lr, '--seeds', a.seeds, '--n', '6', '--d', '15', ...a.data, '--max-iter', '200', '--out-dir', 'sw', '--quiet'];
      const r = spawnSync(process.execPath, [BIN, ...argv], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      const what = argv.join(' ');
      expect([0, 2, 3], `${what}: exit ${r.status}, stderr ${r.stderr}`).toContain(r.status);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      if (r.status !== 2) {
        const rows = JSON.parse(readFileSync(join(dir, 'sw', 'sweep.json'), 'utf8'));
        expect(JSON.stringify(rows)).toMatch(/"status"/);
        rmSync(join(dir, 'sw'), { recursive: true });
        ran++;
      }
    }), budget(8, 12_000));
    expect(ran).toBeGreaterThan(0);
  }, 90_000);
});

