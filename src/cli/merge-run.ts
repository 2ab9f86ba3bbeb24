/**
 * What `dspgd merge` does (merge.ts holds its flags): the folders' journals into one sweep
 * folder (src/sweep/merge.ts), under the folder lock. Loaded only when the command runs.
 */
import { dirname, resolve } from 'node:path';
import { DspgdError } from '../errors.js';
import { formatTable } from '../report/table.js';
import { mergeSweeps } from '../sweep/merge.js';
import { FolderLock } from '../sweep/lock.js';
import { withContentHashes } from '../sweep/inputs.js';
import { readGrid } from './sweep.js';
import type { MergeFlags } from './merge.js';

export async function runMergeCommand(dirs: string[], f: MergeFlags): Promise<void> {
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
}
