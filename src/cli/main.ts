/** The `dspgd` command line. Each subcommand lives in its own file. */
import { Command } from 'commander';
import { solveCommand } from './solve.js';
import { demoCommand } from './demo.js';
import { reportAndExit } from './errors.js';
import { VERSION } from '../version.js';

const program = new Command('dspgd')
  .description('Dual space preconditioned gradient descent on overparameterized linear models, with an implicit-bias report.')
  .version(VERSION, '-v, --version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .addCommand(solveCommand())
  .addCommand(demoCommand());

for (const cmd of program.commands) cmd.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  reportAndExit(err);
}
