// Killing the real CLI (bin/dspgd.js, built by `npm run build`) while it writes
// its outputs: the target is either absent, the previous file or the complete
// new one, never truncated (outputs go to a temp file renamed into place).
// Ctrl-C (SIGINT) during a solve still writes complete outputs, status 'aborted'.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNpz, parseNpy } from '../../src/io/index.js';

const BIN = join(__dirname, '..', '..', 'bin', 'dspgd.js');
const SEED = Number(process.env.FC_SEED ?? 20261128);
let dir: string;

beforeAll(() => {
  expect(existsSync(join(__dirname, '..', '..', 'dist', 'cli.js')), 'run `npm run build` first').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'dspgd-kill-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small seeded PRNG (mulberry32) for the kill delays, so a failure can be replayed with FC_SEED. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const temps = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const exited = (c: ChildProcess) => new Promise<void>((res) => (c.exitCode !== null || c.signalCode !== null ? res() : c.once('exit', () => res())));

/** Spawns `args`, waits until a temp output file appears (the write has begun), waits `delayMs`, then SIGKILLs. */
async function killDuringWrite(args: string[], delayMs: number): Promise<{ sawTemp: boolean; finished: boolean }> {
  const before = new Set(temps());
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: 'ignore' });
  let sawTemp = false;
  for (;;) {
    if (child.exitCode !== null) return { sawTemp, finished: true };
    if (temps().some((t) => !before.has(t))) { sawTemp = true; break; }
    await new Promise((r) => setImmediate(r));
  }
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await exited(child);
  return { sawTemp, finished: child.exitCode === 0 };
}

describe('SIGKILL while writing', () => {
  it('dspgd generate (24 MB .npz), killed at random moments during its write: never a truncated file', async () => {
    const args = ['generate', '--n', '1500', '--d', '2000', '--seed', '7', '--out', 'big.npz', '--quiet'];
    const random = rng(SEED);
    // First kill: no previous file, so the target must be absent or complete.
    const first = await killDuringWrite(args, 0);
    expect(first.sawTemp).toBe(true);
    if (existsSync(join(dir, 'big.npz'))) parseNpz(readFileSync(join(dir, 'big.npz')), 'big.npz');

    // The complete file, for reference (same seed, fixed zip timestamps: same bytes).
    const done = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
    expect(done.status, done.stderr).toBe(0);
    const reference = sha(readFileSync(join(dir, 'big.npz')));
    const arrays = parseNpz(readFileSync(join(dir, 'big.npz')), 'big.npz');
    expect(arrays.get('X')!.shape).toEqual([1500, 2000]);

    let midWrite = 0;
    const kills = 12;
    for (let i = 0; i < kills; i++) {
      const leftBefore = temps().length;
      const delay = i % 3 === 0 ? 0 : Math.floor(random() * 60);
      const k = await killDuringWrite(args, delay);
      // A temp file left behind means the process died before its rename.
      if (!k.finished && temps().length > leftBefore) midWrite++;
      const bytes = readFileSync(join(dir, 'big.npz'));
      expect(sha(bytes), `kill ${i} after ${delay} ms left a damaged big.npz (${bytes.length} bytes)`).toBe(reference);
    }
    // Kills at the moment the temp file appears land mid-write (before the rename).
    expect(midWrite).toBeGreaterThan(0);
    // The next complete write removes the temp files the killed writers left behind.
    for (let i = 0; i < 5 && temps().length === 0; i++) await killDuringWrite(args, 0);
    expect(temps().length).toBeGreaterThan(0);
    const again = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    expect(temps()).toEqual([]);
    expect(sha(readFileSync(join(dir, 'big.npz')))).toBe(reference);
    console.log(`SIGKILL during generate: ${kills} kills, ${midWrite} before the rename, target intact every time`);
  }, 300_000); // about 20 runs of a 24 MB generate: over 120 s at a load of 20 on 2 cores
});

describe('Ctrl-C (SIGINT) during solve', () => {
  it('stops the run, writes complete outputs with status aborted and exits 3', async () => {
    const gen = spawnSync(process.execPath, [BIN, 'generate', '--n', '100', '--d', '1000', '--seed', '1', '--out', 'p.npz', '--quiet'], { cwd: dir });
    expect(gen.status).toBe(0);
    // Before the solve has started (a slow start on a loaded machine), Ctrl-C quits at once: by the
    // signal (no handler yet) or with exit 130 (while the problem loads). Then try again with a longer wait.
    let child: ChildProcess | undefined;
    let err = '';
    for (const waitMs of [1500, 4000, 10000]) {
      child = spawn(process.execPath, [BIN, 'solve', '--problem', 'p.npz', '--precond', 'gd', '--lr', '1e-4', '--tol', '0',
        '--max-iter', '100000000', '--out', 'r.json', '--save-w', 'W.npy', '--quiet'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      err = '';
      child.stderr!.on('data', (b) => { err += b; });
      // Loading takes well under a second; the run itself goes on for more than 20 s (10^8 iterations, tol 0).
      await new Promise((r) => setTimeout(r, waitMs));
      child.kill('SIGINT');
      await exited(child);
      if (child.signalCode !== 'SIGINT' && child.exitCode !== 130) break;
    }
    expect(child!.exitCode, err).toBe(3);
    expect(err).toMatch(/interrupted/);
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(json.status).toBe('aborted');
    expect(json.iterations).toBeGreaterThan(0);
    const W = parseNpy(readFileSync(join(dir, 'W.npy')), 'W.npy');
    expect(W.shape).toEqual([1000]);
    expect(W.data.every(Number.isFinite)).toBe(true);
    expect(temps()).toEqual(temps().filter((t) => !t.startsWith('.r.json') && !t.startsWith('.W.npy')));
  }, 60_000);
});
