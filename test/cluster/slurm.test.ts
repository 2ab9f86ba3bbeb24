// Sweeps on a real Slurm: the one-node cluster of test/cluster/slurm-up.sh (Debian's slurm-wlm and
// munge; .ci/run starts it as root and sets DSPGD_REQUIRE_SLURM=1, so there it is required).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  }, 120_000);
});
