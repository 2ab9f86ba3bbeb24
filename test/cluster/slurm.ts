/**
 * A real Slurm for the cluster test: the one-node cluster that test/cluster/slurm-up.sh starts
 * (munged, slurmctld and slurmd on this machine, as root). .ci/run starts it and sets
 * DSPGD_REQUIRE_SLURM=1: there a Slurm that is missing or not answering fails the test with the
 * reason. Elsewhere (a developer's machine without Slurm, or with Slurm installed but not started)
 * the test is reported skipped with the reason.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

const DIR = process.env.DSPGD_SLURM_DIR ?? '/tmp/dspgd-slurm';

/** The environment Slurm's clients run in: slurm-up.sh's configuration unless SLURM_CONF names one. */
export function slurmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const conf = process.env.SLURM_CONF ?? (existsSync(join(DIR, 'slurm.conf')) ? join(DIR, 'slurm.conf') : undefined);
  // The job runs with the submitter's environment (sbatch --export=ALL): this node first on PATH.
  const path = [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
  return { ...process.env, ...(conf ? { SLURM_CONF: conf } : {}), PATH: path, NO_COLOR: '1', ...extra };
}

/** Why no Slurm answers here, or undefined when `sinfo` lists an idle or mixed node. */
export function probeSlurm(): string | undefined {
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', env: slurmEnv(), timeout: 20_000 });
  if (r.error) {
    return (r.error as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'Slurm is not installed (no sinfo on PATH)'
      : `sinfo did not run: ${r.error.message}`;
  }
  const states = r.stdout.trim().split(/\s+/).filter(Boolean);
  if (r.status !== 0) return `no Slurm controller answers (sinfo exited ${r.status}: ${r.stderr.trim().split('\n').pop()})`;
  if (!states.some((s) => /^(idle|mixed|allocated|completing)/.test(s))) return `no Slurm node can run jobs (sinfo lists: ${states.join(', ') || 'no node'})`;
  return undefined;
}

const required = process.env.DSPGD_REQUIRE_SLURM === '1';
const probed = required ? undefined : probeSlurm();

/**
 * Set when the Slurm test is skipped (with this reason): only without DSPGD_REQUIRE_SLURM=1 and
 * when no Slurm answers. With DSPGD_REQUIRE_SLURM=1 the test runs and fails with the reason.
 */
export const slurmMissing: string | undefined = probed === undefined
  ? undefined
  : `${probed}; start the one-node test cluster with \`sudo test/cluster/slurm-up.sh\` (.ci/run does, and requires it)`;

/** Throws with the reason when Slurm cannot run jobs here (the required case). */
export function requireSlurm(): void {
  const why = probeSlurm();
  if (why) throw new Error(`Slurm cannot run the test's jobs: ${why}. Start it with test/cluster/slurm-up.sh as root; its logs are in ${DIR}.`);
}

export interface Submitted {
  jobId: string;
  /** sbatch's exit status: with --wait, the highest exit status of the job (of any array task). */
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * `sbatch --parsable --wait ARGS` in `cwd`, asynchronously (the test's process stays responsive);
 * resolves when the job has ended, with its id.
 */
export function sbatchWait(args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Submitted> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('sbatch', ['--parsable', '--wait', ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`sbatch ${args.join(' ')} did not end within ${timeoutMs / 1000} s (stdout: ${stdout.trim()}; stderr: ${stderr.trim()})`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (status) => {
      clearTimeout(timer);
      // --parsable prints "jobid" or "jobid;cluster".
      const jobId = stdout.trim().split('\n')[0]?.split(';')[0] ?? '';
      resolve({ jobId, status, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** `scontrol show job ID` as key → value per job (array tasks are separate records). */
export function showJob(jobId: string): Record<string, string>[] {
  const r = spawnSync('scontrol', ['show', 'job', '-o', jobId], { encoding: 'utf8', env: slurmEnv(), timeout: 20_000 });
  if (r.status !== 0) throw new Error(`scontrol show job ${jobId}: ${r.stderr.trim()}`);
  return r.stdout.trim().split('\n').filter(Boolean).map((line) => {
    const rec: Record<string, string> = {};
    for (const m of line.matchAll(/(\S+?)=(\S*)/g)) rec[m[1]] ??= m[2];
    return rec;
  });
}
