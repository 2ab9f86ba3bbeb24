/**
 * `dspgd sweep`: preconditioners × learning rates × seeds (× problems × losses with --grid FILE)
 * on generated problems or user data; one row per run (diverged runs are rows too), a table on
 * stdout, and sweep.json, sweep.csv, the plots and the journal in --out-dir. Runs go on --jobs
 * worker threads; --resume continues from the journal; --shard I/N (or a job array's index)
 * runs one part of the grid, put back together by `dspgd merge` (src/sweep/).
 */
import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseLrList, formatLrSpec, type LrSpec } from '../lr-spec.js';
import { DEFAULTS } from '../options.js';
import { formatCount, formatHuman } from '../util/numbers.js';
import { GENERATOR_KINDS, type GeneratorKind } from '../generator-kinds.js';
import { BUILTIN_PRECOND_NAMES } from '../precond/index.js';
import { LOSS_NAMES } from '../losses/index.js';
import { DspgdError } from '../errors.js';
import { DEMO_PRECONDS } from '../demo-setup.js';
import { positiveInt, nonNegativeNumber, nonNegativeInt, positiveNumber } from './errors.js';
import { addDataOptions, hasData, type DataFlags } from './inputs.js';
import { DEFAULT_LRS as DEFAULT_LR_TEXT, cellsOf, gridFromFlags, type SweepGrid } from '../sweep/grid.js';
import { parseExperimentFile } from '../sweep/experiment-file.js';
import { shardCells, resolveShard } from '../sweep/shard.js';
import { defaultJobs, startWorkers, stopWorkers } from '../sweep/workers.js';
import { describeFsError } from '../io/node/read.js';

export interface SweepFlags extends DataFlags {
  precond: string[]; lr: LrSpec[]; seeds: number[];
  n: number; d: number; k: number; kind: GeneratorKind; noise: number; cond: number;
  loss: string; reduction: 'sum' | 'mean'; tol: number; maxIter: number; stall: boolean;
  outDir: string; quiet?: boolean;
  grid?: string; jobs?: number; resume?: boolean; shard?: string; shards?: number;
}

/** --lr when not given: the stable step and a quarter of it, per preconditioner. */
const DEFAULT_LRS: LrSpec[] = DEFAULT_LR_TEXT.map((t) => parseLrList(t)[0]!);

/** The flags that describe a grid (a shorthand for --grid FILE; the two do not mix). */
const GRID_FLAGS = ['precond', 'lr', 'seeds', 'n', 'd', 'k', 'kind', 'noise', 'cond', 'loss', 'reduction', 'tol', 'maxIter', 'stall',
  'X', 'Y', 'W0', 'problem', 'csvHeader'] as const;

function parseSeeds(value: string): number[] {
  return value.split(',').map((t) => nonNegativeInt(t.trim()));
}

function flagName(key: string): string {
  if (key === 'stall') return '--no-stall';
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The resolved grid of experiment file `path` (JSON or YAML; E_IO naming --grid when it cannot be read). */
export async function readGrid(path: string): Promise<SweepGrid> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new DspgdError('E_IO', `--grid: cannot read ${path}: ${describeFsError(e)}`, '--grid', { cause: e });
  }
  return parseExperimentFile(text, path);
}

export function sweepCommand(): Command {
  const cmd = new Command('sweep')
    .description('Run a grid of preconditioners × learning rates × seeds and report the implicit bias of each run, with plots.');
  addDataOptions(cmd, false);
  return cmd
    .addOption(new Option('--precond <spec>', `a preconditioner NAME[:key=value,...]; repeat the flag for several. Names: ${BUILTIN_PRECOND_NAMES.join(', ')}`)
      .argParser((v: string, prev: string[]) => [...prev, v])
      .default([] as string[], `the demo's ten: ${DEMO_PRECONDS.join(' ')}`))
    .addOption(new Option('--lr <list>', 'comma-separated learning rates; "auto" or "0.25*auto" are multiples of a stable step per preconditioner')
      .argParser((v: string) => parseLrList(v, '--lr'))
      .default(DEFAULT_LRS, DEFAULT_LRS.map(formatLrSpec).join(',')))
    .option('--seeds <list>', 'comma-separated seeds of the generated problem (ignored with user data)', parseSeeds, [0])
    .option('--n <n>', 'generated problem: samples', positiveInt, 40)
    .option('--d <d>', 'generated problem: parameters per output', positiveInt, 120)
    .option('--k <k>', 'generated problem: outputs', positiveInt, 1)
    .addOption(new Option('--kind <kind>', 'generated problem kind').choices(GENERATOR_KINDS as string[]).default('gaussian'))
    .option('--noise <s>', 'label noise for --kind teacher', nonNegativeNumber, 0.1)
    .option('--cond <c>', 'condition number for --kind spectrum', positiveNumber, 100)
    .option('--loss <spec>', `loss NAME[:key=value]; one of ${LOSS_NAMES.join(', ')}`, 'squared')
    .addOption(new Option('--reduction <r>', 'loss reduction').choices(['sum', 'mean']).default('sum'))
    .option('--tol <t>', 'stop each run when ‖XW − Y‖/‖Y‖ ≤ t', nonNegativeNumber, DEFAULTS.tol)
    .option('--max-iter <n>', 'iteration budget per run (an integer; 1e5 is accepted)', nonNegativeInt, DEFAULTS.maxIter)
    .option('--no-stall', `do not stop a run when relResidual improves by less than ${formatHuman(DEFAULTS.stallMinDecrease)} over ${formatCount(DEFAULTS.stallWindow)} iterations`)
    .option('--grid <file>', 'an experiment file (JSON, or YAML when it ends in .yaml or .yml): problems, losses, preconditioners with parameter lists, learning rates, stopping; see docs/experiment.md. Replaces the grid flags above')
    .option('--out-dir <dir>', 'where sweep.json, sweep.csv, the plots, index.html and journal.jsonl go', 'dspgd-sweep')
    .addOption(new Option('--jobs <n>', 'runs at a time, each on its own worker thread').argParser(positiveInt).default(undefined, 'the available cores'))
    .option('--resume', 'keep the runs journal.jsonl in --out-dir already has, run the rest (the grid must be the same)')
    .option('--shard <I/N>', 'run part I of N of the grid (I from 0); `dspgd merge` joins the parts. Default: from SLURM_ARRAY_TASK_ID in a Slurm job array')
    .option('--shards <n>', 'the number of parts, the part being SLURM_ARRAY_TASK_ID (give it in a job array: a task resubmitted alone then runs its part again) or JOB_COMPLETION_INDEX (Kubernetes Indexed Job)', positiveInt)
    .option('-q, --quiet', 'print nothing but errors (no table, no progress bar)')
    .addHelpText('after', `
Examples:
  $ dspgd sweep --precond adam:eps=0.05 --precond sign --lr 0.01,0.003,0.001 --seeds 1,2,3
  $ dspgd sweep --X X.npy --Y Y.npy --precond gd --precond spectral --lr auto,0.5*auto --out-dir results/
  $ dspgd sweep --kind spectrum --cond 1e3 --n 50 --d 200 --k 2 --lr 0.125*auto,0.25*auto,0.5*auto,auto
  $ dspgd sweep --grid experiment.json --jobs 8 --out-dir results/
  $ dspgd sweep --grid experiment.yaml --out-dir results/             # the same schema in YAML
  $ dspgd sweep --grid experiment.yaml --out-dir results/             # the same schema in YAML
  $ dspgd sweep --grid experiment.json --out-dir results/ --resume      # after a crash: only the runs not yet in the journal
  $ dspgd sweep --grid experiment.json --shard 2/4 --out-dir out/shard-2 # part 2 of 4 (0-based); in a Slurm array: no --shard
  $ dspgd merge out/shard-0 out/shard-1 out/shard-2 out/shard-3 --out-dir results/`)
    .action(async (f: SweepFlags, cmd: Command) => {
      if (f.outDir.trim() === '') throw new DspgdError('E_PARAM', '--out-dir: expected a folder path', '--out-dir');
      let grid: SweepGrid;
      let baseDir = process.cwd();
      if (f.grid !== undefined) {
        const given = GRID_FLAGS.filter((k) => cmd.getOptionValueSource(k) === 'cli');
        if (given.length) {
          throw new DspgdError('E_PARAM', `--grid: the experiment file holds the whole grid; drop ${given.map(flagName).join(', ')} (or drop --grid)`, '--grid');
        }
        grid = await readGrid(f.grid);
        baseDir = dirname(resolve(f.grid));
      } else {
        grid = gridFromFlags({
          preconds: f.precond, lrs: f.lr, loss: f.loss, reduction: f.reduction, tol: f.tol, maxIter: f.maxIter, stall: f.stall,
          data: hasData(f) ? { X: f.X, Y: f.Y, W0: f.W0, problem: f.problem, csvHeader: f.csvHeader } : undefined,
          generator: { kind: f.kind, n: f.n, d: f.d, k: f.k, noise: f.noise, cond: f.cond, seeds: f.seeds },
        });
      }
      const shard = resolveShard({ shard: f.shard, shards: f.shards }, process.env);
      const jobs = f.jobs ?? defaultJobs();
      // The workers boot (a Node thread each, then the worker program and its WASM) while this
      // thread loads the rest of the command (sweep-run.ts: the report, its plots, the progress
      // bar): from the shell that is ~0.1 s of a short sweep's wall time (bench/sweep.ts).
      const cells = (shard ? shardCells(grid, shard.index, shard.count) : cellsOf(grid)).length;
      const workers = jobs > 1 && cells > 1 ? startWorkers(Math.min(jobs, cells)) : undefined;
      try {
        const { runSweepCommand } = await import('./sweep-run.js');
        process.exitCode = await runSweepCommand(f, { grid, baseDir, shard, jobs, workers });
      } finally {
        if (workers) await stopWorkers(workers);
      }
    });
}
