/**
 * What `dspgd sweep` does once its grid is known and its workers are starting (sweep.ts): the
 * folder lock, the data files' hashes, the sweep itself (src/sweep/run.ts) with a progress bar,
 * and the table. Loaded on demand: it brings the report, its plots and the progress bar.
 */
import { resolve } from 'node:path';
import { formatCount } from '../util/numbers.js';
import { formatTable } from '../report/table.js';
import { recoverReportFolder } from '../report/folder.js';
import { createProgress } from './progress.js';
import { withInterrupt } from './interrupt.js';
import type { SweepGrid } from '../sweep/grid.js';
import { describeGrid } from '../sweep/report.js';
import type { Shard } from '../sweep/shard.js';
import { FolderLock } from '../sweep/lock.js';
import { withContentHashes } from '../sweep/inputs.js';
import { runSweep } from '../sweep/run.js';
import type { StartedWorkers } from '../sweep/workers.js';
import type { SweepFlags } from './sweep.js';

export interface SweepSetup {
  grid: SweepGrid;
  /** Relative data paths of the grid are resolved against this folder. */
  baseDir: string;
  shard?: Shard;
  jobs: number;
  /** Started by sweep.ts; the sweep uses and stops them. */
  workers?: StartedWorkers;
}

/** The sweep the flags describe; returns the exit code. */
export async function runSweepCommand(f: SweepFlags, s: SweepSetup): Promise<number> {
  const { baseDir, shard, jobs, workers } = s;
  let grid = s.grid;
  const dir = resolve(f.outDir);
  const note = (m: string) => { if (!f.quiet) process.stderr.write(`dspgd: note: ${m}\n`); };
  // One writer per folder, from before anything in it is read or repaired until the report is
  // written; released below, or on exit, SIGTERM or SIGHUP (see src/sweep/lock.ts).
  const lock = await FolderLock.acquire(dir, { argument: '--out-dir', command: `dspgd ${process.argv.slice(2).join(' ')}`, onNote: note });
  // Data files are identified by their content (SHA-256), read once before the sweep starts.
  grid = await withContentHashes(grid, baseDir, (i, role) => (f.grid !== undefined ? `${f.grid}: problems[${i}].${role}` : `--${role}`));
  // A report swap a killed sweep left is finished first: the journal lives in the same folder.
  await recoverReportFolder(dir);
  if (shard && !f.quiet) process.stderr.write(`dspgd sweep: shard ${shard.index} of ${shard.count} (from ${shard.source})\n`);
  const progress = createProgress(f.quiet);
  let finished = 0;
  const out = await withInterrupt((signal) => runSweep({
    grid, baseDir, outDir: dir, jobs, workers, keepWorkers: false, resume: f.resume, shard, signal, command: process.argv.slice(2).join(' '),
    onStart: (runs, recorded) => {
      finished = recorded;
      progress.start(runs, 'sweep', 'runs', recorded);
    },
    onRun: (rel) => progress.update(++finished, rel),
    onProgress: (run, iteration, rel) => progress.update(finished, rel, `run ${run + 1} at iteration ${formatCount(iteration)}`),
    onNote: note,
  }), () => progress.stop());
  lock.release();
  progress.stop();
  if (!f.quiet) {
    const resumed = out.resumed ? ` (${out.resumed} from the journal)` : '';
    process.stdout.write(`dspgd sweep: ${describeGrid(grid)}; ${out.rows.length} runs${resumed}.\n\n${formatTable(out.rows)}\n\nWrote ${out.files.length} files to ${dir}\n`);
    if (out.aborted) process.stdout.write(`(interrupted: the files hold the ${out.rows.length} runs finished so far; --resume runs the other ${out.missing.length})\n`);
  }
  return out.aborted ? 3 : 0;
}
