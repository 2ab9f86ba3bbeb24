// The CLI and its process environment: a reader that closes the pipe early (EPIPE), and Ctrl-C
// during one very long WASM call. Real pipes and real signals, on the built CLI (bin/dspgd.js).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'dspgd.js');
let dir: string;

beforeAll(() => {
  expect(existsSync(join(__dirname, '..', '..', 'dist', 'cli.js')), 'run `npm run build` first').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'dspgd-signals-'));
  // k = 600 outputs: one spectral iteration diagonalizes a 600×600 matrix in one WASM call (many seconds);
  // k = 250: the same call takes a fraction of that. X is only 10×600.
  for (const k of [250, 600]) {
    const g = spawnSync(process.execPath, [BIN, 'generate', '--n', '10', '--d', String(k), '--k', String(k), '--seed', '1', '--out', `k${k}.npz`, '--quiet'], { cwd: dir, encoding: 'utf8' });
    expect(g.status, g.stderr).toBe(0);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** No stack trace and no internal error on stderr. */
function quiet(stderr: string): void {
  expect(stderr, 'a stack trace').not.toMatch(/^\s+at /m);
  expect(stderr).not.toMatch(/EPIPE|internal error|Unhandled/);
}

describe('a closed stdout (EPIPE) ends quietly, after the files are written', () => {
  it('dspgd demo | head -1: exit 0, one line, the report folder complete', () => {
    // bash reports each side of the pipe: PIPESTATUS[0] is dspgd's exit status.
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" demo --out-dir rep | head -1; echo "dspgd-exit=\${PIPESTATUS[0]}" >&2`], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stdout).toMatch(/^dspgd demo: /);
    const status = Number(/dspgd-exit=(\d+)/.exec(r.stderr)?.[1]);
    expect([0, 141], r.stderr).toContain(status);
    quiet(r.stderr);
    const files = readdirSync(join(dir, 'rep'));
    expect(files).toEqual(expect.arrayContaining(['index.html', 'demo.json', 'demo.csv', '.dspgd-report']));
    expect(JSON.parse(readFileSync(join(dir, 'rep', 'demo.json'), 'utf8')).length).toBe(40);
  }, 120_000);

  it('dspgd solve --json ... | true: exit 0, --out written in full, no stack trace', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" solve --problem k250.npz --precond gd --lr auto --json --out r.json | true; echo "dspgd-exit=\${PIPESTATUS[0]}" >&2`], { cwd: dir, encoding: 'utf8' });
    const status = Number(/dspgd-exit=(\d+)/.exec(r.stderr)?.[1]);
    expect([0, 141], r.stderr).toContain(status);
    quiet(r.stderr);
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).status).toBe('converged');
  }, 60_000);

  it('stdout closed by its reader after the first chunk (the pipe destroyed from the other end): same', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--out-dir', 'rep2'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.once('data', () => child.stdout.destroy());
    child.stderr.on('data', (b) => { err += b; });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res) => child.on('exit', (c, s) => res([c, s])));
    expect(code === 0 || code === 141 || signal === 'SIGPIPE', `exit ${code} ${signal}: ${err}`).toBe(true);
    quiet(err);
    expect(existsSync(join(dir, 'rep2', 'index.html'))).toBe(true);
  }, 120_000);
});

describe('Ctrl-C during one long WASM call (the solve runs on its own thread)', () => {
  /** Spawns a solve with a progress line at iteration 0, and resolves once that line is out: the next call is the long one. */
  async function startLongSolve(k: number, out: string): Promise<{ child: ChildProcess; stderr: () => string; exit: Promise<[number | null, NodeJS.Signals | null]> }> {
    const child = spawn(process.execPath, [BIN, 'solve', '--problem', `k${k}.npz`, '--precond', 'spectral', '--lr', '1e-3', '--max-iter', '3', '--path', 'primal', '--out', out], {
      cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DSPGD_PROGRESS_EVERY_MS: '1' },
    });
    let err = '';
    const exit = new Promise<[number | null, NodeJS.Signals | null]>((res) => child.on('exit', (c, s) => res([c, s])));
    await new Promise<void>((res, rej) => {
      child.stderr!.on('data', (b) => {
        err += b;
        if (/iteration 0 of 3/.test(err)) res();
      });
      exit.then(() => rej(new Error(`the solve ended before its first iteration: ${err}`)));
    });
    return { child, stderr: () => err, exit };
  }
  /** Resolves when `pred` holds; rejects if the process ends first (so a regression fails at once, not at the timeout). */
  const waitFor = (pred: () => boolean, exit: Promise<unknown>, what: string) => new Promise<void>((res, rej) => {
    const t = setInterval(() => { if (pred()) { clearInterval(t); res(); } }, 10);
    exit.then(() => { clearInterval(t); if (pred()) res(); else rej(new Error(`the process ended before ${what}`)); });
  });

  it('the first Ctrl-C is answered at once; the second quits at once with exit 130, writing nothing', async () => {
    const s = await startLongSolve(600, 'long.json');
    s.child.kill('SIGINT');
    // The main thread is free: the notice comes while the WASM call is still running.
    await waitFor(() => /interrupted; stopping after this iteration/.test(s.stderr()), s.exit, 'the Ctrl-C notice');
    const t0 = Date.now();
    s.child.kill('SIGINT');
    const [code, signal] = await s.exit;
    const ms = Date.now() - t0;
    expect([code, signal], s.stderr()).toEqual([130, null]);
    // One spectral iteration at k = 600 takes many seconds even on an idle machine; the exit does not wait
    // for it (a liveness bound with a wide margin, not a speed measurement).
    expect(ms).toBeLessThan(5000);
    expect(existsSync(join(dir, 'long.json'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    console.log(`two Ctrl-C during a k = 600 spectral iteration: exit 130 ${ms} ms after the second`);
  }, 120_000);

  it('one Ctrl-C during a long call: the iteration finishes, the run stops there, the result is written (exit 3)', async () => {
    const s = await startLongSolve(250, 'one.json');
    s.child.kill('SIGINT');
    const [code, signal] = await s.exit;
    expect([code, signal], s.stderr()).toEqual([3, null]);
    expect(s.stderr()).toMatch(/interrupted/);
    const r = JSON.parse(readFileSync(join(dir, 'one.json'), 'utf8'));
    expect(r.status).toBe('aborted');
    expect(r.message).toBe('Ctrl-C');
    // Stopped after the iteration that was running, not before it nor at max-iter.
    expect(r.iterations).toBeGreaterThanOrEqual(1);
    expect(r.iterations).toBeLessThan(3);
  }, 120_000);
});
