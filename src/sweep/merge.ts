/**
 * `dspgd merge`: the journals of several sweep folders (shards, or parts run anywhere) into one
 * report, byte for byte the report of one unsharded sweep of the same grid (see report.ts).
 * Checked: every folder holds a journal of the same grid and dspgd version; the shards among them
 * are parts of one split (the same N, each part once: a task that ran with another N, such as a
 * resubmitted array task that took its one-task array for the whole sweep, is named); no run is
 * in two folders; every run of the grid is somewhere (else an error listing what is missing and
 * which parts are absent, unless `allowMissing`); a shard's journal holds runs of its own cells
 * only; no folder is still being written by a sweep on this host (its lock, lock.ts).
 *
 * The merged grid does not depend on the order the folders are given in: it is the grid of the
 * lowest part (of the folder holding the lowest run, for folders that are not parts). The grids
 * are equal, data files compared by content; they can differ only in the paths a file was read
 * from (each node's scratch copy), and those are then told through `onNote`. Given the
 * experiment's own grid (`grid`, `dspgd merge --grid FILE`), the merged grid is that one.
 */
import { resolve } from 'node:path';
import { DspgdError } from '../errors.js';
import { writeReportFolder } from '../report/folder.js';
import { describeRun, FILE_ROLES, gridDifference, isGenerated, runCount, type FileProblem, type SweepGrid } from './grid.js';
import { checkShardRuns } from './shard.js';
import { JournalWriter, journalHeader, readJournal, JOURNAL, type RunRecord } from './journal.js';
import { machineInfo, sweepReport } from './report.js';
import type { RunRow } from '../experiment.js';
import { makeFolder } from './run.js';
import { liveHolder } from './lock.js';

export interface MergeOptions {
  dirs: readonly string[];
  outDir: string;
  allowMissing?: boolean;
  command?: string;
  /** Told when the parts read one data file at different paths (which the merged grid names). */
  onNote?(message: string): void;
  /**
   * The sweep's own grid (an experiment file's, its data files hashed: withContentHashes), which
   * must be the folders' grid (data files compared by content): the merged grid is then this one,
   * naming the data files as it does, byte for byte what an unsharded sweep of it writes.
   */
  grid?: SweepGrid;
  /** How messages call `grid` (default '--grid'). */
  gridName?: string;
}

export async function mergeSweeps(o: MergeOptions): Promise<{ rows: RunRow[]; files: string[]; missing: number[]; runs: number }> {
  if (o.dirs.length === 0) throw new DspgdError('E_PARAM', 'merge: expected at least one sweep folder', 'DIR');
  const same = o.dirs.find((d) => resolve(d) === resolve(o.outDir));
  if (same !== undefined) throw new DspgdError('E_PARAM', `--out-dir: ${o.outDir} is also an input folder; merge into a new folder`, '--out-dir');
  const twice = o.dirs.find((d, i) => o.dirs.findIndex((e) => resolve(e) === resolve(d)) !== i);
  if (twice !== undefined) throw new DspgdError('E_PARAM', `merge: ${twice} is given twice`, twice);
  const t0 = Date.now();
  const records = new Map<number, RunRecord>();
  const from = new Map<number, string>();
  let first: { dir: string; dspgd: string; grid: unknown } | undefined;
  const folders: { dir: string; grid: SweepGrid; shard: { index: number; count: number } | null; lowest: number }[] = [];
  let split: { dir: string; index: number; count: number } | undefined;
  const parts = new Map<number, string>();
  for (const dir of o.dirs) {
    const busy = await liveHolder(dir);
    if (busy) {
      throw new DspgdError('E_IO', `merge: ${dir} is still being written (pid ${busy.pid} on this host, since ${busy.started}: ${busy.command}); merge when it has ended`, dir);
    }
    const j = await readJournal(dir, dir);
    if (!j) throw new DspgdError('E_IO', `merge: ${dir} holds no ${JOURNAL} (not a dspgd sweep output folder, or the sweep never started)`, dir);
    if (!first) {
      first = { dir, dspgd: j.header.dspgd, grid: j.header.grid };
    } else {
      if (j.header.dspgd !== first.dspgd) {
        throw new DspgdError('E_PARAM', `merge: ${dir} was written by dspgd ${j.header.dspgd}, ${first.dir} by ${first.dspgd}; results of two versions are not mixed`, dir);
      }
      const diff = gridDifference(first.grid, j.header.grid);
      if (diff) throw new DspgdError('E_PARAM', `merge: ${dir} is a sweep of another grid than ${first.dir}: ${diff}`, dir);
    }
    const shard = j.header.shard;
    if (shard) {
      if (split && shard.count !== split.count) {
        throw new DspgdError('E_PARAM',
          `merge: ${dir} is part ${shard.index} of ${shard.count}, ${split.dir} part ${split.index} of ${split.count}: parts of two different splits of the grid`
          + ` (a task run with another number of parts, e.g. a resubmitted array task without --shards); rerun it with --shard I/${split.count} into its own folder`, dir);
      }
      split ??= { dir, ...shard };
      const other = parts.get(shard.index);
      if (other !== undefined) throw new DspgdError('E_PARAM', `merge: ${other} and ${dir} are both part ${shard.index} of ${shard.count}; give each part once`, dir);
      parts.set(shard.index, dir);
      checkShardRuns(j.header.grid, shard, j.records.keys(), 'merge', dir, dir);
    }
    let lowest = Infinity;
    for (const run of j.records.keys()) lowest = Math.min(lowest, run);
    folders.push({ dir, grid: j.header.grid, shard: shard ?? null, lowest });
    for (const [run, r] of j.records) {
      const other = from.get(run);
      if (other !== undefined) {
        throw new DspgdError('E_PARAM', `merge: ${describeRun(j.header.grid, run)} is in both ${other} and ${dir}; give each shard once`, dir);
      }
      from.set(run, dir);
      records.set(run, r);
    }
  }
  let g: SweepGrid;
  if (o.grid) {
    const diff = gridDifference(first!.grid, o.grid);
    if (diff) throw new DspgdError('E_PARAM', `merge: ${o.gridName ?? '--grid'} is not the grid of ${first!.dir}: ${diff}`, '--grid');
    g = o.grid;
  } else {
    g = mergedGrid(folders, o.onNote);
  }
  const total = runCount(g);
  const missing: number[] = [];
  for (let r = 0; r < total; r++) if (!records.has(r)) missing.push(r);
  if (missing.length && !o.allowMissing) {
    const shown = missing.slice(0, 5).map((r) => describeRun(g, r)).join('; ');
    const absent = split ? Array.from({ length: split.count }, (_, i) => i).filter((i) => !parts.has(i)) : [];
    const which = absent.length ? ` Part${absent.length === 1 ? '' : 's'} ${absent.join(', ')} of ${split!.count} ${absent.length === 1 ? 'is' : 'are'} not among the folders.` : '';
    throw new DspgdError('E_PARAM',
      `merge: ${missing.length} of ${total} runs have no result in ${o.dirs.join(', ')}: ${shown}${missing.length > 5 ? '; …' : ''}.${which}`
      + ' (a shard is missing or unfinished: run it, or --resume it; --allow-missing merges what there is)', '--allow-missing');
  }
  const input = sweepReport({
    grid: g, dspgd: first!.dspgd, records: records.values(), shard: null, missing,
    host: { machine: machineInfo(), command: o.command, mergedFrom: o.dirs.map((d) => resolve(d)), seconds: (Date.now() - t0) / 1000 },
  });
  // The merged journal too: the folder is then like one unsharded sweep's (merge it again, or --resume it).
  await makeFolder(o.outDir, '--out-dir');
  const writer = await JournalWriter.start(o.outDir, journalHeader(g, first!.dspgd, null), [...records.values()].sort((a, b) => a.run - b.run), '--out-dir');
  await writer.close();
  const files = await writeReportFolder(o.outDir, input, { argument: '--out-dir' });
  return { rows: [...input.rows], files, missing, runs: total };
}

/**
 * The grid of the merge: that of the lowest part (folders that are not parts first, then by the
 * lowest run they hold, then by path), whatever the order of `folders`. Where the folders name
 * one data file by different paths (checked to be the same bytes), `onNote` is told.
 */
function mergedGrid(folders: readonly { dir: string; grid: SweepGrid; shard: { index: number; count: number } | null; lowest: number }[], onNote?: (m: string) => void): SweepGrid {
  const key = (f: (typeof folders)[number]) => [f.shard?.index ?? -1, f.lowest] as const;
  const sorted = folders.slice().sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka[0] - kb[0] || ka[1] - kb[1] || (resolve(a.dir) < resolve(b.dir) ? -1 : resolve(a.dir) > resolve(b.dir) ? 1 : 0);
  });
  const base = sorted[0]!;
  const whose = base.shard ? `part ${base.shard.index}'s` : `that of ${base.dir}`;
  base.grid.problems.forEach((p, i) => {
    if (isGenerated(p)) return;
    for (const role of FILE_ROLES) {
      const paths = [...new Set(sorted.map((f) => (f.grid.problems[i] as FileProblem)[role]).filter((x): x is string => typeof x === 'string'))];
      if (paths.length > 1) {
        onNote?.(`problems[${i}].${role}: the parts read this file (the same bytes) at ${paths.length} paths; the merged grid names ${whose}, `
          + `${JSON.stringify(paths[0])} (also ${paths.slice(1).map((x) => JSON.stringify(x)).join(', ')}; --grid FILE names the experiment file's)`);
      }
    }
  });
  return base.grid;
}
