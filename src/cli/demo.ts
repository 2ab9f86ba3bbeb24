/**
 * `dspgd demo` (what `npm start` runs): the demo experiment as a table, a
 * conclusion drawn from the numbers, and a report folder (HTML with the plots,
 * SVGs, JSON and CSV).
 */
import { Command } from 'commander';
import { DEMO_PROBLEM } from '../demo-setup.js';
import { nonNegativeInt } from './errors.js';

export interface DemoFlags { seed: number; outDir: string; report: boolean; quiet?: boolean }

export function demoCommand(): Command {
  return new Command('demo')
    .description('The main experiment: every built-in preconditioner at four learning rates on a seeded problem; shows where each lands relative to the GD limit, with a report folder of plots.')
    .option('--seed <s>', 'problem seed', nonNegativeInt, DEMO_PROBLEM.seed)
    .option('--out-dir <dir>', 'report folder (index.html, SVG plots, demo.json, demo.csv), replaced as a whole; your other files in it are kept', 'dspgd-report')
    .option('--no-report', 'print the table only, write no files')
    .option('-q, --quiet', 'print only the table and the conclusions (no progress bar)')
    .addHelpText('after', '\nExamples:\n  $ npm start\n  $ dspgd demo --out-dir /tmp/report && open /tmp/report/index.html\n  $ dspgd demo --seed 3 --no-report')
    .action(async (f: DemoFlags) => {
      const { runDemoCommand } = await import('./demo-run.js');
      await runDemoCommand(f);
    });
}
