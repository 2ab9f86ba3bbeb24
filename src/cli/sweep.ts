/**
 * `dspgd sweep`: preconditioners × learning rates × seeds on a generated
 * problem or on user data; one row per run (diverged runs are rows too), a
 * table on stdout, and sweep.json, sweep.csv and the plots in --out-dir.
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { runGrid, type GridProblem } from '../experiment.js';
import { parseLrList, formatLrSpec, type LrSpec } from '../lr-spec.js';
import { DEFAULTS } from '../options.js';
import { formatCount, formatHuman } from '../util/numbers.js';
import { generate, GENERATOR_KINDS, type GeneratorKind } from '../generate.js';
import { resolvePrecond, BUILTIN_PRECOND_NAMES } from '../precond/index.js';
import { resolveLoss, LOSS_NAMES } from '../losses/index.js';
import { DspgdError } from '../errors.js';
import { writeReportFolder } from '../report/folder.js';
import { formatTable } from '../report/table.js';
import { DEMO_PRECONDS } from '../demo.js';
import { positiveInt, nonNegativeNumber, nonNegativeInt, positiveNumber } from './errors.js';
import { addDataOptions, hasData, openProblem, type DataFlags } from './inputs.js';
import { createProgress } from './progress.js';
import { withInterrupt } from './interrupt.js';
import type { Problem } from '../problem.js';

interface SweepFlags extends DataFlags {
  precond: string[]; lr: LrSpec[]; seeds: number[];
  n: number; d: number; k: number; kind: GeneratorKind; noise: number; cond: number;
  loss: string; reduction: 'sum' | 'mean'; tol: number; maxIter: number; stall: boolean;
  outDir: string; quiet?: boolean;
}

/** --lr when not given: the stable step and a quarter of it, per preconditioner. */
const DEFAULT_LRS: LrSpec[] = [{ autoFactor: 1 }, { autoFactor: 0.25 }];

function parseSeeds(value: string): number[] {
  return value.split(',').map((t) => nonNegativeInt(t.trim()));
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
    .option('--out-dir <dir>', 'where sweep.json, sweep.csv, the plots and index.html go', 'dspgd-sweep')
    .option('-q, --quiet', 'print nothing but errors (no table, no progress bar)')
    .addHelpText('after', `
Examples:
  $ dspgd sweep --precond adam:eps=0.05 --precond sign --lr 0.01,0.003,0.001 --seeds 1,2,3
  $ dspgd sweep --X X.npy --Y Y.npy --precond gd --precond spectral --lr auto,0.5*auto --out-dir results/
  $ dspgd sweep --kind spectrum --cond 1e3 --n 50 --d 200 --k 2 --lr 0.125*auto,0.25*auto,0.5*auto,auto`)
    .action(async (f: SweepFlags) => {
      const specs = f.precond.length ? f.precond : [...DEMO_PRECONDS];
      const preconds = specs.map((s) => resolvePrecond(s, '--precond'));
      const loss = resolveLoss(f.loss, '--loss');
      if (f.outDir.trim() === '') throw new DspgdError('E_PARAM', '--out-dir: expected a folder path', '--out-dir');
      const problems: GridProblem[] = [];
      const owned: Problem[] = [];
      let describe: string;
      try {
        if (hasData(f)) {
          const { problem: p, source } = await openProblem(f);
          owned.push(p);
          problems.push({ problem: p, seed: null });
          describe = `user data ${source} (n=${p.n}, d=${p.d}, k=${p.k})`;
        } else {
          for (const seed of f.seeds) {
            const p = await generate({ kind: f.kind, n: f.n, d: f.d, k: f.k, seed, noise: f.noise, cond: f.cond });
            owned.push(p);
            problems.push({ problem: p, seed });
          }
          describe = `${f.kind} problem n=${f.n}, d=${f.d}, k=${f.k}, seeds ${f.seeds.join(', ')}`;
        }
        const progress = createProgress(f.quiet);
        const total = problems.length * preconds.length * f.lr.length;
        const t0 = Date.now();
        progress.start(total, 'sweep', 'runs');
        let finished = 0;
        const result = await withInterrupt((signal) => runGrid(problems, {
          preconds, lrs: f.lr, loss, reduction: f.reduction, tol: f.tol, maxIter: f.maxIter, stall: f.stall ? undefined : false, signal,
          onRun: (row, done) => { finished = done; progress.update(done, row.relResidual); },
          onProgress: (run, iteration, relResidual) => progress.update(finished, relResidual, `run ${run + 1} at iteration ${formatCount(iteration)}`),
        }), () => progress.stop());
        progress.stop();
        const dir = resolve(f.outDir);
        const intro = `${describe}; loss ${loss.toString()} (${f.reduction}); tol ${formatHuman(f.tol)}, max-iter ${formatCount(f.maxIter)}; ${result.rows.length} runs.`;
        const files = await writeReportFolder(dir, {
          title: 'dspgd sweep', intro, conclusions: [], rows: result.rows, traces: result.traces,
          meta: { command: process.argv.slice(2).join(' '), seconds: (Date.now() - t0) / 1000 }, files: { base: 'sweep' },
        }, { argument: '--out-dir' });
        if (!f.quiet) {
          process.stdout.write(`dspgd sweep: ${intro}\n\n${formatTable(result.rows)}\n\nWrote ${files.length} files to ${dir}\n`);
          if (result.aborted) process.stdout.write('(interrupted: the files hold the runs finished so far)\n');
        }
        process.exitCode = result.aborted ? 3 : 0;
      } finally {
        for (const p of owned) p.dispose();
      }
    });
}
