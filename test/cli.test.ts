// The CLI end to end, as a spawned process on real files (needs `npm run build`, which `npm test` does first).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, parseNpy } from '../src/io/npy.js';
import { solve } from '../src/index.js';
import { randn } from './helpers/rng.js';

const BIN = join(__dirname, '..', 'bin', 'dspgd.js');
let dir: string;
const n = 8, d = 20;
const X = randn(n * d, 5, 1 / Math.sqrt(d));
const Y = randn(n, 6);

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dspgd-cli-'));
  writeFileSync(join(dir, 'X.npy'), encodeNpy({ data: X, shape: [n, d] }));
  writeFileSync(join(dir, 'y.npy'), encodeNpy({ data: Y, shape: [n] }));
  writeFileSync(join(dir, 'bad.npy'), 'not an npy file');
  writeFileSync(join(dir, 'y5.npy'), encodeNpy({ data: new Float64Array(5), shape: [5] }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dspgd solve', () => {
  it('converges, exits 0, and writes result.json, W.npy and WGD.npy that match the library', async () => {
    const r = run('solve', '--X', 'X.npy', '--Y', 'y.npy', '--precond', 'sign:eps=0.1', '--lr', '0.05', '--tol', '1e-10', '--max-iter', '100000',
      '--out', 'result.json', '--save-w', 'W.npy', '--save-wgd', 'WGD.npy');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/status\s+converged/);
    const json = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    for (const key of ['status', 'iterations', 'loss', 'relResidual', 'timeMs', 'lr', 'precond', 'bias']) expect(json).toHaveProperty(key);
    expect(json.precond).toMatchObject({ name: 'sign', params: { eps: 0.1 }, isotropic: false, preservesRowSpace: false });
    for (const key of ['relDistToGD', 'c', 'rowspaceNorm', 'nullspaceNorm', 'rank']) expect(json.bias).toHaveProperty(key);
    const W = parseNpy(readFileSync(join(dir, 'W.npy')), 'W.npy');
    const WGD = parseNpy(readFileSync(join(dir, 'WGD.npy')), 'WGD.npy');
    expect(W.shape).toEqual([d]);
    expect(WGD.shape).toEqual([d]);
    const lib = await solve({ X: { data: X, shape: [n, d] }, Y: { data: Y, shape: [n] } }, { precond: 'sign:eps=0.1', lr: 0.05, tol: 1e-10, maxIter: 100000 });
    expect(W.data).toEqual(lib.W.data);
    expect(WGD.data).toEqual(lib.bias!.W_GD.data);
    expect(json.iterations).toBe(lib.iterations);
  });

  it('exits 3 when the run does not converge, and still writes the outputs', () => {
    const r = run('solve', '--X', 'X.npy', '--Y', 'y.npy', '--precond', 'gd', '--lr', 'auto', '--max-iter', '3', '--out', 'r3.json');
    expect(r.code).toBe(3);
    expect(JSON.parse(readFileSync(join(dir, 'r3.json'), 'utf8')).status).toBe('max-iter');
  });

  it('bad usage and bad input: exit 2, one line on stderr naming the argument, no stack trace, no file created', () => {
    const cases: [string[], RegExp][] = [
      [['--Y', 'y.npy', '--precond', 'gd', '--lr', '0.1'], /--X/],
      [['--X', 'X.npy', '--Y', 'y.npy', '--precond', 'gd', '--lr', '-1'], /--lr/],
      [['--X', 'X.npy', '--Y', 'y.npy', '--precond', 'gd', '--lr', 'abc'], /--lr/],
      [['--X', 'X.npy', '--Y', 'y.npy', '--precond', 'adamw', '--lr', '0.1'], /--precond.*adamw/],
      [['--X', 'X.npy', '--Y', 'y.npy', '--precond', 'adam:eps=-1', '--lr', '0.1'], /--precond\.eps/],
      [['--X', 'missing.npy', '--Y', 'y.npy', '--precond', 'gd', '--lr', '0.1'], /--X.*missing\.npy/],
      [['--X', 'bad.npy', '--Y', 'y.npy', '--precond', 'gd', '--lr', '0.1'], /bad\.npy/],
      [['--X', 'X.npy', '--Y', 'y5.npy', '--precond', 'gd', '--lr', '0.1'], /--Y.*8 rows/],
      [['--X', 'X.npy', '--Y', 'y.npy', '--precond', 'gd', '--lr', '0.1', '--max-iter', '1.5'], /--max-iter/],
      [['--X', 'X.npy', '--Y', 'y.npy', '--precond', 'gd', '--lr', '0.1', '--reduction', 'avg'], /--reduction/],
      [['--X', 'X.npy', '--Y', 'y.npy', '--precond', 'gd', '--lr', '0.1', '--csv-header', 'maybe'], /--csv-header/],
    ];
    for (const [args, pattern] of cases) {
      const before = readdirSync(dir).sort();
      const r = run('solve', ...args, '--out', 'never.json', '--save-w', 'never.npy');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(pattern);
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(join(dir, 'never.json'))).toBe(false);
      expect(readdirSync(dir).sort()).toEqual(before);
    }
  });

  it('--csv-header: a header of numbers (pandas-style 0,1,2…) is read as data by default and skipped with yes', () => {
    const csv = (rows: number[][], header: string) => `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`;
    const Xrows = Array.from({ length: n }, (_, i) => Array.from(X.subarray(i * d, (i + 1) * d)));
    writeFileSync(join(dir, 'Xh.csv'), csv(Xrows, Array.from({ length: d }, (_, j) => j).join(',')));
    writeFileSync(join(dir, 'yh.csv'), csv(Array.from(Y, (v) => [v]), '0'));
    const args = ['solve', '--X', 'Xh.csv', '--Y', 'yh.csv', '--precond', 'gd', '--lr', 'auto', '--tol', '1e-10', '--max-iter', '100000', '--quiet'];
    // auto: the numeric header is a data row, so X has n+1 rows and Y has n+1 labels: a different problem.
    const auto = run(...args, '--out', 'auto.json');
    const yes = run(...args, '--csv-header', 'yes', '--out', 'yes.json', '--save-w', 'Wyes.npy');
    const npy = run('solve', '--X', 'X.npy', '--Y', 'y.npy', '--precond', 'gd', '--lr', 'auto', '--tol', '1e-10', '--max-iter', '100000', '--quiet', '--save-w', 'Wnpy.npy');
    expect([yes.code, npy.code], yes.err + npy.err).toEqual([0, 0]);
    expect(auto.code, auto.err).not.toBe(2);
    expect(JSON.parse(readFileSync(join(dir, 'auto.json'), 'utf8')).problem).toMatchObject({ n: n + 1, d });
    expect(JSON.parse(readFileSync(join(dir, 'yes.json'), 'utf8')).problem).toMatchObject({ n, d });
    // CSV holds the shortest round-trip decimal of every float64, so yes gives the .npy run's bits.
    expect(parseNpy(readFileSync(join(dir, 'Wyes.npy')), 'Wyes.npy').data).toEqual(parseNpy(readFileSync(join(dir, 'Wnpy.npy')), 'Wnpy.npy').data);
  });

  it('an existing output file survives a failing run untouched', () => {
    writeFileSync(join(dir, 'keep.json'), '{"previous":true}');
    const r = run('solve', '--X', 'X.npy', '--Y', 'bad.npy', '--precond', 'gd', '--lr', '0.1', '--out', 'keep.json');
    expect(r.code).toBe(2);
    expect(readFileSync(join(dir, 'keep.json'), 'utf8')).toBe('{"previous":true}');
  });

  it('--help lists the options with examples; --version prints the version', () => {
    const h = run('solve', '--help');
    expect(h.code).toBe(0);
    for (const flag of ['--X', '--Y', '--W0', '--precond', '--lr', '--loss', '--reduction', '--tol', '--max-iter', '--out', '--save-w', '--save-wgd']) {
      expect(h.out).toContain(flag);
    }
    expect(h.out).toMatch(/Examples:/);
    const v = run('--version');
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version);
  });
});
