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
import { cellsOf, isGenerated, type Cell, type SweepGrid } from './grid.js';

export interface Shard {
  index: number;
  count: number;
  /** Where the shard came from, for messages: '--shard', 'SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX'. */
  source: string;
}

/** The cells of shard `index` of `count`, in grid order. */
export function shardCells(grid: SweepGrid, index: number, count: number): Cell[] {
  const cells = cellsOf(grid);
  if (count === 1) return cells;
  const sizes = grid.problems.map((p) => (isGenerated(p) ? p.n * p.d * p.k : 0));
  const fileCost = Math.max(1, ...sizes);
  const cost = (c: Cell) => (sizes[c.problem] || fileCost) * grid.lrs.length;
  const order = cells.slice().sort((a, b) => cost(b) - cost(a) || a.index - b.index);
  const load = new Array<number>(count).fill(0);
  const mine: Cell[] = [];
  for (const c of order) {
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s]! < load[best]!) best = s;
    load[best] += cost(c);
    if (best === index) mine.push(c);
  }
  return mine.sort((a, b) => a.index - b.index);
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
 * The shard this process runs: `--shard I/N`; else, in a Slurm job array, SLURM_ARRAY_TASK_ID
 * minus SLURM_ARRAY_TASK_MIN (0 when unset) of SLURM_ARRAY_TASK_COUNT (or MAX − MIN + 1) parts,
 * or of `--shards N` when given; else JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) of
 * `--shards N`. Undefined: the whole grid. An array with a step (--array=0-15:4) numbers its
 * tasks with gaps: give --shard there.
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
    const min = envInt(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
    const max = envInt(env, 'SLURM_ARRAY_TASK_MAX');
    const count = flags.shards ?? envInt(env, 'SLURM_ARRAY_TASK_COUNT') ?? (max !== undefined ? max - min + 1 : undefined);
    if (count === undefined) {
      throw new DspgdError('E_PARAM', 'SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is: give --shards N or --shard I/N', 'SLURM_ARRAY_TASK_ID');
    }
    const index = task - min;
    if (index < 0 || index >= count) {
      throw new DspgdError('E_PARAM', `SLURM_ARRAY_TASK_ID: task ${task} (min ${min}) is not one of ${count} shards; for an array with a step, give --shard I/N`, 'SLURM_ARRAY_TASK_ID');
    }
    return { index, count, source: 'SLURM_ARRAY_TASK_ID' };
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
