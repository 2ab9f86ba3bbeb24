/**
 * `dspgd demo` (what `npm start` runs): the demo experiment as a table, a
 * conclusion drawn from the numbers, and a report folder (HTML with the plots,
 * SVGs, JSON and CSV).
 */
import { Command } from 'commander';
import { resolve } from 'node:path';
import { runDemo, DEMO_PROBLEM, DEMO_PRECONDS, DEMO_LR_FACTORS, DEMO_TOL } from '../demo.js';
import { writeReportFolder } from '../report/folder.js';
import { formatTable } from '../report/table.js';
import { nonNegativeInt } from './errors.js';
import { createProgress } from './progress.js';
import { withInterrupt } from './interrupt.js';

interface DemoFlags { seed: number; outDir: string; report: boolean; quiet?: boolean }

export function demoCommand(): Command {
  return new Command('demo')
    .description('The main experiment: every built-in preconditioner at four learning rates on a seeded problem; shows where each lands relative to the GD limit, with a report folder of plots.')
    .option('--seed <s>', 'problem seed', nonNegativeInt, DEMO_PROBLEM.seed)
    .option('--out-dir <dir>', 'report folder (index.html, SVG plots, demo.json, demo.csv), replaced as a whole; your other files in it are kept', 'dspgd-report')
    .option('--no-report', 'print the table only, write no files')
    .option('-q, --quiet', 'print only the table and the conclusions (no progress bar)')
    .addHelpText('after', '\nExamples:\n  $ npm start\n  $ dspgd demo --out-dir /tmp/report && open /tmp/report/index.html\n  $ dspgd demo --seed 3 --no-report')
    .action(async (f: DemoFlags) => {
      const problem = { ...DEMO_PROBLEM, seed: f.seed };
      const out = process.stdout;
      const intro = `${problem.kind} problem n=${problem.n}, d=${problem.d}, k=${problem.k}, seed=${problem.seed}; W0 = 0; squared loss. `
        + `Each preconditioner runs at lr = η*·{${DEMO_LR_FACTORS.join(', ')}} (η* = a stable step from λmax(XᵀX)) until ‖XW − Y‖/‖Y‖ ≤ ${DEMO_TOL}.`;
      if (!f.quiet) out.write(`dspgd demo: ${intro}\n\n`);
      const progress = createProgress(f.quiet);
      const t0 = Date.now();
      progress.start(DEMO_PRECONDS.length * DEMO_LR_FACTORS.length, 'demo', 'runs');
      const result = await withInterrupt((signal) => runDemo({
        problem, signal,
        onRun: (row, done) => progress.update(done, row.relResidual),
      }), () => progress.stop());
      progress.stop();
      out.write(`${formatTable(result.rows)}\n\n`);
      out.write(`${result.conclusions.map((c, i) => `${i + 1}. ${c}`).join('\n')}\n`);
      if (result.aborted) out.write('\n(interrupted: the table holds the runs finished so far)\n');
      if (f.report) {
        const dir = resolve(f.outDir);
        const files = await writeReportFolder(dir, {
          title: 'dspgd demo: implicit bias of preconditioned gradient descent',
          intro, conclusions: result.conclusions, rows: result.rows, traces: result.traces,
          meta: { problem, rank: result.rank, seconds: (Date.now() - t0) / 1000 },
          files: { base: 'demo' },
        }, { argument: '--out-dir' });
        out.write(`\nReport: ${files.find((p) => p.endsWith('index.html')) ?? dir} (${files.length} files)\n`);
      }
      if (result.aborted) process.exitCode = 3;
    });
}
