/**
 * Shards: the I-th of N parts of a grid, for job arrays (one task, one part, its own output
 * folder; `dspgd merge` puts them back together). The parts are cells (see grid.ts), dealt by
 * the longest-processing-time rule on an estimated cost: cells in order of decreasing cost (ties
 * in grid order), each to the part with the least cost so far (ties to the lower part). The
 * estimate is n·d·k per learning rate for a generated problem (a pass over X per iteration, all
 * runs share one iteration budget); a problem read from files counts as the largest generated
 * one, or 1 when there are none. With equal costs this is round-robin. It depends only on the
 * grid, so every task computes the same parts without talking to the others.
 */
import { DspgdError } from '../errors.js';
import { cellsOf, describeRun, isGenerated, type Cell, type SweepGrid } from './grid.js';
import { JOURNAL } from './journal.js';

export interface Shard {
  index: number;
  count: number;
  /** Where the shard came from, for messages: '--shard', 'SLURM_ARRAY_TASK_ID' (with --shards or not), 'JOB_COMPLETION_INDEX'. */
  source: string;
}

/** The part (0 … count − 1) of every cell of the grid, by cell index. */
export function partsOf(grid: SweepGrid, count: number): number[] {
  const cells = cellsOf(grid);
  const part = new Array<number>(cells.length).fill(0);
  if (count === 1) return part;
  const sizes = grid.problems.map((p) => (isGenerated(p) ? p.n * p.d * p.k : 0));
  const fileCost = Math.max(1, ...sizes);
  const cost = (c: Cell) => (sizes[c.problem] || fileCost) * grid.lrs.length;
  const order = cells.slice().sort((a, b) => cost(b) - cost(a) || a.index - b.index);
  const load = new Array<number>(count).fill(0);
  for (const c of order) {
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s]! < load[best]!) best = s;
    load[best] += cost(c);
    part[c.index] = best;
  }
  return part;
}

/** The cells of shard `index` of `count`, in grid order. */
export function shardCells(grid: SweepGrid, index: number, count: number): Cell[] {
  const part = partsOf(grid, count);
  return cellsOf(grid).filter((c) => part[c.index] === index);
}

/**
 * Refuses a journal of part `shard` of `grid` that holds a run of another part's cell (a journal
 * copied or joined from another folder): `dspgd merge` would take it for this part's, and a
 * `--resume` would carry it into this part's report. `what` starts the message ('merge',
 * '--resume'), `dir` names the folder; E_FORMAT with `argument`.
 */
export function checkShardRuns(grid: SweepGrid, shard: { index: number; count: number }, runs: Iterable<number>, what: string, dir: string, argument: string): void {
  const part = partsOf(grid, shard.count);
  const L = grid.lrs.length;
  for (const run of runs) {
    const p = part[Math.floor(run / L)];
    if (p === shard.index) continue;
    throw new DspgdError('E_FORMAT',
      `${what}: ${dir} is part ${shard.index} of ${shard.count}, but its ${JOURNAL} holds ${describeRun(grid, run)}, a run of part ${p}: `
      + 'records of another part (a journal copied or joined from another folder) are refused; run this part again into a fresh folder', argument);
  }
}

/** `--shard I/N` (I 0-based). */
export function parseShard(text: string, argument = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new DspgdError('E_PARAM', `${argument}: expected I/N with 0 ≤ I < N (I counts from 0, e.g. 0/4 … 3/4), got ${JSON.stringify(text)}`, argument);
  }
  return { index, count, source: argument };
}

function envInt(env: NodeJS.ProcessEnv | Record<string, string | undefined>, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const x = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(x)) {
    throw new DspgdError('E_PARAM', `${name}: expected an integer ≥ 0, got ${JSON.stringify(v)}`, name);
  }
  return x;
}

/**
 * The shard this process runs: `--shard I/N`; else, in a Slurm job array, SLURM_ARRAY_TASK_ID as
 * the part, of `--shards N` when given, or else of SLURM_ARRAY_TASK_COUNT (or MAX + 1) parts;
 * else JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) of `--shards N`. Undefined: the whole grid.
 *
 * The task id *is* the part number, 0 … N−1. Without --shards the array's own size stands for N,
 * and that is right only for the whole array 0 … N−1: a failed task resubmitted alone
 * (`sbatch --array=2 …`) is an array of one task (COUNT 1, MIN = MAX = 2), an array numbered
 * from 1 or with a step (--array=1-4, 0-15:4, 0,2,5) has ids that are not parts. Those are
 * refused, asking for --shards N; with it, any task id below N runs that part, so a
 * resubmitted task runs the part it ran before.
 */
export function resolveShard(flags: { shard?: string; shards?: number }, env: Record<string, string | undefined>): Shard | undefined {
  if (flags.shard !== undefined) {
    const s = parseShard(flags.shard);
    if (flags.shards !== undefined && flags.shards !== s.count) {
      throw new DspgdError('E_PARAM', `--shards: ${flags.shards} disagrees with --shard ${flags.shard}; give one of them`, '--shards');
    }
    return s;
  }
  const task = envInt(env, 'SLURM_ARRAY_TASK_ID');
  if (task !== undefined) {
    if (flags.shards !== undefined) {
      if (task >= flags.shards) {
        throw new DspgdError('E_PARAM',
          `SLURM_ARRAY_TASK_ID: task ${task} is not a part of --shards ${flags.shards}: the array's task ids are the part numbers, 0 … ${flags.shards - 1} (--array=0-${flags.shards - 1})`,
          'SLURM_ARRAY_TASK_ID');
      }
      return { index: task, count: flags.shards, source: 'SLURM_ARRAY_TASK_ID with --shards' };
    }
    const min = envInt(env, 'SLURM_ARRAY_TASK_MIN');
    const max = envInt(env, 'SLURM_ARRAY_TASK_MAX');
    const countEnv = envInt(env, 'SLURM_ARRAY_TASK_COUNT');
    const count = countEnv ?? (max !== undefined ? max - (min ?? 0) + 1 : undefined);
    const seen = [`SLURM_ARRAY_TASK_ID=${task}`, ...([['COUNT', countEnv], ['MIN', min], ['MAX', max]] as const)
      .filter(([, v]) => v !== undefined).map(([k, v]) => `SLURM_ARRAY_TASK_${k}=${v}`)].join(', ');
    const why = count === undefined ? 'neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is set'
      : min !== undefined && min !== 0 ? `the array starts at task ${min}, not 0`
        : task >= count ? `task ${task} is not below the array's ${count} task${count === 1 ? '' : 's'}`
          : count === 1 ? 'the array has one task (a failed task resubmitted alone, as sbatch --array=I, is an array of one)'
            : max !== undefined && max !== count - 1 ? `the array's ${count} tasks are not 0 … ${count - 1} (it ends at ${max}: a step or a list)`
              : undefined;
    if (why !== undefined) {
      throw new DspgdError('E_PARAM',
        `SLURM_ARRAY_TASK_ID: cannot tell which part of how many this task runs: ${why} (${seen}). `
        + 'Pass --shards N, the number of parts of the whole sweep (--shards 4 for --array=0-3): the task id is then the part, '
        + 'so a resubmitted task (sbatch --array=2 …) runs part 2 of N again; or give --shard I/N', 'SLURM_ARRAY_TASK_ID');
    }
    return { index: task, count: count!, source: 'SLURM_ARRAY_TASK_ID' };
  }
  if (flags.shards !== undefined) {
    const index = envInt(env, 'JOB_COMPLETION_INDEX');
    if (index === undefined) {
      throw new DspgdError('E_PARAM', '--shards: needs JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID in the environment (or give --shard I/N)', '--shards');
    }
    if (index >= flags.shards) {
      throw new DspgdError('E_PARAM', `JOB_COMPLETION_INDEX: ${index} is not below --shards ${flags.shards}`, 'JOB_COMPLETION_INDEX');
    }
    return { index, count: flags.shards, source: 'JOB_COMPLETION_INDEX' };
  }
  return undefined;
}
