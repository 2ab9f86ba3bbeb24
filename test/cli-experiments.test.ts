// Issue-3 CLI features end to end as spawned processes: generate, solve with
// --problem/--json/--trace and other formats, Ctrl-C, sweep and the demo report.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNpz, parseNpy, parseCsvTable, encodeCsv, encodeNpz } from '../src/io/index.js';
import { generate } from '../src/index.js';
import { parseXml } from './helpers/xml.js';
import { parseRowsCsv } from '../src/report/table.js';

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
    expect(bad.err).toMatch(/--problem.*no array ["']X["']/);
  });

  it('Ctrl-C stops the run cleanly: exit 3, status aborted, outputs complete', async () => {
    run('generate', '--n', '200', '--d', '2000', '--seed', '1', '--out', 'big.npz', '-q');
    const child = spawn(process.execPath, [BIN, 'solve', '--problem', 'big.npz', '--precond', 'sign:eps=1e-9', '--lr', '1e-5',
      '--tol', '0', '--max-iter', '100000000', '--out', 'int.json', '--save-w', 'int.npy'], { cwd: dir, env: { ...process.env, DSPGD_PROGRESS_EVERY_MS: '200' } });
    let stderr = '';
    // Interrupt once the run is under way: its first progress line (off a terminal) says the loop runs,
    // however long a loaded machine takes to start the process and read the problem.
    const running = new Promise<void>((r) => child.stderr.on('data', (b) => { stderr += b; if (/iteration/.test(stderr)) r(); }));
    await running;
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

describe('dspgd sweep and demo', () => {
  it('sweep: one row per run in sweep.json and sweep.csv; a diverging learning rate is a row, not a crash; SVGs parse', () => {
    const r = run('sweep', '--precond', 'gd', '--precond', 'sign:eps=0.1', '--lr', 'auto,1e4', '--seeds', '1,2', '--n', '8', '--d', '20',
      '--tol', '1e-10', '--max-iter', '20000', '--out-dir', 'sw', '-q');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const sweep = JSON.parse(readFileSync(join(dir, 'sw', 'sweep.json'), 'utf8'));
    const rows = sweep.rows;
    expect(rows).toHaveLength(8);
    for (const key of ['precond', 'params', 'lr', 'seed', 'status', 'iterations', 'relResidual', 'relDistToGD', 'c', 'nullspaceNorm']) {
      expect(rows[0]).toHaveProperty(key);
    }
    // Wall times are kept apart from the results (host), so that two runs of a sweep write the same rows.
    expect(rows[0]).not.toHaveProperty('timeMs');
    expect(sweep.host.timeMs).toHaveLength(8);
    expect(sweep.grid.preconds).toEqual(['gd', 'sign:eps=0.1']);
    // gd blows up at lr 1e4; sign's steps are bounded by lr per entry, so it only oscillates (no divergence to report).
    type Row = { lr: number; status: string; precond: string };
    const gdBig = rows.filter((x: Row) => x.lr === 1e4 && x.precond === 'gd');
    expect(gdBig).toHaveLength(2);
    expect(gdBig.every((x: Row) => x.status === 'diverged')).toBe(true);
    expect(rows.filter((x: { lr: number; status: string }) => x.lr !== 1e4).every((x: { status: string }) => x.status === 'converged')).toBe(true);
    const csvRows = parseRowsCsv(readFileSync(join(dir, 'sw', 'sweep.csv'), 'utf8'));
    expect(csvRows.map((x) => [x.precond, x.lr, x.status, x.iterations, x.c])).toEqual(rows.map((x: { precond: string; lr: number; status: string; iterations: number; c: number }) => [x.precond, x.lr, x.status, x.iterations, x.c]));
    const svgs = readdirSync(join(dir, 'sw')).filter((f) => f.endsWith('.svg'));
    expect(svgs.length).toBeGreaterThanOrEqual(3);
    for (const f of svgs) expect(() => parseXml(readFileSync(join(dir, 'sw', f), 'utf8'))).not.toThrow();
  });

  it('demo: the printed conclusions agree with the numbers it measured and wrote to demo.json', () => {
    const r = run('demo', '--out-dir', 'rep', '-q');
    expect(r.code).toBe(0);
    const rows: { status: string; preservesRowSpace: boolean; relDistToGD: number; c: number; precond: string }[] =
      JSON.parse(readFileSync(join(dir, 'rep', 'demo.json'), 'utf8'));
    const conv = rows.filter((x) => x.status === 'converged');
    expect(r.out).toContain(`${conv.length} of ${rows.length} runs reached`);
    const pres = conv.filter((x) => x.preservesRowSpace);
    const at = pres.filter((x) => x.relDistToGD <= 1e-6);
    expect(r.out).toContain(`${at.length} of ${pres.length} converged runs landed on the GD limit`);
    // The theory's three facts hold in the measured numbers themselves.
    expect(conv.length).toBe(rows.length);
    expect(at.length).toBe(pres.length);
    for (const x of conv.filter((y) => !y.preservesRowSpace)) expect(x.c).toBeGreaterThan(1 + 1e-3);
    const html = readFileSync(join(dir, 'rep', 'index.html'), 'utf8');
    expect(() => parseXml(html.replace(/^<!DOCTYPE html>\s*/i, ''))).not.toThrow();
    for (const f of readdirSync(join(dir, 'rep')).filter((x) => x.endsWith('.svg'))) {
      expect(() => parseXml(readFileSync(join(dir, 'rep', f), 'utf8'))).not.toThrow();
    }
  });
});
