/**
 * `dspgd solve`: one run on user data. Everything is read and validated before
 * any output is written; outputs are then written together (temp files, then
 * renames), so bad input never creates or damages a file, and Ctrl-C still
 * writes the finished part (status 'aborted'). This file holds the flags; the run is
 * solve-run.ts, loaded when the command runs.
 */
import { Command, Option } from 'commander';
import { BUILTIN_PRECOND_NAMES } from '../precond/index.js';
import { LOSS_NAMES } from '../losses/index.js';
import { DspgdError } from '../errors.js';
import { fraction, nonNegativeNumber, nonNegativeInt, positiveInt } from './errors.js';
import { addDataOptions, type DataFlags } from './inputs.js';
import { DEFAULTS } from '../options.js';
import { parseLr, type LrSpec } from '../lr-spec.js';
import { formatCount, formatHuman } from '../util/numbers.js';
import type { KernelOption } from '../wasm/kernels.js';

export interface SolveFlags extends DataFlags {
  precond: string; lr: LrSpec;
  loss: string; reduction: 'sum' | 'mean';
  tol: number; maxIter: number; gradTol: number; gradRelTol: number;
  out?: string; saveW?: string; saveWgd?: string; trace?: string;
  json?: boolean; quiet?: boolean;
  path: 'auto' | 'primal' | 'rowspace'; threads: number; kernel: KernelOption;
  stall: boolean; divergenceStop: boolean;
}

/** A flag that may be given once: a second value is an error, not "the last one wins". */
function once<T>(flag: string, parse: (v: string) => T): (v: string, prev: T | undefined) => T {
  let first: string | undefined;
  return (v, prev) => {
    if (prev !== undefined) {
      const why = flag === '--precond' ? ' (solve runs one preconditioner; dspgd sweep runs several)' : '';
      throw new DspgdError('E_PARAM', `${flag}: given twice (${JSON.stringify(first)} and ${JSON.stringify(v)}); give it once${why}`, flag);
    }
    first = v;
    return parse(v);
  };
}

export function solveCommand(): Command {
  const cmd = new Command('solve')
    .description('Run DSPGD once on your data and report the implicit bias.');
  addDataOptions(cmd, true);
  return cmd
    .requiredOption('--precond <spec>', `preconditioner NAME[:key=value,...]; one of ${BUILTIN_PRECOND_NAMES.join(', ')}`, once('--precond', (v) => v))
    .requiredOption('--lr <lr>', 'learning rate > 0, "auto" (a stable step from λmax(XᵀX)) or a multiple "F*auto" such as 0.5*auto', once('--lr', (v) => parseLr(v, '--lr')))
    .option('--loss <spec>', `loss NAME[:key=value]; one of ${LOSS_NAMES.join(', ')}`, 'squared')
    .addOption(new Option('--reduction <r>', 'loss reduction').choices(['sum', 'mean']).default('sum'))
    .option('--tol <t>', 'stop when ‖XW − Y‖/‖Y‖ ≤ t', nonNegativeNumber, DEFAULTS.tol)
    .option('--grad-tol <t>', 'stop when ‖G‖ ≤ t (0: off)', nonNegativeNumber, DEFAULTS.gradTol)
    .option('--grad-rel-tol <t>', 'when no interpolant exists (e.g. n > d): stop when ‖G‖/‖G0‖ ≤ t, at a minimizer of the loss (0: off; below 1)', fraction, DEFAULTS.gradRelTol)
    .option('--max-iter <n>', 'iteration budget (an integer; 1e5 is accepted)', nonNegativeInt, DEFAULTS.maxIter)
    .option('--no-stall', `do not stop when relResidual improves by less than ${formatHuman(DEFAULTS.stallMinDecrease)} over ${formatCount(DEFAULTS.stallWindow)} iterations`)
    .option('--no-divergence-stop', `do not stop when relResidual grows ${formatHuman(DEFAULTS.divergenceFactor)}× over its start (non-finite values still stop); with --no-stall and tol 0, exactly --max-iter steps`)
    .addOption(new Option('--path <p>', 'primal (on W), rowspace (on A with W = W0 + XᵀA; row-space preconditioners only) or auto').choices(['auto', 'primal', 'rowspace']).default('auto'))
    .option('--threads <t>', 'threads for the pass over X (results do not depend on it)', positiveInt, 1)
    .addOption(new Option('--kernel <k>', 'pass over X: simd (portable, bit-identical everywhere), fma (relaxed-SIMD fused multiply-add: faster where the CPU has FMA, last bits differ) or auto (fma where available and faster)').choices(['simd', 'fma', 'auto']).default('simd'))
    .option('--out <file>', 'write the result as JSON')
    .option('--save-w <file>', 'write W∞ (.npy float64 C order, .csv or .json, by extension)')
    .option('--save-wgd <file>', 'write the GD limit W_GD∞ (.npy, .csv or .json)')
    .option('--trace <file.csv>', 'write the trace (iteration, loss, relResidual, gradNorm, bregman) as CSV')
    .option('--json', 'print the result as JSON on stdout instead of the summary')
    .option('-q, --quiet', 'print nothing but errors (no progress bar)')
    .addHelpText('after', `
Exit codes: 0 converged; 3 ran but did not converge (outputs still written); 2 bad usage or input.
Ctrl-C stops the run after the current iteration and writes the outputs (status "aborted"); a second Ctrl-C quits at once (exit 130), even during one long iteration.
A run that does not converge prints its residual trend and what to try (result.json: "advice").
Off a terminal (a log file), a progress line goes to stderr every 10 s unless --quiet.

Examples:
  $ dspgd solve --X X.npy --Y Y.npy --precond adam:eps=0.05 --lr 0.1 --out result.json
  $ dspgd solve --problem problem.npz --precond normalized --lr auto --save-w W.npy --save-wgd WGD.npy
  $ dspgd solve --X data.csv --Y labels.csv --precond spectral:eps=0.1 --lr 0.5*auto --trace trace.csv --json
  $ dspgd solve --problem problem.npz --precond adam:beta1=0.9,beta2=0.999 --lr 1e-3 --tol 0 --max-iter 5000 --no-stall --no-divergence-stop   # exactly 5000 steps`)
    .action(async (flags: SolveFlags) => {
      const { runSolve } = await import('./solve-run.js');
      process.exitCode = await runSolve(flags);
    });
}
