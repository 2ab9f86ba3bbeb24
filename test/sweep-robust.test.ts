// Sweeps, the loose ends of issue 16: shard selection in a resubmitted Slurm task, merge across
// splits of different N.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gridFromFlags } from '../src/sweep/grid.js';
import { resolveShard } from '../src/sweep/shard.js';
import { runSweep } from '../src/sweep/run.js';
import { mergeSweeps } from '../src/sweep/merge.js';
import { DspgdError } from '../src/errors.js';

const BIN = join(__dirname, '..', 'bin', 'dspgd.js');
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dspgd-sweep-robust-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}, cwd = dir) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function thrown(f: () => unknown): DspgdError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DspgdError);
    return e as DspgdError;
  }
  throw new Error('expected an error');
}

/** A small grid: 2 problems × 3 preconditioners = 6 cells of 2 runs. */
const FLAGS = {
  preconds: ['gd', 'sign:eps=0.1', 'adam:eps=0.05'], lrs: [{ autoFactor: 1 }, { autoFactor: 0.5 }], loss: 'squared', reduction: 'sum' as const,
  tol: 1e-10, maxIter: 2000, stall: true,
  generator: { kind: 'gaussian' as const, n: 8, d: 20, k: 1, noise: 0.1, cond: 100, seeds: [1, 2] },
};

describe('the shard of a Slurm array task', () => {
  const slurm = (id: number, count: number, min: number, max: number) => ({
    SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_COUNT: String(count), SLURM_ARRAY_TASK_MIN: String(min), SLURM_ARRAY_TASK_MAX: String(max),
  });

  it('the whole array 0 … N−1: the task id of the array size, with or without --shards', () => {
    expect(resolveShard({}, slurm(2, 4, 0, 3))).toEqual({ index: 2, count: 4, source: 'SLURM_ARRAY_TASK_ID' });
    expect(resolveShard({ shards: 4 }, slurm(2, 4, 0, 3))).toEqual({ index: 2, count: 4, source: 'SLURM_ARRAY_TASK_ID with --shards' });
    // Without _COUNT (older Slurm): MAX + 1.
    expect(resolveShard({}, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3' })).toMatchObject({ index: 1, count: 4 });
  });

  it('a task resubmitted alone (sbatch --array=2: COUNT 1, MIN = MAX = 2) runs part 2 of --shards N; without --shards it is refused, asking for it', () => {
    expect(resolveShard({ shards: 4 }, slurm(2, 1, 2, 2))).toEqual({ index: 2, count: 4, source: 'SLURM_ARRAY_TASK_ID with --shards' });
    expect(resolveShard({ shards: 4 }, slurm(0, 1, 0, 0))).toMatchObject({ index: 0, count: 4 });
    const e = thrown(() => resolveShard({}, slurm(2, 1, 2, 2)));
    expect([e.code, e.argument]).toEqual(['E_PARAM', 'SLURM_ARRAY_TASK_ID']);
    expect(e.message).toContain('the array starts at task 2, not 0');
    expect(e.message).toContain('SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=1, SLURM_ARRAY_TASK_MIN=2, SLURM_ARRAY_TASK_MAX=2');
    expect(e.message).toContain('Pass --shards N');
    // Task 0 resubmitted alone looks like a whole array of one task: also refused (it would run the whole grid as "part 0 of 1").
    expect(thrown(() => resolveShard({}, slurm(0, 1, 0, 0))).message).toContain('the array has one task');
  });

  it('arrays whose ids are not 0 … N−1 are refused without --shards: from 1, with a step, a list, an id past the count', () => {
    expect(thrown(() => resolveShard({}, slurm(4, 4, 1, 4))).message).toContain('the array starts at task 1, not 0');
    // --array=0-15:4: ids 0, 4, 8, 12; COUNT 4.
    expect(thrown(() => resolveShard({}, slurm(0, 4, 0, 12))).message).toContain("the array's 4 tasks are not 0 … 3 (it ends at 12: a step or a list)");
    expect(thrown(() => resolveShard({}, slurm(8, 4, 0, 12))).message).toContain("task 8 is not below the array's 4 tasks");
    expect(thrown(() => resolveShard({}, { SLURM_ARRAY_TASK_ID: '1' })).message).toContain('neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is set');
    // With --shards the id is the part: it must be below N.
    const e = thrown(() => resolveShard({ shards: 4 }, slurm(4, 1, 4, 4)));
    expect(e.message).toBe("SLURM_ARRAY_TASK_ID: task 4 is not a part of --shards 4: the array's task ids are the part numbers, 0 … 3 (--array=0-3)");
    // --shard I/N still wins over the environment.
    expect(resolveShard({ shard: '1/3' }, slurm(2, 1, 2, 2))).toMatchObject({ index: 1, count: 3, source: '--shard' });
  });

  it('the CLI: a resubmitted task without --shards exits 2 before writing anything; with --shards 4 it writes part 2 of 4', () => {
    const args = ['sweep', '--precond', 'gd', '--precond', 'sign:eps=0.1', '--seeds', '1,2', '--n', '8', '--d', '20', '--max-iter', '500', '--jobs', '1', '-q'];
    const env = slurm(2, 1, 2, 2);
    const bad = cli([...args, '--out-dir', 'resub-bad'], env);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^dspgd: SLURM_ARRAY_TASK_ID: cannot tell which part of how many this task runs: the array starts at task 2, not 0 .*Pass --shards N/);
    expect(existsSync(join(dir, 'resub-bad'))).toBe(false);
    const good = cli([...args, '--out-dir', 'resub', '--shards', '4'], env);
    expect([good.code, good.err]).toEqual([0, '']);
    expect(JSON.parse(readFileSync(join(dir, 'resub', 'sweep.json'), 'utf8')).shard).toEqual({ index: 2, count: 4 });
  }, 60_000);
});

describe('merge and the split of the grid', () => {
  const grid = gridFromFlags(FLAGS);
  const part = (name: string, index: number, count: number) =>
    runSweep({ grid, baseDir: dir, outDir: join(dir, name), jobs: 1, shard: { index, count, source: 'test' } });

  it('refuses a part of another N (even when no run is in two folders), and the same part twice; names the absent parts', async () => {
    await part('n4-0', 0, 4);
    await part('n4-1', 1, 4);
    // 6 cells round-robin: part 0 of 4 has cells 0, 4; part 1 of 2 has cells 1, 3, 5: no run in both.
    await part('n2-1', 1, 2);
    const e = await mergeSweeps({ dirs: [join(dir, 'n4-0'), join(dir, 'n2-1')], outDir: join(dir, 'm-n'), allowMissing: true }).catch((x: unknown) => x as DspgdError);
    expect(e).toBeInstanceOf(DspgdError);
    expect(e.message).toBe(`merge: ${join(dir, 'n2-1')} is part 1 of 2, ${join(dir, 'n4-0')} part 0 of 4: parts of two different splits of the grid`
      + ' (a task run with another number of parts, e.g. a resubmitted array task without --shards); rerun it with --shard I/4 into its own folder');
    cpSync(join(dir, 'n4-1'), join(dir, 'n4-1-copy'), { recursive: true });
    await expect(mergeSweeps({ dirs: [join(dir, 'n4-1'), join(dir, 'n4-0'), join(dir, 'n4-1-copy')], outDir: join(dir, 'm-twice') }))
      .rejects.toThrow(`merge: ${join(dir, 'n4-1')} and ${join(dir, 'n4-1-copy')} are both part 1 of 4; give each part once`);
    await expect(mergeSweeps({ dirs: [join(dir, 'n4-0'), join(dir, 'n4-1')], outDir: join(dir, 'm-missing') }))
      .rejects.toThrow(/merge: 4 of 12 runs have no result in .*\. Parts 2, 3 of 4 are not among the folders\./);
  }, 60_000);
});
