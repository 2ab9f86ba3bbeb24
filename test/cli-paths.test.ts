// `dspgd solve --path/--threads` as a spawned process: the flags reach solve and its result.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy } from '../src/io/npy.js';
import { solve, Problem } from '../src/index.js';
import { randn } from './helpers/rng.js';

const BIN = join(__dirname, '..', 'bin', 'dspgd.js');
let dir: string;
const n = 40, d = 8192, k = 4;
const X = randn(n * d, 15, 1 / Math.sqrt(d));
const Y = randn(n * k, 16);
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dspgd-cli-paths-'));
  writeFileSync(join(dir, 'X.npy'), encodeNpy({ data: X, shape: [n, d] }));
  writeFileSync(join(dir, 'Y.npy'), encodeNpy({ data: Y, shape: [n, k] }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dspgd solve --path / --threads', () => {
  it('--threads 2 gives the W∞ of the API with one thread, and reports 2 threads', async () => {
    const r = run('solve', '--X', 'X.npy', '--Y', 'Y.npy', '--precond', 'adam:eps=0.1', '--lr', '0.05', '--max-iter', '30', '--tol', '0',
      '--threads', '2', '--path', 'primal', '--json', '-q', '--save-w', 'W.json');
    expect(r.code, r.err).toBe(3); // max-iter
    const json = JSON.parse(r.out);
    expect([json.path, json.threads]).toEqual(['primal', 2]);
    const p = await Problem.create({ X: { data: X, shape: [n, d] }, Y: { data: Y, shape: [n, k] } });
    const api = await solve(p, { precond: 'adam:eps=0.1', lr: 0.05, maxIter: 30, tol: 0, threads: 1, path: 'primal' });
    p.dispose();
    const { readFileSync } = await import('node:fs');
    const W = JSON.parse(readFileSync(join(dir, 'W.json'), 'utf8')) as number[][];
    expect(W.flat()).toEqual(Array.from(api.W.data));
  });

  it('--path rowspace with gd runs on the row-space path; with adam it is exit 2 naming path', () => {
    const ok = run('solve', '--X', 'X.npy', '--Y', 'Y.npy', '--precond', 'gd', '--lr', 'auto', '--path', 'rowspace', '--json', '-q');
    expect(JSON.parse(ok.out).path).toBe('rowspace');
    const bad = run('solve', '--X', 'X.npy', '--Y', 'Y.npy', '--precond', 'adam', '--lr', 'auto', '--path', 'rowspace');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/path/);
    const bad2 = run('solve', '--X', 'X.npy', '--Y', 'Y.npy', '--precond', 'gd', '--lr', 'auto', '--threads', '0');
    expect(bad2.code).toBe(2);
    expect(bad2.err).toMatch(/--threads/);
  });
});
