// Determinism: the same inputs and options give bit-identical W∞ on repeated
// runs, through a reused Problem or fresh data, and in a fresh Node process
// running the built package (dist/index.js); seeded generators reproduce the
// SHA-256 checksums stored in test/fixtures/generate_checksums.json.
// (Node vs Chromium and single vs multi-threaded are covered elsewhere.)
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generate, solve, BUILTIN_PRECOND_NAMES, type Problem } from '../../src/index.js';

const sha = (a: Float64Array) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
const ROOT = join(__dirname, '..', '..');

/** The runs compared in and across processes: every preconditioner, two losses, stateful Adam. */
const RUNS = [
  ...BUILTIN_PRECOND_NAMES.map((precond) => ({ precond, loss: 'squared', lr: 'auto' as const })),
  { precond: 'adam:eps=0.05,beta1=0.9,beta2=0.999', loss: 'huber:delta=0.5', lr: 0.01 },
  { precond: 'sign:eps=0.01', loss: 'lp:p=3', lr: 0.001 },
  { precond: 'power:p=2.5', loss: 'logcosh', lr: 0.01 },
];
const PROBLEM = { kind: 'teacher', n: 12, d: 37, k: 3, seed: 11, w0: 'gaussian', w0Scale: 0.1 } as const;
const ITER = { maxIter: 300, tol: 0, stall: false } as const;

const problems: Problem[] = [];
afterAll(() => { for (const p of problems) p.dispose(); });

async function fingerprints(p: Problem): Promise<string[]> {
  const out: string[] = [];
  for (const r of RUNS) out.push(sha((await solve(p, { ...r, ...ITER })).W.data));
  return out;
}

describe('bit-identical W∞', () => {
  it('repeated runs on one Problem, on a regenerated one and on fresh copied data agree bit for bit', async () => {
    const p1 = await generate(PROBLEM);
    const p2 = await generate(PROBLEM);
    problems.push(p1, p2);
    const a = await fingerprints(p1);
    const b = await fingerprints(p1);
    const c = await fingerprints(p2);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    for (let i = 0; i < RUNS.length; i++) {
      const fresh = await solve({ X: p1.X, Y: p1.Y, W0: p1.W0 }, { ...RUNS[i], ...ITER });
      expect(sha(fresh.W.data), RUNS[i].precond).toBe(a[i]);
    }
    // The runs differ from each other (the fingerprint is not constant).
    expect(new Set(a).size).toBe(RUNS.length);
  });

  it('a fresh Node process running the built package gives the same bits', async () => {
    const dist = join(ROOT, 'dist', 'index.js');
    expect(existsSync(dist), 'run `npm run build` first').toBe(true);
    const script = `
      import { generate, solve } from ${JSON.stringify(pathToFileURL(dist).href)};
      import { createHash } from 'node:crypto';
      const sha = (a) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
      const p = await generate(${JSON.stringify(PROBLEM)});
      const out = [sha(p.X.data), sha(p.Y.data), sha(p.W0.data)];
      for (const r of ${JSON.stringify(RUNS)}) out.push(sha((await solve(p, { ...r, ...${JSON.stringify(ITER)} })).W.data));
      console.log(JSON.stringify(out));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(child.status, child.stderr).toBe(0);
    const theirs = JSON.parse(child.stdout.trim().split('\n').pop()!);
    const p = await generate(PROBLEM);
    problems.push(p);
    const ours = [sha(p.X.data), sha(p.Y.data), sha(p.W0.data), ...(await fingerprints(p))];
    expect(theirs).toEqual(ours);
  });
});

describe('seeded generators against stored checksums', () => {
  const fixture = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'generate_checksums.json'), 'utf8')) as
    { options: Parameters<typeof generate>[0]; X: string; Y: string; W0: string }[];
  it('has cases for every kind, k > 1, the largest seed and gaussian W0', () => {
    expect(new Set(fixture.map((f) => f.options.kind))).toEqual(new Set(['gaussian', 'teacher', 'spectrum']));
    expect(fixture.some((f) => (f.options.k ?? 1) > 1)).toBe(true);
    expect(fixture.some((f) => f.options.seed === 2 ** 53 - 1)).toBe(true);
    expect(fixture.some((f) => f.options.w0 === 'gaussian')).toBe(true);
  });
  for (const f of fixture) {
    it(`${JSON.stringify(f.options)}: SHA-256 of X, Y, W0`, async () => {
      const p = await generate(f.options);
      problems.push(p);
      expect({ X: sha(p.X.data), Y: sha(p.Y.data), W0: sha(p.W0.data) }).toEqual({ X: f.X, Y: f.Y, W0: f.W0 });
    });
  }
});
