/**
 * What `dspgd demo` does (demo.ts holds its flags): the experiment, the table, the conclusions
 * and the report folder. Loaded only when the command runs.
 */
import { resolve } from 'node:path';
import { runDemo, DEMO_PROBLEM, DEMO_PRECONDS, DEMO_LR_FACTORS, DEMO_TOL } from '../demo.js';
import { writeReportFolder } from '../report/folder.js';
import { formatTable } from '../report/table.js';
import { createProgress } from './progress.js';
import { withInterrupt } from './interrupt.js';
import type { DemoFlags } from './demo.js';

export async function runDemoCommand(f: DemoFlags): Promise<void> {
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
}
