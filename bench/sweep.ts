/**
 * Bench section "sweep": one 16-run sweep (4 preconditioners × 2 learning rates × 2 seeds, every
 * run the same iteration budget) through `runSweep`, the code behind `dspgd sweep`, with
 * `--jobs 1` and `--jobs N` (default 2), journal and report included: the speed-up is what a user
 * gets from `--jobs`. Runs alternate (1, N, 1, N, …) so a change in machine load hits both; the
 * median of each is reported, and the rows are checked to be bit-identical. On a busy machine
 * the speed-up is a lower bound of what idle cores give.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { runSweep } from '../src/sweep/run.js';
import type { SweepGrid } from '../src/sweep/grid.js';

export interface SweepBench {
  runs: number;
  jobs: number;
  /** Wall seconds of each repeat. */
  seconds1: number[];
  secondsN: number[];
  /** median(jobs 1) / median(jobs N). */
  speedup: number;
  /** sweep.csv of both equal, byte for byte. */
  identical: boolean;
  cores: number;
  problem: string;
}

export function sweepBenchGrid(quick: boolean): SweepGrid {
  const n = 200, d = 2000;
  return {
    problems: [1, 2].map((seed) => ({ kind: 'gaussian' as const, n, d, k: 1, noise: 0.1, cond: 100, seed })),
    losses: ['squared'], reduction: 'sum',
    preconds: ['gd', 'adam:eps=0.05', 'sign:eps=0.1', 'spectral:eps=0.1'],
    lrs: ['0.5*auto', '0.25*auto'],
    // tol 0 and no stall stop: every run does the whole budget, so both sides do the same work.
    stopping: { tol: 0, maxIter: quick ? 200 : 1500, stall: false },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function sweepSection(o: { quick: boolean; jobs?: number; onProgress?: (m: string) => void }): Promise<SweepBench> {
  const jobs = o.jobs ?? 2;
  const grid = sweepBenchGrid(o.quick);
  const repeats = o.quick ? 1 : 3;
  const dir = await mkdtemp(join(tmpdir(), 'dspgd-bench-sweep-'));
  const seconds1: number[] = [], secondsN: number[] = [];
  let identical = true;
  try {
    for (let r = 0; r < repeats; r++) {
      for (const j of [1, jobs]) {
        const out = join(dir, `j${j}-${r}`);
        const t0 = performance.now();
        await runSweep({ grid, baseDir: dir, outDir: out, jobs: j });
        const s = (performance.now() - t0) / 1000;
        (j === 1 ? seconds1 : secondsN).push(s);
        o.onProgress?.(`sweep: 16 runs, --jobs ${j}: ${s.toFixed(2)} s`);
      }
      const a = await readFile(join(dir, `j1-${r}`, 'sweep.csv'));
      const b = await readFile(join(dir, `j${jobs}-${r}`, 'sweep.csv'));
      identical &&= a.equals(b);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return {
    runs: 16, jobs, seconds1, secondsN, speedup: median(seconds1) / median(secondsN), identical,
    cores: availableParallelism(), problem: `gaussian n=200 d=2000 k=1, ${grid.stopping.maxIter} iterations per run`,
  };
}

export function formatSweepBench(s: SweepBench): string {
  const f = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  return [
    `Sweep (--jobs): ${s.runs} runs (${s.problem}), ${s.cores} cores available`,
    `  --jobs 1: ${f(s.seconds1)} s;  --jobs ${s.jobs}: ${f(s.secondsN)} s;  speed-up ${s.speedup.toFixed(2)}× (medians; target ≥ 1.8× on 2 idle cores)`,
    `  rows of --jobs 1 and --jobs ${s.jobs} ${s.identical ? 'bit-identical' : 'DIFFER'}`,
  ].join('\n');
}
