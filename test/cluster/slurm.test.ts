// Sweeps on a real Slurm: the one-node cluster of test/cluster/slurm-up.sh (Debian's slurm-wlm and
// munge; .ci/run starts it as root and sets DSPGD_REQUIRE_SLURM=1, so there it is required).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requireSlurm, sbatchWait, showJob, slurmEnv, slurmMissing } from './slurm.js';

const ROOT = resolve(__dirname, '..', '..');
let dir: string;

beforeAll(() => {
  if (slurmMissing) return;
  requireSlurm();
  dir = mkdtempSync(join(tmpdir(), 'dspgd-slurm-test-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('docs/cluster.md', () => {
  it('shows the job scripts and manifests byte for byte as the files the test runs (<!-- file: … --> before each block)', () => {
    const md = readFileSync(join(ROOT, 'docs', 'cluster.md'), 'utf8');
    const blocks = [...md.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)```\n/g)].map((m) => [m[1], m[2]] as const);
    expect(blocks.map(([f]) => f)).toEqual(['docs/cluster/sweep.sbatch', 'docs/cluster/merge.sbatch', 'docs/cluster/indexed-job.yaml', 'docs/cluster/merge-job.yaml']);
    for (const [file, text] of blocks) expect(text, file).toBe(readFileSync(join(ROOT, file), 'utf8'));
    // Every file under docs/cluster/ is shown.
    expect(readdirSync(join(ROOT, 'docs', 'cluster')).map((f) => `docs/cluster/${f}`).sort()).toEqual(blocks.map(([f]) => f).sort());
  });
});

if (slurmMissing) console.warn(`cluster: the Slurm tests are skipped: ${slurmMissing}`);

describe.skipIf(slurmMissing !== undefined)(`a one-node Slurm${slurmMissing ? ` [skipped: ${slurmMissing}]` : ''}`, () => {
  it('runs a 4-task job array to completion; each task sees its index and the array bounds', async () => {
    // What the shard selection of `dspgd sweep` reads: SLURM_ARRAY_TASK_ID with _COUNT (or _MIN/_MAX).
    const script = [
      '#!/bin/bash',
      '#SBATCH --job-name=dspgd-env',
      '#SBATCH --array=0-3',
      '#SBATCH --cpus-per-task=1',
      '#SBATCH --output=env-%a.log',
      'set -euo pipefail',
      `node -e 'const e = process.env; require("fs").writeFileSync("task-" + e.SLURM_ARRAY_TASK_ID + ".json", JSON.stringify([e.SLURM_ARRAY_TASK_ID, e.SLURM_ARRAY_TASK_COUNT, e.SLURM_ARRAY_TASK_MIN, e.SLURM_ARRAY_TASK_MAX, e.SLURM_ARRAY_JOB_ID]))'`,
      '',
    ].join('\n');
    const cwd = mkdtempSync(join(dir, 'env-'));
    writeFileSync(join(cwd, 'env.sbatch'), script);
    const job = await sbatchWait(['env.sbatch'], cwd, slurmEnv(), 90_000);
    expect(job.status, job.stderr).toBe(0);
    expect(job.jobId).toMatch(/^\d+$/);
    const tasks = readdirSync(cwd).filter((f) => f.startsWith('task-')).sort();
    expect(tasks).toEqual(['task-0.json', 'task-1.json', 'task-2.json', 'task-3.json']);
    for (let i = 0; i < 4; i++) {
      expect(JSON.parse(readFileSync(join(cwd, `task-${i}.json`), 'utf8'))).toEqual([`${i}`, '4', '0', '3', job.jobId]);
    }
    // The controller agrees: four array tasks of this job, all COMPLETED with exit code 0.
    const records = showJob(job.jobId);
    expect(records.map((r) => r.ArrayTaskId).sort()).toEqual(['0', '1', '2', '3']);
    for (const r of records) {
      expect(r.JobState).toBe('COMPLETED');
      expect(r.ExitCode).toBe('0:0');
    }
    // One task resubmitted alone (sbatch --array=2): an array of one task, COUNT 1 and MIN = MAX = 2,
    // which is why the sweep script gives --shards (docs/cluster.md, "Resuming a failed part").
    const one = await sbatchWait(['--array=2', 'env.sbatch'], cwd, slurmEnv(), 90_000);
    expect(one.status, one.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'task-2.json'), 'utf8'))).toEqual(['2', '1', '2', '2', one.jobId]);
  }, 180_000);

  it('docs/cluster/sweep.sbatch as a 4-task array, then merge.sbatch after afterok: the merged sweep (rows and report) equals one process\'s, byte for byte', async () => {
    const cwd = mkdtempSync(join(dir, 'sweep-'));
    // A grid of 6 cells (2 problems × 3 preconditioners) and 12 runs: 4 parts of 2, 2, 1 and 1 cells.
    writeFileSync(join(cwd, 'experiment.json'), JSON.stringify({
      problems: [{ kind: 'gaussian', n: 20, d: 60, seeds: [0, 1] }],
      preconds: ['gd', 'sign:eps=0.1', { name: 'normalized', eps: [0.1] }],
      lrs: ['auto', '0.5*auto'],
      stopping: { maxIter: 400 },
    }, null, 2));
    // `dspgd` on PATH for the job, as `npm install -g` would put it: this checkout's bin.
    const bin = join(cwd, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'dspgd'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'dspgd.js')}" "$@"\n`, { mode: 0o755 });
    const env = slurmEnv({ PATH: `${bin}:${slurmEnv().PATH}` });
    const logs = () => readdirSync(cwd).filter((f) => f.endsWith('.log')).map((f) => `--- ${f}\n${readFileSync(join(cwd, f), 'utf8')}`).join('\n');

    const sweep = await sbatchWait([join(ROOT, 'docs', 'cluster', 'sweep.sbatch')], cwd, env, 150_000);
    expect(sweep.status, `${sweep.stderr}\n${logs()}`).toBe(0);
    const tasks = showJob(sweep.jobId);
    expect(tasks.map((r) => [r.ArrayTaskId, r.JobState, r.ExitCode]).sort()).toEqual([0, 1, 2, 3].map((i) => [`${i}`, 'COMPLETED', '0:0']));
    const merge = await sbatchWait([`--dependency=afterok:${sweep.jobId}`, join(ROOT, 'docs', 'cluster', 'merge.sbatch')], cwd, env, 90_000);
    expect(merge.status, `${merge.stderr}\n${logs()}`).toBe(0);
    const [m] = showJob(merge.jobId);
    expect([m.JobState, m.ExitCode, m.Dependency]).toEqual(['COMPLETED', '0:0', '(null)']);

    // Each task ran its own part (from SLURM_ARRAY_TASK_ID/COUNT), and the parts cover the grid once.
    const runsOf = (d: string) => (JSON.parse(readFileSync(join(d, 'sweep.json'), 'utf8')) as { rows: unknown[] }).rows;
    const parts = [0, 1, 2, 3].map((i) => JSON.parse(readFileSync(join(cwd, 'out', `shard-${i}`, 'sweep.json'), 'utf8')) as { shard: unknown; rows: unknown[] });
    expect(parts.map((p) => p.shard)).toEqual([0, 1, 2, 3].map((index) => ({ index, count: 4 })));
    expect(parts.map((p) => p.rows.length)).toEqual([4, 4, 2, 2]);

    // The same grid in one process, without Slurm.
    const single = spawnSync(process.execPath, [join(ROOT, 'bin', 'dspgd.js'), 'sweep', '--grid', 'experiment.json', '--out-dir', 'single', '--quiet'], { cwd, encoding: 'utf8', timeout: 120_000 });
    expect(single.status, single.stderr).toBe(0);
    const merged = join(cwd, 'out', 'merged');
    expect(runsOf(merged)).toHaveLength(12);
    // The rows (sweep.csv) and the report (index.html, the figures) byte for byte; sweep.json but
    // for host (machine, command, wall times), and so .dspgd-report (the files' SHA-256s); the
    // journal's lines are in the order runs finished.
    const files = readdirSync(join(cwd, 'single')).sort();
    expect(files).toEqual(expect.arrayContaining(['index.html', 'journal.jsonl', 'sweep.csv', 'sweep.json']));
    expect(readdirSync(merged).sort()).toEqual(files);
    for (const f of files.filter((x) => !['sweep.json', 'journal.jsonl', '.dspgd-report'].includes(x))) {
      expect(readFileSync(join(merged, f)).equals(readFileSync(join(cwd, 'single', f))), f).toBe(true);
    }
    const withoutHost = (d: string) => {
      const j = JSON.parse(readFileSync(join(d, 'sweep.json'), 'utf8')) as Record<string, unknown>;
      delete j.host;
      return JSON.stringify(j);
    };
    expect(withoutHost(merged)).toBe(withoutHost(join(cwd, 'single')));
    console.log(`cluster: array job ${sweep.jobId} (4 tasks) in ${(sweep.ms / 1000).toFixed(1)} s, merge job ${merge.jobId} in ${(merge.ms / 1000).toFixed(1)} s`);

    // Task 2 "failed" (its journal holds the header only, its report is gone) and is resubmitted
    // alone, as docs/cluster.md says: `sbatch --array=2 sweep.sbatch`, an array of one task
    // (SLURM_ARRAY_TASK_COUNT 1, MIN = MAX = 2). With --shards 4 in the script it runs part 2 of 4
    // again, and the merge equals the single process's again.
    const shard2 = join(cwd, 'out', 'shard-2');
    const header = readFileSync(join(shard2, 'journal.jsonl'), 'utf8').split('\n')[0]!;
    rmSync(shard2, { recursive: true });
    mkdirSync(shard2);
    writeFileSync(join(shard2, 'journal.jsonl'), `${header}\n`);
    rmSync(merged, { recursive: true });
    const again = await sbatchWait(['--array=2', join(ROOT, 'docs', 'cluster', 'sweep.sbatch')], cwd, env, 150_000);
    expect(again.status, `${again.stderr}\n${logs()}`).toBe(0);
    expect(showJob(again.jobId).map((r) => [r.ArrayTaskId, r.JobState, r.ExitCode])).toEqual([['2', 'COMPLETED', '0:0']]);
    expect(JSON.parse(readFileSync(join(shard2, 'sweep.json'), 'utf8'))).toMatchObject({ shard: { index: 2, count: 4 }, rows: parts[2]!.rows });
    const merge2 = await sbatchWait([`--dependency=afterok:${again.jobId}`, join(ROOT, 'docs', 'cluster', 'merge.sbatch')], cwd, env, 90_000);
    expect(merge2.status, `${merge2.stderr}\n${logs()}`).toBe(0);
    expect(withoutHost(merged)).toBe(withoutHost(join(cwd, 'single')));
    expect(readFileSync(join(merged, 'sweep.csv')).equals(readFileSync(join(cwd, 'single', 'sweep.csv')))).toBe(true);
  }, 420_000);
});
