/**
 * One sweep into one output folder: the journal first (started fresh, or kept with `resume`),
 * then the cells of this shard (or of the whole grid) that have no record, then the report,
 * rebuilt from the journal as read back from disk.
 */
import { mkdir, stat } from 'node:fs/promises';
import { DspgdError } from '../errors.js';
import { describeFsError } from '../io/node/read.js';
import { writeReportFolder } from '../report/folder.js';
import { VERSION } from '../version.js';
import { cellsOf, gridDifference, type SweepGrid } from './grid.js';
import { executeCells, type ExecuteProfile } from './execute.js';
import { startWorkers, stopWorkers, type StartedWorkers } from './workers.js';
import { threadCpuMs } from '../util/thread-cpu.js';
import { JournalWriter, journalHeader, readJournal, JOURNAL, type RunRecord } from './journal.js';
import { machineInfo, sweepReport } from './report.js';
import { checkShardRuns, shardCells, type Shard } from './shard.js';
import type { RunRow } from '../experiment.js';

export interface SweepOptions {
  grid: SweepGrid;
  /** Relative problem files are resolved against this folder. */
  baseDir: string;
  outDir: string;
  jobs: number;
  /** Keep the journal's records and run only the rest (the grid must be the journal's). */
  resume?: boolean;
  shard?: Shard;
  signal?: AbortSignal;
  /** The flag that named outDir, for messages (default '--out-dir'). */
  argument?: string;
  /** Recorded in sweep.json's host key. */
  command?: string;
  /** Once the work is known: runs of this shard (or grid), and how many the journal already had. */
  onStart?(runs: number, recorded: number): void;
  onRun?(relResidual: number): void;
  onProgress?(run: number, iteration: number, relResidual: number): void;
  onNote?(message: string): void;
  workerUrl?: string | URL;
  /**
   * Workers started ahead (startWorkers: `dspgd sweep` starts them before it loads this module),
   * which the sweep then uses and stops as its own; default: started here when jobs > 1.
   */
  workers?: StartedWorkers;
  /**
   * Keep the workers idle for this process's next sweep after a clean run (default true). A
   * process that ends after this sweep (the CLI) says false: the workers are then terminated as
   * soon as the cells are done, while this thread writes the report, not after it.
   */
  keepWorkers?: boolean;
}

export interface SweepOutcome {
  rows: RunRow[];
  files: string[];
  aborted: boolean;
  /** Runs of this shard (or grid) without a record (after an interrupt). */
  missing: number[];
  /** Runs the journal already held (resume). */
  resumed: number;
  runs: number;
  /** Where the time went (bench/sweep.ts reports it). */
  profile: SweepProfile;
}

/** ExecuteProfile and this thread's part: ms from the sweep's start, CPU of this thread per phase. */
export interface SweepProfile extends ExecuteProfile {
  jobs: number;
  /** The cells began (journal ready), ended, and the report was written (the end). */
  executeStartMs: number;
  executeEndMs: number;
  endMs: number;
  /** This thread's CPU before the cells (folder, journal), while they ran, and for the report. */
  mainCpu?: { setup: number; execute: number; report: number };
}

export async function runSweep(o: SweepOptions): Promise<SweepOutcome> {
  const argument = o.argument ?? '--out-dir';
  const t0 = Date.now();
  const profile: SweepProfile = { t0: performance.now(), jobs: o.jobs, threads: [], units: [], executeStartMs: NaN, executeEndMs: NaN, endMs: NaN };
  const cpu0 = threadCpuMs();
  // Workers start first: they boot, compile and make their problems while this thread sets up the
  // folder and the journal (a resume that leaves fewer cells terminates the extra ones).
  const workers: StartedWorkers | undefined = o.workers ?? (Number.isSafeInteger(o.jobs) && o.jobs > 1
    ? startWorkers(Math.min(o.jobs, cellsOf(o.grid).length), { workerUrl: o.workerUrl })
    : undefined);
  // Stopped once the cells are done: their threads wind down while this one writes the report.
  let stopping: Promise<void> | undefined;
  const release = (keep = false) => (stopping ??= workers ? stopWorkers(workers, keep) : Promise.resolve());
  try {
    return await sweep(o, argument, t0, profile, cpu0, workers, release);
  } finally {
    await release();
  }
}

async function sweep(o: SweepOptions, argument: string, t0: number, profile: SweepProfile, cpu0: number | undefined, workers: StartedWorkers | undefined, release: (keep?: boolean) => Promise<void>): Promise<SweepOutcome> {
  const shard = o.shard ? { index: o.shard.index, count: o.shard.count } : null;
  const header = journalHeader(o.grid, VERSION, shard);
  await makeFolder(o.outDir, argument);
  const records = new Map<number, RunRecord>();
  if (o.resume) {
    const old = await readJournal(o.outDir, argument);
    if (old) {
      if (old.header.dspgd !== VERSION) {
        throw new DspgdError('E_PARAM', `--resume: the journal in ${o.outDir} was written by dspgd ${old.header.dspgd}, this is ${VERSION}; results of two versions are not mixed (start over without --resume)`, '--resume');
      }
      const diff = gridDifference(old.header.grid, o.grid);
      if (diff) throw new DspgdError('E_PARAM', `--resume: the grid is not the one the journal in ${o.outDir} was started with: ${diff}`, '--resume');
      const sd = gridDifference(old.header.shard, shard, 'shard');
      if (sd) throw new DspgdError('E_PARAM', `--resume: the shard is not the one the journal in ${o.outDir} was started with: ${sd}`, '--resume');
      if (shard) checkShardRuns(o.grid, shard, old.records.keys(), '--resume', o.outDir, '--resume');
      for (const [run, r] of old.records) records.set(run, r);
    }
  }
  const selection = o.shard ? shardCells(o.grid, o.shard.index, o.shard.count) : cellsOf(o.grid);
  const L = o.grid.lrs.length;
  const pending = selection.filter((c) => !records.has(c.firstRun));
  const runs = selection.length * L;
  const resumed = runs - pending.length * L;
  o.onStart?.(runs, resumed);
  const writer = await JournalWriter.start(o.outDir, header, [...records.values()].sort((a, b) => a.run - b.run), argument);
  const clock = () => performance.now() - profile.t0;
  profile.executeStartMs = clock();
  const cpu1 = threadCpuMs();
  let aborted = true;
  try {
    ({ aborted } = await executeCells({
      grid: o.grid, cells: pending, jobs: o.jobs, baseDir: o.baseDir, signal: o.signal, workerUrl: o.workerUrl, workers, profile,
      onCells: (recs) => writer.append(recs),
      onRun: o.onRun, onProgress: o.onProgress, onNote: o.onNote,
    }));
  } finally {
    // Kept for this process's next sweep only after a clean run (executeCells' pool, IDLE_MS).
    void release((o.keepWorkers ?? true) && !aborted && !(o.signal?.aborted ?? false));
    await writer.close();
  }
  profile.executeEndMs = clock();
  const cpu2 = threadCpuMs();
  // The report is what the journal on disk holds, read back: the same path as `dspgd merge`.
  const done = await readJournal(o.outDir, argument);
  if (!done) throw new DspgdError('E_IO', `${argument}: ${JOURNAL} vanished from ${o.outDir} during the sweep`, argument);
  const missing: number[] = [];
  for (const c of selection) for (let j = 0; j < L; j++) if (!done.records.has(c.firstRun + j)) missing.push(c.firstRun + j);
  const input = sweepReport({
    grid: o.grid, dspgd: VERSION, records: done.records.values(), shard, missing,
    host: { machine: machineInfo(), command: o.command, jobs: o.jobs, resumedRuns: resumed, seconds: (Date.now() - t0) / 1000 },
  });
  const files = await writeReportFolder(o.outDir, input, { argument });
  profile.endMs = clock();
  const cpu3 = threadCpuMs();
  if (cpu0 !== undefined && cpu1 !== undefined && cpu2 !== undefined && cpu3 !== undefined) {
    profile.mainCpu = { setup: cpu1 - cpu0, execute: cpu2 - cpu1, report: cpu3 - cpu2 };
  }
  return { rows: [...input.rows], files, aborted, missing, resumed, runs, profile };
}

/** Creates the output folder (and parents); E_IO naming `argument` when it is a file or cannot be made. */
export async function makeFolder(dir: string, argument: string): Promise<void> {
  if (await stat(dir).then((s) => !s.isDirectory(), () => false)) {
    throw new DspgdError('E_IO', `${argument}: ${dir} exists and is not a folder`, argument);
  }
  await mkdir(dir, { recursive: true }).catch((e: unknown) => {
    throw new DspgdError('E_IO', `${argument}: cannot create ${dir}: ${describeFsError(e)}`, argument, { cause: e });
  });
}
