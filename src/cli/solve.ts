/**
 * `dspgd solve`: one run on data from .npy files. Everything is read and
 * validated before any output is written; outputs are then written together
 * (temp files, then renames), so bad input never creates or damages a file.
 */
import { Command, Option } from 'commander';
import { solve } from '../solve.js';
import { Problem } from '../problem.js';
import { readNpyFile, encodeNpy, writeFilesAtomic, type AtomicFile } from '../io/index.js';
import { resolvePrecond, BUILTIN_PRECOND_NAMES } from '../precond/index.js';
import { resolveLoss, LOSS_NAMES } from '../losses/index.js';
import { DspgdError } from '../errors.js';
import { resultToJson } from './result-json.js';
import { EXIT_NOT_CONVERGED, EXIT_OK, positiveNumber, nonNegativeNumber, nonNegativeInt } from './errors.js';
import type { Matrix } from '../matrix.js';

interface SolveFlags {
  X: string; Y: string; W0?: string;
  precond: string; lr: number | 'auto';
  loss: string; reduction: 'sum' | 'mean';
  tol: number; maxIter: number; gradTol: number;
  out?: string; saveW?: string; saveWgd?: string;
  quiet?: boolean;
}

export function solveCommand(): Command {
  return new Command('solve')
    .description('Run DSPGD once on X, Y (and W0) from .npy files and report the implicit bias.')
    .requiredOption('--X <file>', 'data matrix X, n×d (.npy, float64/float32, C or Fortran order)')
    .requiredOption('--Y <file>', 'labels Y, n×k or length n (.npy)')
    .option('--W0 <file>', 'initialization W0, d×k or length d (.npy); default zeros')
    .requiredOption('--precond <spec>', `preconditioner NAME[:key=value,...]; one of ${BUILTIN_PRECOND_NAMES.join(', ')}`)
    .requiredOption('--lr <lr>', 'learning rate > 0, or "auto" (from λmax(XᵀX))', (v: string) => (v === 'auto' ? 'auto' : positiveNumber(v)))
    .option('--loss <spec>', `loss NAME[:key=value]; one of ${LOSS_NAMES.join(', ')}`, 'squared')
    .addOption(new Option('--reduction <r>', 'loss reduction').choices(['sum', 'mean']).default('sum'))
    .option('--tol <t>', 'stop when ‖XW − Y‖/‖Y‖ ≤ t', nonNegativeNumber, 1e-10)
    .option('--grad-tol <t>', 'stop when ‖G‖ ≤ t', nonNegativeNumber, 0)
    .option('--max-iter <n>', 'iteration budget', nonNegativeInt, 10000)
    .option('--out <file>', 'write the result as JSON')
    .option('--save-w <file>', 'write W∞ as .npy (float64, C order)')
    .option('--save-wgd <file>', 'write the GD limit W_GD∞ as .npy')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', `
Exit codes: 0 converged; 3 ran but did not converge (outputs still written); 2 bad usage or input.

Examples:
  $ dspgd solve --X X.npy --Y Y.npy --precond adam:eps=0.05 --lr 0.1 --out result.json
  $ dspgd solve --X X.npy --Y y.npy --precond normalized --lr auto --save-w W.npy --save-wgd WGD.npy`)
    .action(async (flags: SolveFlags) => {
      process.exitCode = await runSolve(flags);
    });
}

async function runSolve(f: SolveFlags): Promise<number> {
  // Parse specs first: a typo should fail before any file is read.
  const precond = resolvePrecond(f.precond, '--precond');
  const loss = resolveLoss(f.loss, '--loss');
  for (const [flag, path] of [['--out', f.out], ['--save-w', f.saveW], ['--save-wgd', f.saveWgd]] as const) {
    if (path !== undefined && path.trim() === '') throw new DspgdError('E_PARAM', `${flag}: expected a file path`, flag);
  }
  const X = await readNpyFile(f.X, '--X');
  const Y = await readNpyFile(f.Y, '--Y');
  const W0 = f.W0 ? await readNpyFile(f.W0, '--W0') : undefined;
  const problem = await Problem.create({ X, Y, W0 }).catch((e: unknown) => {
    throw renameArgument(e);
  });
  try {
    const r = await solve(problem, {
      precond, loss, lr: f.lr, reduction: f.reduction, tol: f.tol, gradTol: f.gradTol, maxIter: f.maxIter,
      report: true,
    });
    const files: AtomicFile[] = [];
    if (f.out) files.push({ path: f.out, data: JSON.stringify(resultToJson(r), null, 2) + '\n', argument: '--out' });
    if (f.saveW) files.push({ path: f.saveW, data: encodeNpy(r.W), argument: '--save-w' });
    if (f.saveWgd && r.bias) files.push({ path: f.saveWgd, data: encodeNpy(r.bias.W_GD as Matrix), argument: '--save-wgd' });
    await writeFilesAtomic(files);
    if (!f.quiet) printSummary(r);
    return r.status === 'converged' ? EXIT_OK : EXIT_NOT_CONVERGED;
  } finally {
    problem.dispose();
  }
}

/** Errors from Problem.create name 'X'/'Y'/'W0'; on the command line the argument is '--X' etc. */
function renameArgument(e: unknown): unknown {
  if (e instanceof DspgdError && e.argument && ['X', 'Y', 'W0'].includes(e.argument)) {
    return new DspgdError(e.code, `--${e.message}`, `--${e.argument}`, { cause: e });
  }
  return e;
}

function printSummary(r: Awaited<ReturnType<typeof solve>>): void {
  const b = r.bias;
  const lines = [
    `status        ${r.status} (${r.message})`,
    `iterations    ${r.iterations}   time ${r.timeMs.toFixed(1)} ms   lr ${r.lr}`,
    `precond       ${r.precond.spec}   isotropic=${r.precond.isotropic} preservesRowSpace=${r.precond.preservesRowSpace}${r.precond.stateful ? ' stateful' : ''}`,
    `loss          ${r.loss.toExponential(4)}   relResidual ${r.relResidual.toExponential(3)}`,
  ];
  if (b) {
    lines.push(
      `relDistToGD   ${b.relDistToGD.toExponential(3)}   c ${b.c.toPrecision(6)}`,
      `row/null      ${b.rowspaceNorm.toExponential(3)} / ${b.nullspaceNorm.toExponential(3)}   rank ${b.rank} of n=${r.problem.n}, d=${r.problem.d}${b.overparameterized ? '' : ' (not overparameterized)'}`,
      b.theory.summary,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}
