// Worker threads under the flags users start node with. A V8 flag such as --max-old-space-size
// (big data) may not be passed to a Worker as execArgv, and --input-type (node -e) makes a worker
// refuse its file: every worker dspgd starts on a file (createRunner's, the sweep's, solve's
// thread) must start under both (src/util/file-worker.ts).
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'dspgd.js');
const V8_FLAGS = ['--max-old-space-size=3072', '--stack-size=2000'];

describe('worker threads start under V8 flags and --input-type', () => {
  it('dspgd sweep --jobs 2 and dspgd solve under node --max-old-space-size --stack-size: same rows as without them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dspgd-flags-'));
    try {
      const sweep = (flags: string[], out: string) => spawnSync(process.execPath, [...flags, BIN, 'sweep', '-q', '--n', '10', '--d', '40', '--seeds', '1,2',
        '--precond', 'gd', '--precond', 'sign:eps=0.1', '--lr', 'auto', '--max-iter', '200', '--jobs', '2', '--out-dir', join(dir, out)], { encoding: 'utf8', timeout: 60_000 });
      const a = sweep(V8_FLAGS, 'a'), b = sweep([], 'b');
      expect(a.stderr).toBe('');
      expect(a.status).toBe(0);
      expect(b.status).toBe(0);
      expect(readFileSync(join(dir, 'a', 'sweep.csv'), 'utf8')).toBe(readFileSync(join(dir, 'b', 'sweep.csv'), 'utf8'));
      const gen = spawnSync(process.execPath, [BIN, 'generate', '--n', '8', '--d', '30', '--seed', '3', '--out', join(dir, 'p.npz'), '-q'], { encoding: 'utf8' });
      expect(gen.status).toBe(0);
      const solve = spawnSync(process.execPath, [...V8_FLAGS, BIN, 'solve', '--problem', join(dir, 'p.npz'), '--precond', 'gd', '--lr', 'auto', '--json'], { encoding: 'utf8', timeout: 60_000 });
      expect(solve.stderr).toBe('');
      expect(solve.status).toBe(0);
      expect(JSON.parse(solve.stdout).status).toBe('converged');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('createRunner and runGrid with jobs 2 under node --input-type=module -e with V8 flags', () => {
    const script = `
      import { createRunner } from 'dspgd/worker';
      import { generate, runGrid, releaseSweepWorkers } from 'dspgd';
      const r = await createRunner();
      const p = await r.generate({ n: 8, d: 30, seed: 2 });
      const s = await r.solve(p, { precond: 'gd', lr: 'auto', maxIter: 2000 });
      await r.terminate();
      const q = await generate({ n: 8, d: 30, seed: 2 });
      const g = await runGrid([{ problem: q, seed: 2 }], { preconds: ['gd', 'sign:eps=0.1'], lrs: ['auto'], maxIter: 300, jobs: 2 });
      await releaseSweepWorkers();
      console.log(JSON.stringify([s.status, g.rows.length]));`;
    const out = spawnSync(process.execPath, [...V8_FLAGS, '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout.trim())).toEqual(['converged', 2]);
  });
});
