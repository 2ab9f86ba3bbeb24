// The CLI's options and messages as a spawned process: learning rates, integer budgets in exponent
// form, flags given twice, real defaults in --help, exact step counts, the advice of a run that
// stops short of tol, progress lines in logs, Ctrl-C on a terminal, and CSV row-count hints.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, parseCsvTable } from '../src/io/index.js';
import { DEFAULTS } from '../src/options.js';
import { DEMO_PRECONDS } from '../src/demo.js';
import { randn } from './helpers/rng.js';

const BIN = join(__dirname, '..', 'bin', 'dspgd.js');
let dir: string;
const n = 8, d = 20;
const X = randn(n * d, 5, 1 / Math.sqrt(d));
const Y = randn(n, 6);

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const DATA = ['--X', 'X.npy', '--Y', 'y.npy'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dspgd-cliopt-'));
  writeFileSync(join(dir, 'X.npy'), encodeNpy({ data: X, shape: [n, d] }));
  writeFileSync(join(dir, 'y.npy'), encodeNpy({ data: Y, shape: [n] }));
  expect(run(['generate', '--n', '20', '--d', '60', '--seed', '3', '--out', 'chaos.npz', '-q']).code).toBe(0);
  expect(run(['generate', '--n', '5', '--d', '40', '--kind', 'spectrum', '--cond', '30', '--seed', '2', '--out', 'ill.npz', '-q']).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('learning rates, budgets and repeated flags', () => {
  it('--lr autoo says that auto and F*auto are accepted; --lr 0.5*auto runs at half the auto step', () => {
    const bad = run(['solve', ...DATA, '--precond', 'gd', '--lr', 'autoo']);
    expect(bad.code).toBe(2);
    expect(bad.err.trim()).toBe('dspgd: --lr: expected a learning rate > 0, auto or F*auto (F > 0, e.g. 0.5*auto), got "autoo"');
    const auto = JSON.parse(run(['solve', ...DATA, '--precond', 'gd', '--lr', 'auto', '--max-iter', '5', '--json']).out);
    const half = JSON.parse(run(['solve', ...DATA, '--precond', 'gd', '--lr', '0.5*auto', '--max-iter', '5', '--json']).out);
    expect(half.lr).toBe(auto.lr * 0.5);
  });

  it('--max-iter takes an integer in exponent form (2e1, 1e5) and rejects 1.5e0', () => {
    const r = run(['solve', ...DATA, '--precond', 'gd', '--lr', '1e-3', '--tol', '0', '--max-iter', '2e1', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out).iterations).toBe(20);
    expect(run(['solve', ...DATA, '--precond', 'gd', '--lr', 'auto', '--max-iter', '1e5', '-q']).code).toBe(0);
    const bad = run(['solve', ...DATA, '--precond', 'gd', '--lr', 'auto', '--max-iter', '1.5e0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--max-iter.*integer/);
  });

  it('a repeated --precond (or --lr) on solve is an error, not "last one wins"', () => {
    const r = run(['solve', ...DATA, '--precond', 'gd', '--precond', 'sign', '--lr', '0.1']);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe('dspgd: --precond: given twice ("gd" and "sign"); give it once (solve runs one preconditioner; dspgd sweep runs several)');
    const l = run(['solve', ...DATA, '--precond', 'gd', '--lr', '0.1', '--lr', '0.2']);
    expect(l.code).toBe(2);
    expect(l.err).toMatch(/--lr: given twice/);
  });

  it('solve and sweep --help show the shared defaults, and sweep the real --precond and --lr defaults', () => {
    const solve = run(['solve', '--help']).out.replace(/\s+/g, ' ');
    const sweep = run(['sweep', '--help']).out.replace(/\s+/g, ' ');
    for (const h of [solve, sweep]) {
      expect(h).toMatch(new RegExp(`--max-iter <n> .*?\\(default: ${DEFAULTS.maxIter}\\)`));
      expect(h).toMatch(/--tol <t> .*?\(default: 1e-10\)/);
    }
    expect(sweep).toContain(`(default: the demo's ten: ${DEMO_PRECONDS.join(' ')})`);
    expect(sweep).toContain('(default: auto,0.25*auto)');
    expect(sweep).not.toContain('[]');
    expect(sweep).not.toContain('autoFactor');
  });
});

describe('exact step counts', () => {
  it('--no-stall --no-divergence-stop: a chaotic real-Adam run does exactly --max-iter steps (it stalls without them)', () => {
    const args = ['solve', '--problem', 'chaos.npz', '--precond', 'adam:eps=1e-8,beta1=0.9,beta2=0.999', '--lr', '0.1', '--tol', '0', '--max-iter', '5000', '--json'];
    const dflt = JSON.parse(run(args).out);
    expect(dflt.status).toBe('stalled');
    expect(dflt.iterations).toBeLessThan(5000);
    const r = run([...args, '--no-stall', '--no-divergence-stop', '--trace', 'exact.csv']);
    expect(r.code).toBe(3);
    const json = JSON.parse(r.out);
    expect([json.status, json.iterations]).toEqual(['max-iter', 5000]);
    const t = parseCsvTable(readFileSync(join(dir, 'exact.csv'), 'utf8'), 'exact.csv').matrix;
    expect(t.data[(t.shape[0] - 1) * 5]).toBe(5000);
  });

  it('--no-divergence-stop lets a blowing-up run go on until its values are no longer finite', () => {
    const args = ['solve', ...DATA, '--precond', 'gd', '--lr', '1e4', '--max-iter', '100000', '--json'];
    const a = JSON.parse(run(args).out);
    const b = JSON.parse(run([...args, '--no-divergence-stop']).out);
    expect(a.message).toMatch(/grew 1e6×/);
    expect(b.message).toMatch(/non-finite/);
    expect(b.divergedAt).toBeGreaterThan(a.divergedAt);
  });
});

describe('a run that stops short of tol', () => {
  it('prints its trend, the iterations still needed and concrete options, and result.json carries the advice', () => {
    const r = run(['solve', '--problem', 'ill.npz', '--precond', 'gd', '--lr', '0.5*auto', '--tol', '1e-8', '--max-iter', '3000', '--path', 'primal', '--out', 'ill.json']);
    expect(r.code).toBe(3);
    const advice = JSON.parse(readFileSync(join(dir, 'ill.json'), 'utf8')).advice;
    expect(advice.iterationsToTol).toBeGreaterThan(3000);
    expect(r.out).toMatch(/^trend\s+relResidual \S+ → \S+ over iterations 2,250–3,000 \(-[\d.]+ decades per 1000 iterations\)$/m);
    expect(r.out).toContain(`estimate      about ${advice.iterationsToTol.toLocaleString('en-US')} more iterations to reach tol at this rate (rates usually slow down further: a lower bound)`);
    const budget = advice.suggestions.find((s: { option: string }) => s.option === 'maxIter').value;
    expect(r.out).toMatch(new RegExp(`^try\\s+--max-iter ${budget} `, 'm'));
    expect(r.out).toMatch(/^\s+--lr auto\s+\(the stable step \S+ is 2× this run's/m);
    expect(r.out).toMatch(/^\s+--path rowspace\s+\(/m);
    expect(r.out).toMatch(/^\s+scale the features/m);
    // The lr it names is the one the run would take with --lr auto.
    const auto = JSON.parse(run(['solve', '--problem', 'ill.npz', '--precond', 'gd', '--lr', 'auto', '--max-iter', '1', '--json']).out);
    expect(advice.autoLr).toBe(auto.lr);
  });
});

describe('progress off a terminal', () => {
  it('a line on stderr every DSPGD_PROGRESS_EVERY_MS (10 s by default) with iteration, relResidual and elapsed time; none with --quiet', () => {
    const args = ['solve', '--problem', 'ill.npz', '--precond', 'gd', '--lr', 'auto', '--tol', '0', '--max-iter', '3000', '--no-stall', '--out', 'p.json'];
    const r = run(args, { DSPGD_PROGRESS_EVERY_MS: '1' });
    expect(r.code).toBe(3);
    const lines = r.err.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l).toMatch(/^dspgd solve gd: iteration [\d,]+ of 3,000, relResidual \S+, elapsed \d+(\.\d+)? m?s$/);
    const its = lines.map((l) => Number(/iteration ([\d,]+)/.exec(l)![1].replace(/,/g, '')));
    expect(its).toEqual([...its].sort((a, b) => a - b));
    expect(run([...args, '-q'], { DSPGD_PROGRESS_EVERY_MS: '1' }).err).toBe('');
    // The default interval is 10 s: this run takes far less and prints nothing.
    expect(run(args).err).toBe('');
  });
});

describe('Ctrl-C on a terminal', () => {
  it('stops the bar before the notice, so the final screen is clean, and the status reads "aborted (Ctrl-C)"', async () => {
    expect(run(['generate', '--n', '100', '--d', '1000', '--seed', '1', '--out', 'big.npz', '-q']).code).toBe(0);
    // `script` gives the CLI a pseudo-terminal (a real progress bar); ETX on its input is a Ctrl-C.
    const cmd = `${process.execPath} ${BIN} solve --problem big.npz --precond gd --lr 1e-4 --tol 0 --max-iter 100000000 --out tty.json`;
    let screen = '';
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    // Ctrl-C once the bar shows a measured relResidual: the loop runs and the handler is in place.
    await new Promise<void>((r) => child.stdout.on('data', (b) => { screen += b; if (/relResidual \d/.test(screen)) r(); }));
    child.stdin.write('\x03');
    await new Promise((r) => child.on('exit', r));
    const notice = screen.indexOf('dspgd: interrupted');
    expect(notice, screen).toBeGreaterThan(0);
    // The bar was on screen before the notice, and nothing of it is drawn after.
    expect(screen.slice(0, notice)).toMatch(/relResidual/);
    const after = screen.slice(notice);
    expect(after).not.toMatch(/[█░]|ETA/);
    expect(after).toMatch(/status\s+aborted \(Ctrl-C\)/);
    expect(JSON.parse(readFileSync(join(dir, 'tty.json'), 'utf8'))).toMatchObject({ status: 'aborted', message: 'Ctrl-C' });
  }, 60_000);
});

describe('CSV inputs', () => {
  const rows = (m: Float64Array, cols: number) => Array.from({ length: m.length / cols }, (_, i) => Array.from(m.subarray(i * cols, (i + 1) * cols)).join(','));

  it('a row-count mismatch says that a numeric header row counts as data and names --csv-header yes', () => {
    // X with pandas' default header 0,1,2,… (read as data under auto), y with a named header (detected).
    writeFileSync(join(dir, 'Xh.csv'), `${[Array.from({ length: d }, (_, j) => j).join(','), ...rows(X, d)].join('\n')}\n`);
    writeFileSync(join(dir, 'yn.csv'), `${['y', ...rows(Y, 1)].join('\n')}\n`);
    const args = ['solve', '--X', 'Xh.csv', '--Y', 'yn.csv', '--precond', 'gd', '--lr', 'auto', '--json'];
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`dspgd: --Y: expected ${n + 1} rows to match --X (${n + 1}×${d}), got ${n} in yn.csv. Note: a first row of numbers only (such as pandas' header 0,1,2,…) `
      + 'counts as a data row in --X Xh.csv and --Y yn.csv; if it is a header, pass --csv-header yes');
    const yes = run([...args, '--csv-header', 'yes']);
    expect(yes.code, yes.err).toBe(0);
    expect(JSON.parse(yes.out).problem).toMatchObject({ n, d });
  });

  it("a pandas index column (empty first header cell) is dropped with a note: the same run as from .npy", () => {
    // What pandas.DataFrame(X).to_csv('Xp.csv') writes: ',0,1,…' then 'i,x_i0,x_i1,…'.
    const header = `,${Array.from({ length: d }, (_, j) => j).join(',')}`;
    writeFileSync(join(dir, 'Xp.csv'), `${[header, ...rows(X, d).map((l, i) => `${i},${l}`)].join('\n')}\n`);
    writeFileSync(join(dir, 'yp.csv'), `${[',y', ...rows(Y, 1).map((l, i) => `${i},${l}`)].join('\n')}\n`);
    const csv = run(['solve', '--X', 'Xp.csv', '--Y', 'yp.csv', '--precond', 'gd', '--lr', 'auto', '--json']);
    const npy = run(['solve', ...DATA, '--precond', 'gd', '--lr', 'auto', '--json']);
    expect(csv.code, csv.err).toBe(0);
    expect(csv.err).toMatch(/^dspgd: note: --X: Xp\.csv: the first header cell is empty, so column 1 is an index .*dropped/m);
    expect(csv.err).toMatch(/note: --Y: yp\.csv/);
    const a = JSON.parse(csv.out), b = JSON.parse(npy.out);
    expect(a.problem).toEqual(b.problem);
    expect([a.iterations, a.relResidual, a.bias.relDistToGD]).toEqual([b.iterations, b.relResidual, b.bias.relDistToGD]);
  });
});
