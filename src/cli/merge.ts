/**
 * `dspgd merge D1 D2 … --out-dir OUT`: the output folders of sweep shards (or of any parts of
 * one grid) into one report, byte for byte that of one unsharded sweep (src/sweep/merge.ts).
 */
import { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { DspgdError } from '../errors.js';
import { formatTable } from '../report/table.js';
import { mergeSweeps } from '../sweep/merge.js';
import { FolderLock } from '../sweep/lock.js';
import { withContentHashes } from '../sweep/inputs.js';
import { readGrid } from './sweep.js';

interface MergeFlags { outDir?: string; allowMissing?: boolean; quiet?: boolean; grid?: string }

export function mergeCommand(): Command {
  return new Command('merge')
    .description('Merge the output folders of sweep shards into one sweep.json, sweep.csv and report, identical to one unsharded sweep of the same grid.')
    .argument('<dirs...>', 'output folders of `dspgd sweep --shard I/N` (or of a job array)')
    .option('--out-dir <dir>', 'where the merged sweep.json, sweep.csv, plots, index.html and journal.jsonl go')
    .option('--allow-missing', 'merge even when runs of the grid are in none of the folders (they are listed in sweep.json "missing")')
    .option('--grid <file>', "the sweep's experiment file: the merged sweep.json and report name its data paths, as an unsharded `dspgd sweep --grid FILE` does (its data files are read to check they hold the folders' bytes)")
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', `
Checks that every folder is a sweep of the same grid with the same dspgd version, that no run is
in two folders, and that every run is in one (else exit 2 naming the missing runs). Data files
are named as the lowest part names them, or as --grid FILE does.

Examples:
  $ dspgd merge out/shard-0 out/shard-1 out/shard-2 out/shard-3 --out-dir results/
  $ dspgd merge out/shard-* --out-dir results/ --allow-missing
  $ dspgd merge out/shard-* --grid experiment.json --out-dir results/   # data paths as experiment.json gives them`)
    .action(async (dirs: string[], f: MergeFlags) => {
      if (f.outDir === undefined || f.outDir.trim() === '') throw new DspgdError('E_PARAM', '--out-dir: required, the folder for the merged report', '--out-dir');
      const out = resolve(f.outDir);
      // The merged folder is a sweep folder: one writer at a time (src/sweep/lock.ts).
      const note = (m: string) => { if (!f.quiet) process.stderr.write(`dspgd: note: ${m}\n`); };
      const lock = await FolderLock.acquire(out, { argument: '--out-dir', command: `dspgd ${process.argv.slice(2).join(' ')}`, onNote: note });
      // The experiment's own grid, its data files hashed as `dspgd sweep --grid` hashes them.
      const grid = f.grid === undefined ? undefined
        : await withContentHashes(await readGrid(f.grid), dirname(resolve(f.grid)), (i, role) => `${f.grid}: problems[${i}].${role}`);
      const r = await mergeSweeps({
        dirs, outDir: out, allowMissing: f.allowMissing, command: process.argv.slice(2).join(' '), onNote: note, grid, gridName: `--grid ${f.grid}`,
      });
      lock.release();
      if (!f.quiet) {
        const miss = r.missing.length ? ` (${r.missing.length} missing)` : '';
        process.stdout.write(`dspgd merge: ${dirs.length} folders, ${r.rows.length} of ${r.runs} runs${miss}.\n\n${formatTable(r.rows)}\n\nWrote ${r.files.length} files to ${out}\n`);
      }
      process.exitCode = 0;
    });
}
