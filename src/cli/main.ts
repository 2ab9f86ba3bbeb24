/** The `dspgd` command line. Each subcommand lives in its own file. */
import { Command } from 'commander';
import { solveCommand } from './solve.js';
import { demoCommand } from './demo.js';
import { sweepCommand } from './sweep.js';
import { mergeCommand } from './merge.js';
import { generateCommand } from './generate.js';
import { benchCommand } from './bench.js';
import { reportAndExit } from './errors.js';
import { VERSION } from '../version.js';

const program = new Command('dspgd')
  .description('Dual space preconditioned gradient descent on overparameterized linear models, with an implicit-bias report.')
  .version(VERSION, '-v, --version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .addCommand(solveCommand())
  .addCommand(demoCommand())
  .addCommand(sweepCommand())
  .addCommand(mergeCommand())
  .addCommand(generateCommand())
  .addCommand(benchCommand())
  .addHelpText('after', `
Examples:
  $ dspgd demo                                   # the main experiment, with a report folder
  $ dspgd generate --n 50 --d 200 --seed 1 --out problem.npz
  $ dspgd solve --problem problem.npz --precond adam:eps=0.05 --lr auto
  $ dspgd sweep --precond gd --precond sign --lr auto,0.25*auto --seeds 1,2`);

for (const cmd of program.commands) cmd.exitOverride();

/**
 * A reader that went away (`dspgd demo | head -1`, `dspgd solve --json | true`): Node reports the
 * closed pipe as an 'error' event (EPIPE), which, unhandled, ends the process with a stack trace
 * before the output files are written. Here later writes to that stream are dropped and the
 * command runs to its end, files included, with its usual exit code, as `yes | head -1` ends quietly.
 */
function dropWritesOnEpipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stream.write = ((_chunk: unknown, encoding?: unknown, callback?: unknown) => {
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    }) as typeof stream.write;
  });
}
dropWritesOnEpipe(process.stdout);
dropWritesOnEpipe(process.stderr);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  reportAndExit(err);
}
