// Issue-3 CLI features end to end as spawned processes: generate, solve with
// --problem/--json/--trace and other formats, Ctrl-C, sweep and the demo report.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNpz, parseNpy, parseCsvTable, encodeCsv, encodeNpz } from '../src/io/index.js';
import { generate } from '../src/index.js';

const BIN = join(__dirname, '..', 'bin', 'dspgd.js');
let dir: string;

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dspgd-exp-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dspgd generate', () => {
  it('writes an .npz whose arrays equal the library generator, byte for byte across runs', async () => {
    expect(run('generate', '--n', '6', '--d', '15', '--k', '2', '--seed', '4', '--kind', 'teacher', '--out', 'p.npz').code).toBe(0);
    expect(run('generate', '--n', '6', '--d', '15', '--k', '2', '--seed', '4', '--kind', 'teacher', '--out', 'q.npz', '-q').code).toBe(0);
    const a = readFileSync(join(dir, 'p.npz'));
    expect(a.equals(readFileSync(join(dir, 'q.npz')))).toBe(true);
    const arrays = parseNpz(a, 'p.npz');
    const lib = await generate({ n: 6, d: 15, k: 2, seed: 4, kind: 'teacher' });
    expect(arrays.get('X')!.data).toEqual(lib.X.data);
    expect(arrays.get('Y')!.shape).toEqual([6, 2]);
    expect(arrays.get('W0')!.shape).toEqual([15, 2]);
    lib.dispose();
  });

  it('--out-dir writes X.npy, Y.npy, W0.npy; k = 1 gives 1-D Y and W0', () => {
    expect(run('generate', '--n', '5', '--d', '9', '--kind', 'spectrum', '--cond', '1e3', '--out-dir', 'gen').code).toBe(0);
    expect(readdirSync(join(dir, 'gen')).sort()).toEqual(['W0.npy', 'X.npy', 'Y.npy']);
    expect(parseNpy(readFileSync(join(dir, 'gen', 'Y.npy')), 'Y').shape).toEqual([5]);
  });

  it('bad options exit 2 and write nothing', () => {
    for (const args of [['--n', '0', '--d', '5', '--out', 'x.npz'], ['--n', '3', '--d', '5'], ['--n', '3', '--d', '5', '--out', 'x.npy'],
      ['--n', '6', '--d', '5', '--kind', 'spectrum', '--out', 'x.npz'], ['--n', '3', '--d', '5', '--kind', 'uniform', '--out', 'x.npz']]) {
      const r = run('generate', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/^(dspgd: |error: )/);
      expect(existsSync(join(dir, 'x.npz'))).toBe(false);
    }
  });
});

describe('dspgd solve, issue-3 options', () => {
  it('--problem FILE.npz with --json on stdout and --trace as CSV', () => {
    run('generate', '--n', '8', '--d', '24', '--seed', '2', '--out', 'prob.npz', '-q');
    const r = run('solve', '--problem', 'prob.npz', '--precond', 'gd', '--lr', 'auto', '--tol', '1e-10', '--max-iter', '5000', '--json', '--trace', 'trace.csv');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.status).toBe('converged');
    expect(json.bias.relDistToGD).toBeLessThan(1e-8);
    const t = parseCsvTable(readFileSync(join(dir, 'trace.csv'), 'utf8'), 'trace.csv');
    expect(t.header).toEqual(['iteration', 'loss', 'relResidual', 'gradNorm', 'bregman']);
    const rows = t.matrix.shape[0];
    expect(t.matrix.data[(rows - 1) * 5]).toBe(json.iterations);
    expect(t.matrix.data[(rows - 1) * 5 + 2]).toBe(json.relResidual);
  });

  it('reads CSV and .npz:NAME inputs', () => {
    writeFileSync(join(dir, 'X.csv'), encodeCsv({ data: new Float64Array([1, 0, 2, 0, 1, 1]), shape: [2, 3] }));
    writeFileSync(join(dir, 'y.csv'), 'y\n1\n2\n');
    const r = run('solve', '--X', 'X.csv', '--Y', 'y.csv', '--precond', 'gd', '--lr', '0.1', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).problem).toEqual({ n: 2, d: 3, k: 1, overparameterized: true });
    writeFileSync(join(dir, 'arrays.npz'), encodeNpz({ A: { data: new Float64Array([1, 0, 2, 0, 1, 1]), shape: [2, 3] }, b: { data: new Float64Array([1, 2]), shape: [2] } }));
    expect(run('solve', '--X', 'arrays.npz:A', '--Y', 'arrays.npz:b', '--precond', 'gd', '--lr', '0.1', '-q').code).toBe(0);
    const bad = run('solve', '--problem', 'arrays.npz', '--precond', 'gd', '--lr', '0.1');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--problem.*no array "X"/);
  });

  it('Ctrl-C stops the run cleanly: exit 3, status aborted, outputs complete', async () => {
    run('generate', '--n', '200', '--d', '2000', '--seed', '1', '--out', 'big.npz', '-q');
    const child = spawn(process.execPath, [BIN, 'solve', '--problem', 'big.npz', '--precond', 'sign:eps=1e-9', '--lr', '1e-5',
      '--tol', '0', '--max-iter', '100000000', '--out', 'int.json', '--save-w', 'int.npy'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (b) => { stderr += b; });
    // Wait until the run is under way (the problem is read and the loop started), then interrupt.
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(3);
    expect(stderr).toMatch(/interrupted/);
    const json = JSON.parse(readFileSync(join(dir, 'int.json'), 'utf8'));
    expect(json.status).toBe('aborted');
    expect(json.iterations).toBeGreaterThan(0);
    const W = parseNpy(readFileSync(join(dir, 'int.npy')), 'int.npy');
    expect(W.shape).toEqual([2000]);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});
